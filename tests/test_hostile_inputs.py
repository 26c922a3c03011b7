"""The last hostile inputs that ended badly: a tiny bz2 sdist that expands to gigabytes
and needs its build backend, an archive URL whose server never stops sending, and a
project's own pyproject.toml with a name or dependency that is not valid. Each ends
in one line, within bounded memory and time."""

from __future__ import annotations

import bz2
import contextlib
import io
import tarfile
import tracemalloc
from typing import TYPE_CHECKING

import pytest
import responses

from pypi2nix.backend.unpack import unpack_sdist
from pypi2nix.cli import main
from pypi2nix.dists import archive
from pypi2nix.dists.archive import ArchiveError
from pypi2nix.sources import direct
from tests.support.fixture_index import INDEX_URL, IndexFile
from tests.test_hostile import one_error, tar_member

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.fixture_index import FixtureIndex

UNPACK_LIMIT = 8 * 2**20
# setup.py only: the dependencies are known to the build backend alone.
BACKEND_ONLY = [
    tar_member("evil-1.0/PKG-INFO", b"Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n"),
    tar_member("evil-1.0/setup.py", b"from setuptools import setup\nsetup()\n"),
]


def bz2_bomb() -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in [*BACKEND_ONLY, tar_member("evil-1.0/zeros", bytes(8 * UNPACK_LIMIT))]:
            tar.addfile(info, io.BytesIO(data))
    return bz2.compress(raw.getvalue())


def generate(work: Path, *requirements: str) -> int:
    work.mkdir(exist_ok=True)
    arguments = ["-i", INDEX_URL, "--python", "3.11", "-O", "out", "-q"]
    with contextlib.chdir(work):
        return main(["generate", *(f"-e{line}" for line in requirements), *arguments])


def test_a_bz2_bomb_that_needs_its_backend_ends_in_the_archive_error(
    fixture_index: FixtureIndex,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(archive, "MAX_UNPACKED_BYTES", UNPACK_LIMIT)
    bomb = bz2_bomb()
    assert len(bomb) < 10_000
    fixture_index.files.append(IndexFile("evil", "evil-1.0.tar.bz2", bomb))
    assert generate(tmp_path, "evil") == 1
    assert one_error(capsys) == (
        "error: evil-1.0.tar.bz2: cannot read the sdist "
        f"(the archive unpacks to more than {UNPACK_LIMIT} bytes)"
    )
    assert not (tmp_path / "out").exists()


def test_the_backend_unpacks_a_bz2_bomb_with_the_index_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the index's read of the sdist stops early, the backend's unpack refuses it."""
    monkeypatch.setattr(archive, "MAX_UNPACKED_BYTES", UNPACK_LIMIT)
    with pytest.raises(ArchiveError, match=f"unpacks to more than {UNPACK_LIMIT} bytes"):
        unpack_sdist(bz2_bomb(), "evil-1.0.tar.bz2", tmp_path / "source")
    assert not any((tmp_path / "source").rglob("zeros"))


class Endless(io.RawIOBase):
    """An answer that never ends; a test that reads too far fails instead of hanging."""

    def __init__(self, stop_after: int) -> None:
        self.sent = 0
        self.stop_after = stop_after

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self.sent > self.stop_after:
            raise AssertionError(f"read {self.sent} bytes of an endless answer")
        buffer[:] = bytes(len(buffer))
        self.sent += len(buffer)
        return len(buffer)


def test_an_endless_archive_url_is_streamed_to_its_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    limit = 64 * 2**20
    monkeypatch.setattr(direct, "MAX_DIRECT_ARCHIVE_BYTES", limit)
    body = Endless(stop_after=4 * limit)
    url = "https://archive.example.test/evil-1.0.tar.gz"
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, url, body=io.BufferedReader(body))
        tracemalloc.start()
        try:
            assert generate(tmp_path, f"evil @ {url}") == 1
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert one_error(capsys) == (
        f"error: {url}: the download is larger than 64 MiB, "
        "the most pypi2nix reads of an archive URL"
    )
    assert body.sent <= limit + 4 * 2**20
    assert peak < limit // 4  # on disk, not in memory


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            '[project]\nname = "my project"\nversion = "1.0"\n',
            "[project] name: 'my project' is not a valid project name",
        ),
        (
            '[project]\nname = "own"\nversion = "1.0"\ndependencies = ["six", "requests >=="]\n',
            "[project] dependencies[1]: invalid requirement 'requests >==' (Expected ",
        ),
        (
            '[project]\nname = "own"\nversion = "1.0"\n'
            '[project.optional-dependencies]\n"two words" = ["six"]\n',
            "[project.optional-dependencies] two words: 'two words' is not a valid extra",
        ),
        (
            '[project]\nname = "own"\nversion = "1.0"\n'
            '[project.optional-dependencies]\nfast = ["six", 5]\n',
            "[project.optional-dependencies] fast[1] is not a string: 5",
        ),
        (
            '[tool.poetry]\nname = "my project"\nversion = "1.0"\n',
            "[tool.poetry] name: 'my project' is not a valid project name",
        ),
    ],
)
def test_an_invalid_pyproject_is_one_line_with_its_file_and_key(
    fixture_index: FixtureIndex,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    table: str,
    message: str,
) -> None:
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "pyproject.toml").write_text(table)
    arguments = ["--pyproject", "project/pyproject.toml", "-i", INDEX_URL, "--python", "3.11"]
    with contextlib.chdir(tmp_path):
        assert main(["generate", *arguments, "-O", "out", "-q"]) == 1
    line = one_error(capsys)
    assert line.startswith(f"error: cannot read project/pyproject.toml: {message}"), line
    assert "internal error" not in line


def test_a_local_folder_with_an_invalid_name_says_so(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "pyproject.toml").write_text('[project]\nname = "a b"\nversion = "1"\n')
    assert generate(tmp_path, "./sub") == 1
    line = one_error(capsys)
    assert "[project] name: 'a b' is not a valid project name" in line, line
    assert "sub" in line
