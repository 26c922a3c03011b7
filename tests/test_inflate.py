"""Decompression is bounded while it happens: a few kB that inflate to hundreds of MB
never make more than a few MB exist at once (measured with tracemalloc)."""

from __future__ import annotations

import bz2
import io
import lzma
import struct
import tarfile
import tracemalloc
import zipfile
from typing import TYPE_CHECKING

import pytest

from pypi2nix.dists import archive
from pypi2nix.dists.archive import ArchiveError, open_zip, read_zip_member, scan_tar

if TYPE_CHECKING:
    from collections.abc import Callable

MIB = 2**20
# One bzip2 stream of 64 MiB of zeros is under 100 bytes.
ZEROS_STREAM = bz2.compress(bytes(64 * MIB))
PEAK_LIMIT = 24 * MIB


def peak_of(action: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        action()
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak


def tar_header(name: str, size: int) -> bytes:
    info = tarfile.TarInfo(name)
    info.size = size
    return info.tobuf(format=tarfile.USTAR_FORMAT)


def test_concatenated_bzip2_streams_are_bounded_as_they_inflate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Eight streams of 64 MiB each (512 MiB) in under 1 kB: the limit stops it early."""
    monkeypatch.setattr(archive, "MAX_UNPACKED_BYTES", 8 * MIB)
    bomb = bz2.compress(tar_header("evil-1.0/zeros", 600 * MIB)) + ZEROS_STREAM * 8
    assert len(bomb) < 1000

    def scan() -> None:
        with pytest.raises(ArchiveError, match=f"unpacks to more than {8 * MIB} bytes"):
            scan_tar(io.BytesIO(bomb), "evil-1.0.tar.bz2", lambda name, size, read: False)

    assert peak_of(scan) < PEAK_LIMIT


def test_concatenated_streams_still_read_as_one_archive() -> None:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name in ("a/one", "a/two"):
            info = tarfile.TarInfo(name)
            info.size = 3
            tar.addfile(info, io.BytesIO(name.encode()[-3:]))
    data = raw.getvalue()
    for compress, suffix in ((bz2.compress, "bz2"), (lzma.compress, "xz")):
        split = compress(data[:700]) + compress(data[700:])
        seen: dict[str, bytes] = {}
        assert scan_tar(io.BytesIO(split), f"a.tar.{suffix}", _collect(seen))
        assert seen == {"a/one": b"one", "a/two": b"two"}


def _collect(seen: dict[str, bytes]) -> Callable[[str, int, Callable[[], bytes]], bool]:
    def visit(name: str, size: int, read: Callable[[], bytes]) -> bool:
        seen[name] = read()
        return False

    return visit


def zip_with_lying_size(method: int, content: bytes, declared: int) -> bytes:
    """A zip of one member whose headers declare ``declared`` bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as zipped:
        zipped.writestr("evil-1.0.dist-info/METADATA", content)
    data = bytearray(buffer.getvalue())
    local, central = data.index(b"PK\x03\x04"), data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, local + 22, declared)
    struct.pack_into("<I", data, central + 24, declared)
    return bytes(data)


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA], ids=["bzip2", "lzma"])
def test_a_zip_member_inflates_no_further_than_its_declared_size(method: int) -> None:
    """A member that says 100 bytes but holds 64 MiB (a 4 kB wheel of 8 GB, scaled)."""
    bomb = zip_with_lying_size(method, bytes(64 * MIB), 100)
    assert len(bomb) < 20_000

    def read() -> None:
        with pytest.raises(ArchiveError, match="METADATA"):
            read_zip_member(open_zip(io.BytesIO(bomb)), "evil-1.0.dist-info/METADATA")

    assert peak_of(read) < PEAK_LIMIT


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA], ids=["bzip2", "lzma"])
def test_bzip2_and_lzma_members_read_back_exactly(method: int) -> None:
    content = b"Metadata-Version: 2.1\nName: evil\n" * 5000
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as zipped:
        zipped.writestr("evil-1.0.dist-info/METADATA", content)
    zipped_archive = open_zip(io.BytesIO(buffer.getvalue()))
    assert read_zip_member(zipped_archive, "evil-1.0.dist-info/METADATA") == content


def test_a_large_bzip2_member_is_refused_unread() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_BZIP2) as zipped:
        zipped.writestr("lib.so", bytes(archive.MAX_MEMBER_BYTES + 1))
    with pytest.raises(ArchiveError, match=r"lib\.so is larger than"):
        archive.open_zip_member(open_zip(io.BytesIO(buffer.getvalue())), zipped.getinfo("lib.so"))
