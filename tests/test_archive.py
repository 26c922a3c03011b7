from __future__ import annotations

import gzip
import io
import random
import tarfile
import tracemalloc
import zipfile

import pytest

from pypi2nix.dists.archive import (
    TAIL_BYTES,
    ArchiveError,
    RemoteFile,
    open_zip,
    read_zip_member,
    scan_tar,
    zip_names,
)
from pypi2nix.dists.sdist import read_tar_sdist, read_zip_sdist, sdist_metadata
from pypi2nix.dists.streams import RangeResponse
from pypi2nix.dists.wheel import read_wheel_facts
from tests.support.fixture_index import FIXTURES

SIX_WHEEL = (FIXTURES / "real" / "six-1.17.0-py2.py3-none-any.whl").read_bytes()
SIX_SDIST = (FIXTURES / "real" / "six-1.17.0.tar.gz").read_bytes()


class RangeServer:
    """Serves byte ranges of a file and records what was asked."""

    def __init__(self, data: bytes, *, honour_ranges: bool = True) -> None:
        self.data = data
        self.honour_ranges = honour_ranges
        self.asked: list[tuple[int | None, int]] = []

    def fetch(self, start: int | None, end: int) -> RangeResponse:
        self.asked.append((start, end))
        size = len(self.data)
        if not self.honour_ranges:
            return RangeResponse(start=0, content=self.data, total_size=size)
        if start is None:
            start, end = max(0, size - end), size - 1
        return RangeResponse(start=start, content=self.data[start : end + 1], total_size=size)


def test_remote_zip_reads_a_real_wheel_from_its_tail() -> None:
    server = RangeServer(SIX_WHEEL)
    with open_zip(RemoteFile(server.fetch)) as archive:
        names = zip_names(archive)
        metadata = read_zip_member(archive, "six-1.17.0.dist-info/METADATA")
    assert "six.py" in names
    assert metadata.startswith(b"Metadata-Version: 2.1\nName: six\nVersion: 1.17.0")
    assert server.asked == [(None, TAIL_BYTES)]  # the 11 kB wheel fits in the first read


def test_remote_zip_fetches_missing_ranges() -> None:
    padding = random.Random(0).randbytes(2 * TAIL_BYTES)  # incompressible
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("pkg/__init__.py", b"# first member\n")
        archive.writestr("pkg/padding.bin", padding)
        archive.writestr("pkg-1.0.dist-info/METADATA", b"Name: pkg\n")
    server = RangeServer(buffer.getvalue())
    with open_zip(RemoteFile(server.fetch)) as archive:
        assert read_zip_member(archive, "pkg/__init__.py") == b"# first member\n"
    assert len(server.asked) == 2
    assert server.asked[1][0] == 0


def test_server_that_ignores_ranges() -> None:
    server = RangeServer(SIX_WHEEL, honour_ranges=False)
    with open_zip(RemoteFile(server.fetch)) as archive:
        assert "six.py" in zip_names(archive)


def test_not_a_zip() -> None:
    with pytest.raises(ArchiveError):
        open_zip(RemoteFile(RangeServer(b"not a zip at all" * 100).fetch))


def test_tar_scan_stops_early() -> None:
    visited: list[str] = []

    def visit(name: str, size: int, read: object) -> bool:
        visited.append(name)
        return name.endswith("/PKG-INFO")

    complete = scan_tar(io.BytesIO(SIX_SDIST), "six-1.17.0.tar.gz", visit)
    assert complete is False
    assert visited[-1] == "six-1.17.0/PKG-INFO"
    assert len(visited) < 19


def test_real_sdist_contents_and_metadata() -> None:
    contents = read_tar_sdist(io.BytesIO(SIX_SDIST), "six-1.17.0.tar.gz", until_pyproject=False)
    assert contents.complete
    assert "six.py" in contents.names
    assert set(contents.files) >= {"PKG-INFO", "setup.cfg", "six.egg-info/top_level.txt"}
    metadata = sdist_metadata(contents, project="six", version="1.17.0")
    assert metadata.requires_dist == ()  # an egg-info without requires.txt: no dependencies


