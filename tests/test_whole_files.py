"""A binary wheel read whole for its libraries (from an index that ignores ``Range``)
goes through a temporary file, not memory."""

from __future__ import annotations

import errno
import hashlib
import io
import os
import tempfile
import tracemalloc
import zipfile
from dataclasses import replace
from typing import TYPE_CHECKING, TypeVar

import pytest
from packaging.version import Version

from pypi2nix.errors import HashMismatch, MetadataError
from pypi2nix.index import whole_files
from pypi2nix.index.cache import Cache
from pypi2nix.index.client import HttpClient
from pypi2nix.index.whole_files import WholeFiles
from pypi2nix.models import DistFile
from tests.support.elf import Layout, elf_file

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from pypi2nix.dists.streams import RangeResponse, Readable

T = TypeVar("T")
FILENAME = "big-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"


class Body:
    """A download handed out in the sizes asked for, never copied whole."""

    def __init__(self, data: bytes) -> None:
        self._view = memoryview(data)
        self._position = 0

    def read(self, size: int = -1, /) -> bytes:
        end = len(self._view) if size < 0 else self._position + size
        piece = bytes(self._view[self._position : end])
        self._position += len(piece)
        return piece


class ServingClient(HttpClient):
    """An index that ignores ``Range``: every answer is the whole file."""

    def __init__(self, data: bytes) -> None:
        super().__init__(retries=0)
        self.data = data

    def read_stream(self, url: str, consume: Callable[[Readable], T]) -> T:
        return consume(Body(self.data))

    def get_range_or_stream(
        self, url: str, start: int | None, end: int, whole: Callable[[Readable], T]
    ) -> RangeResponse | T:
        return whole(Body(self.data))


def big_wheel() -> bytes:
    """A 64 MiB wheel: a shared object and 60 MiB of stored data."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        elf = elf_file(["libgomp.so.1"], layout=Layout(gap=32 << 20))
        archive.writestr("big/_core.cpython-311-x86_64-linux-gnu.so", elf)
        archive.writestr("big/data.bin", os.urandom(60 << 20), zipfile.ZIP_STORED)
    return buffer.getvalue()


def wheel_file(data: bytes, sha256: str | None = None) -> DistFile:
    return DistFile(
        filename=FILENAME,
        url=f"https://files.example.test/{FILENAME}",
        kind="wheel",
        version=Version("1.0"),
        sha256=sha256 or hashlib.sha256(data).hexdigest(),
    )


def test_a_wheel_is_not_held_in_memory(tmp_path: Path) -> None:
    data = big_wheel()
    files = WholeFiles(ServingClient(data), Cache.at(tmp_path))
    tracemalloc.start()
    try:
        facts = files.native_facts(wheel_file(data))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert facts is not None
    assert facts.system_needs() == ("libgomp.so.1",)
    assert peak < 8 << 20


def test_a_spooled_wheel_is_checked_against_its_sha256(tmp_path: Path) -> None:
    data = big_wheel()
    files = WholeFiles(ServingClient(data), Cache.at(tmp_path))
    with pytest.raises(HashMismatch, match="expected sha256 0000"):
        files.native_facts(wheel_file(data, sha256="0" * 64))


def test_a_wheel_growing_past_the_limit_is_cut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(whole_files, "MAX_INSPECTED_WHEEL_BYTES", 1 << 20)
    data = big_wheel()
    files = WholeFiles(ServingClient(data), Cache.at(tmp_path))
    with pytest.raises(MetadataError, match="larger than 1 MiB"):
        files.native_facts(wheel_file(data))


def test_a_full_temporary_folder_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_space(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tempfile, "TemporaryFile", no_space)
    data = big_wheel()
    files = WholeFiles(ServingClient(data), Cache.at(tmp_path))
    with pytest.raises(MetadataError, match=r"cannot write it to a temporary file in .*No space"):
        files.native_facts(wheel_file(data))


def test_a_cuda_sized_wheel_is_searched(tmp_path: Path) -> None:
    """torch's CUDA wheel is 539 MB: its libraries are read (in ranges, or spooled to disk)
    rather than left to the user's overrides."""
    data = big_wheel()
    files = WholeFiles(ServingClient(data), Cache.at(tmp_path))
    facts = files.native_facts(replace(wheel_file(data), size=600 << 20))
    assert facts is not None
    assert facts.system_needs() == ("libgomp.so.1",)
