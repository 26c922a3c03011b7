"""A shared object's libraries read from its first segment alone, when that segment
can hold nothing but the dynamic linker's tables, and the long way otherwise."""

from __future__ import annotations

import io
import zipfile
from typing import IO

import pytest

from pypi2nix.dists import wheel
from pypi2nix.dists.elf import BytesSource, early_library_names
from pypi2nix.dists.wheel import NativeFacts, read_native_facts
from tests.support.elf import Layout, elf_file

# Headers and string table in a read-only first segment, 8 MiB of code after it, the
# dynamic section last: how GNU ld lays a shared object out with separate code.
SEPARATE_CODE = Layout(order="psgd", split=2, gap=8 << 20, flags=(4, 6), noise=True)


def facts_and_bytes_read(
    monkeypatch: pytest.MonkeyPatch, member: str, data: bytes
) -> tuple[NativeFacts, int]:
    """The wheel's facts, and how many bytes of the member were decompressed."""
    read = [0]
    opened = wheel._open_unchecked

    class Counting(io.RawIOBase):
        def __init__(self, inner: IO[bytes]) -> None:
            self._inner = inner

        def read(self, size: int = -1) -> bytes:
            data = self._inner.read(size)
            read[0] += len(data)
            return data

    monkeypatch.setattr(wheel, "_open_unchecked", lambda *a: Counting(opened(*a)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, data)
    return read_native_facts(zipfile.ZipFile(io.BytesIO(buffer.getvalue()))), read[0]


def test_a_read_only_first_segment_gives_the_names_without_the_code(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = elf_file(["libz.so.1", "libc.so.6"], soname="libcore.so.2", layout=SEPARATE_CODE)
    facts, read = facts_and_bytes_read(monkeypatch, "pkg.libs/libcore.so.2", data)
    assert facts.needed == ("libc.so.6", "libz.so.1")
    assert facts.libraries == ("libcore.so.2",)
    assert read < 1 << 20


@pytest.mark.parametrize(
    ("layout", "why"),
    [
        (Layout(order="psgd", split=2, gap=8 << 20, flags=(5, 6), noise=True), "code in it"),
        (Layout(order="psgd", split=2, gap=8 << 20, flags=(6, 6), noise=True), "writable"),
        (Layout(order="pgsd", split=2, gap=8 << 20, flags=(4, 6), noise=True), "no names in it"),
    ],
)
def test_a_first_segment_that_may_hold_more_is_read_the_long_way(
    monkeypatch: pytest.MonkeyPatch, layout: Layout, why: str
) -> None:
    data = elf_file(["libz.so.1"], layout=layout)
    facts, read = facts_and_bytes_read(monkeypatch, "pkg/_core.so", data)
    assert facts.needed == ("libz.so.1",), why
    assert read > 8 << 20, why


def test_another_version_of_the_own_name_is_read_the_long_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``libfoo.so.1`` in ``libfoo.so.1.2.3`` is its DT_SONAME, not a library it needs:
    only the dynamic section can tell."""
    data = elf_file(["libc.so.6"], soname="libfoo.so.1", layout=SEPARATE_CODE)
    facts, read = facts_and_bytes_read(monkeypatch, "pkg.libs/libfoo.so.1.2.3", data)
    assert facts.needed == ("libc.so.6",)
    assert facts.libraries == ("libfoo.so.1", "libfoo.so.1.2.3")
    assert read > 8 << 20


def test_only_strings_that_are_library_names_count() -> None:
    needed = ["libssl.so.3", "libstdc++.so.6", "ld-linux-x86-64.so.2"]
    data = elf_file(needed, runpath="$ORIGIN/../lib:/opt/x.so", layout=SEPARATE_CODE)
    assert early_library_names(BytesSource(data)) == frozenset(needed)