def make_tar(members: list[tuple[tarfile.TarInfo, bytes]]) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as archive:
        for info, data in members:
            info.size = len(data) if info.isreg() else 0
            archive.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return gzip.compress(raw.getvalue())


def member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    return info


def test_hostile_member_names_are_never_matched() -> None:
    data = make_tar(
        [
            (member("demo-1.0/README"), b"readme"),
            (member("../pyproject.toml"), b"[build-system]\nrequires = ['evil']\n"),
            (member("/etc/PKG-INFO"), b"Name: evil\n"),
            (member("demo-1.0/setup.cfg", tarfile.SYMTYPE, "/etc/passwd"), b""),
            (member("demo-1.0/PKG-INFO", tarfile.LNKTYPE, "demo-1.0/README"), b""),
            (member("demo-1.0/dev", tarfile.CHRTYPE), b""),
            (member("demo-1.0/pyproject.toml"), b"[build-system]\nrequires = ['flit_core']\n"),
        ]
    )
    contents = read_tar_sdist(io.BytesIO(data), "demo-1.0.tar.gz", until_pyproject=False)
    assert contents.files == {"pyproject.toml": b"[build-system]\nrequires = ['flit_core']\n"}
    assert contents.names == ("README", "pyproject.toml")


def test_decompression_bomb_is_refused() -> None:
    data = make_tar([(member("bomb-1.0/zeros"), bytes(5_000_000))])
    assert len(data) < 10_000
    with pytest.raises(ArchiveError, match="unpacks to more than"):
        scan_tar(
            io.BytesIO(data),
            "bomb-1.0.tar.gz",
            lambda name, size, read: False,
            unpacked_limit=1_000_000,
        )


def test_corrupt_tar() -> None:
    with pytest.raises(ArchiveError):
        scan_tar(io.BytesIO(SIX_SDIST[:5000]), "six-1.17.0.tar.gz", lambda name, size, read: False)


def test_zip_sdist_listing() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Demo-1.0/", b"")
        archive.writestr("Demo-1.0/PKG-INFO", b"Metadata-Version: 2.1\nName: Demo\nVersion: 1.0\n")
        archive.writestr("Demo-1.0/setup.cfg", b"[options]\ninstall_requires = gamma\n")
        archive.writestr("Demo-1.0/demo/__init__.py", b"")
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        contents = read_zip_sdist(archive)
    assert contents.names == ("PKG-INFO", "setup.cfg", "demo/__init__.py")
    metadata = sdist_metadata(contents, project="demo", version="1.0")
    assert [str(r) for r in metadata.requires_dist] == ["gamma"]


def test_wheel_facts_keep_only_the_module_sources_bytes() -> None:
    padding = random.Random(1).randbytes(TAIL_BYTES // 2)  # incompressible
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("pkg/__init__.py", b"import json\nfrom . import core\n")
        archive.writestr("pkg/_native.so", padding)
        archive.writestr("pkg-1.0.dist-info/METADATA", b"Name: pkg\nVersion: 1.0\n")
        archive.writestr("pkg-1.0.dist-info/RECORD", b"")
    data = buffer.getvalue()

    def fetch(start: int | None, end: int) -> RangeResponse:
        copy = bytes(bytearray(data))  # bytes of its own, as a download is
        return RangeResponse(start=0, content=copy, total_size=len(copy))

    tracemalloc.start()
    try:
        remote = RemoteFile(fetch, len(data))
        facts = read_wheel_facts(open_zip(remote), remote)
        held, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert facts.metadata is not None
    assert facts.imports.of("pkg/__init__.py") == ("json", "pkg.core")
    assert held < len(padding) // 4  # the shared object's bytes were let go
