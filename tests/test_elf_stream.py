"""The streaming ELF reader gives what the whole-file reader gave, reading less."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
import zlib
from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pypi2nix.dists.elf import ElfError, read_dynamic_section, read_dynamic_source
from pypi2nix.dists.elf_stream import StreamSource
from pypi2nix.dists.wheel import read_native_facts
from tests.support import elf_reference
from tests.support.elf import Layout, elf_file

if TYPE_CHECKING:
    from collections.abc import Callable

    from pypi2nix.dists.elf import ByteSource

Outcome = tuple[tuple[str, ...], str | None, tuple[str, ...]] | str


class CountingStream(io.BytesIO):
    """A member stream that counts the bytes handed out."""

    def __init__(self, data: bytes, counter: list[int]) -> None:
        super().__init__(data)
        self._counter = counter

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self._counter[0] += len(data)
        return data


def outcome(read: Callable[[], object]) -> Outcome:
    try:
        dynamic = read()
    except ElfError as error:
        return f"error: {error}"
    if dynamic is None:
        return "no dynamic section"
    return (dynamic.needed, dynamic.soname, dynamic.runpath)  # type: ignore[attr-defined]


def streamed(data: bytes, *, window: int, piece: int) -> StreamSource:
    return StreamSource(lambda: io.BytesIO(data), len(data), window=window, piece=piece)


names = st.text(st.characters(codec="utf-8", exclude_characters="\0:"), min_size=1, max_size=12)
layouts = st.builds(
    Layout,
    is_64=st.booleans(),
    big_endian=st.booleans(),
    order=st.permutations("psgd").map("".join),
    split=st.integers(0, 4),
    gap=st.sampled_from([0, 1, 100, 5000]),
    tail=st.sampled_from([0, 3, 4096]),
    with_strtab=st.sampled_from([True, True, True, False]),
    flags=st.tuples(st.sampled_from([4, 5, 6]), st.sampled_from([4, 5, 6])),
)


@given(
    needed=st.lists(names, max_size=6),
    soname=st.none() | names,
    runpath=st.none() | st.lists(names, min_size=1, max_size=3).map(":".join),
    rpath=st.none() | names,
    layout=layouts,
    damage=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=3),
    window=st.sampled_from([0, 16, 200, 1 << 20]),
    piece=st.sampled_from([1, 7, 64, 1 << 20]),
)
def test_streaming_reader_matches_the_whole_file_reader(
    needed: list[str],
    soname: str | None,
    runpath: str | None,
    rpath: str | None,
    layout: Layout,
    damage: list[tuple[int, int]],
    window: int,
    piece: int,
) -> None:
    """32- and 64-bit, both byte orders, any order of the parts, the string table
    inside or outside the window, and damaged headers: the same names or the same
    error as the reader that held the file whole before."""
    data = bytearray(elf_file(needed, soname, runpath, rpath, layout))
    for at, value in damage:
        data[at % len(data)] = value
    whole = bytes(data)
    expected = outcome(lambda: elf_reference.read_dynamic_section(whole))
    source = streamed(whole, window=window, piece=piece)
    assert outcome(lambda: read_dynamic_source(source)) == expected
    assert outcome(lambda: read_dynamic_section(whole)) == expected


def test_the_stream_stops_after_the_dynamic_segment() -> None:
    data = elf_file(["libfoo.so.1"], layout=Layout(tail=8 << 20))
    counter = [0]
    source = StreamSource(lambda: CountingStream(data, counter), len(data), piece=4096)
    assert outcome(lambda: read_dynamic_source(source)) == (("libfoo.so.1",), None, ())
    assert counter[0] <= 8192
    assert source.restarts == 0


@pytest.mark.parametrize(("window", "restarts"), [(16 << 20, 0), (1 << 20, 1)])
def test_a_string_table_outside_the_window_is_read_again(window: int, restarts: int) -> None:
    # The string table lies 2 MiB into the file, the dynamic segment after it.
    data = elf_file(["libbar.so"], layout=Layout(order="pgsd", split=4, gap=2 << 20))
    source = streamed(data, window=window, piece=1 << 16)
    assert outcome(lambda: read_dynamic_source(source)) == (("libbar.so",), None, ())
    assert source.restarts == restarts


def test_a_read_only_segment_past_the_window_is_kept_as_it_passes() -> None:
    # Code first, then the read-only segment with the string table, then the dynamic
    # segment, as some linkers lay a shared object out.
    layout = Layout(order="pgsd", split=2, gap=2 << 20, flags=(5, 4))
    data = elf_file(["libbar.so"], layout=layout)
    source = streamed(data, window=1 << 20, piece=1 << 16)
    assert outcome(lambda: read_dynamic_source(source)) == (("libbar.so",), None, ())
    assert source.restarts == 0


def test_a_member_shorter_than_declared_is_an_error() -> None:
    data = elf_file(["libfoo.so.1"])
    source: ByteSource = StreamSource(lambda: io.BytesIO(data[:100]), len(data))
    assert outcome(lambda: read_dynamic_source(source)) == (
        "error: the file ends before its declared size"
    )


def test_a_large_shared_object_is_not_held_in_memory() -> None:
    """96 MiB of code between the string table and the dynamic segment, 64 MiB of
    debug sections after it: at most the window (4 MiB) is kept."""
    layout = Layout(order="psgd", split=3, gap=96 << 20, tail=64 << 20)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big/_core.so", elf_file(["libarrow.so.1900"], layout=layout))
    archive = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    tracemalloc.start()
    try:
        facts = read_native_facts(archive)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert facts.needed == ("libarrow.so.1900",)
    assert peak < 8 << 20


def test_the_crc_of_a_shared_object_is_not_computed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stream stops before the end, where zipfile compares the CRC-32: computing it
    would be work for nothing (the wheel was checked against its sha256)."""
    checked = [0]

    def counting_crc32(data: bytes, value: int = 0) -> int:
        checked[0] += len(data)
        return zlib.crc32(data, value)

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big/_core.so", elf_file(["libz.so.1"], layout=Layout(gap=8 << 20)))
    monkeypatch.setattr(zipfile, "crc32", counting_crc32)
    facts = read_native_facts(zipfile.ZipFile(io.BytesIO(buffer.getvalue())))
    assert facts.needed == ("libz.so.1",)
    assert checked[0] < 64 * 1024
