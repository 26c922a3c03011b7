"""Every body has a size limit and every request a deadline: an endless, trickling or
huge answer ends in one clear error, fast (the tests use tiny limits)."""

from __future__ import annotations

import contextlib
import gzip
import io
import time
from typing import TYPE_CHECKING

import pytest
import responses

from pypi2nix.cli import main
from pypi2nix.errors import NetworkError, UsageError
from pypi2nix.index.client import HttpClient
from pypi2nix.index.limits import HttpLimits
from tests.support.fixture_index import INDEX_URL, IndexFile
from tests.support.hostile_index import (
    ALPHA_WHEEL,
    HostileIndex,
    rebuilt_wheel,
    replace_alpha_wheel,
)

if TYPE_CHECKING:
    from pathlib import Path

    from requests import PreparedRequest

    from tests.support.hostile_index import Answer


class SlowBody(io.RawIOBase):
    """``size`` bytes, one every ``delay`` seconds (a server that trickles)."""

    def __init__(self, size: int, delay: float = 0.0, chunk: int = 1) -> None:
        self.left = size
        self.delay = delay
        self.chunk = chunk

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self.left <= 0:
            return 0
        time.sleep(self.delay)
        size = min(self.chunk, self.left, len(buffer))
        buffer[:size] = b"0" * size
        self.left -= size
        return size


def body(size: int, delay: float = 0.0, chunk: int = 1) -> io.BufferedReader:
    return io.BufferedReader(SlowBody(size, delay, chunk), buffer_size=chunk)


def generate(tmp_path: Path, spec: str = "alpha==1.0.0") -> int:
    arguments = ["-e", spec, "-i", INDEX_URL, "--python", "3.11", "-O", "out", "--no-cache"]
    with contextlib.chdir(tmp_path):
        return main(["generate", *arguments])


def one_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert not (tmp_path / "out").exists()
    return lines[0]


def test_an_endless_page_stops_at_the_body_limit(
    hostile: HostileIndex,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYPI2NIX_HTTP_MAX_BODY", str(2**20))
    headers = {"Content-Type": "text/html", "Transfer-Encoding": "chunked"}
    hostile.answers[INDEX_URL + "alpha/"] = lambda request: (
        200, headers, body(50 * 2**20, chunk=65536)
    )  # fmt: skip
    assert generate(tmp_path) == 1
    error = one_error(capsys, tmp_path)
    assert "larger than 1048576 bytes (see PYPI2NIX_HTTP_MAX_BODY)" in error


def test_a_trickling_server_stops_at_the_deadline(
    hostile: HostileIndex,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYPI2NIX_HTTP_DEADLINE", "0.5")
    headers = {"Content-Type": "text/html"}
    hostile.answers[INDEX_URL + "alpha/"] = lambda request: (200, headers, body(200, 0.02))
    started = time.monotonic()
    assert generate(tmp_path) == 1
    assert time.monotonic() - started < 2.5
    assert "no complete answer within the deadline (0.5 s" in one_error(capsys, tmp_path)


def test_a_huge_metadata_file_is_not_read(
    hostile: HostileIndex,
    fixture_files: list[IndexFile],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYPI2NIX_HTTP_MAX_METADATA", str(2**20))
    real = next(file for file in fixture_files if file.filename == ALPHA_WHEEL)
    replace_alpha_wheel(hostile, rebuilt_wheel(real.data, padding_after_metadata=2**20))
    metadata = b"Metadata-Version: 2.1\nName: alpha\nVersion: 1.0.0\nSummary: " + b"x" * 2**22
    hostile.answers[ALPHA_WHEEL + ".metadata"] = lambda request: (200, {}, metadata)
    assert generate(tmp_path) == 1
    assert "larger than 1048576 bytes (see PYPI2NIX_HTTP_MAX_METADATA)" in one_error(
        capsys, tmp_path
    )


def test_a_server_that_ignores_range_is_held_to_the_body_limit(
    hostile: HostileIndex,
    fixture_files: list[IndexFile],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYPI2NIX_HTTP_MAX_BODY", str(2**20))
    real = next(file for file in fixture_files if file.filename == ALPHA_WHEEL)
    wheel = rebuilt_wheel(real.data, padding_after_metadata=3 * 2**20)
    replace_alpha_wheel(hostile, wheel)

    def whole(request: PreparedRequest) -> Answer:
        return 200, {}, wheel

    hostile.answers[ALPHA_WHEEL] = whole
    assert generate(tmp_path) == 1
    assert "larger than 1048576 bytes (see PYPI2NIX_HTTP_MAX_BODY)" in one_error(capsys, tmp_path)


def test_an_endless_stream_stops_at_the_stream_limit() -> None:
    client = HttpClient(retries=0, limits=HttpLimits(max_stream_bytes=2**20))
    url = "https://files.example.test/endless.tar.gz"
    with responses.RequestsMock() as mock:
        mock.add_callback(
            responses.GET, url, callback=lambda request: (200, {}, body(10 * 2**20, chunk=65536))
        )
        with pytest.raises(NetworkError, match="larger than 1048576 bytes"):
            client.read_stream(url, lambda raw: raw.read())


def test_a_stalled_stream_stops_at_the_deadline() -> None:
    client = HttpClient(retries=3, limits=HttpLimits(deadline_seconds=0.3))
    url = "https://files.example.test/slow.tar.gz"
    started = time.monotonic()
    with responses.RequestsMock() as mock:
        mock.add_callback(responses.GET, url, callback=lambda request: (200, {}, body(100, 0.05)))
        with pytest.raises(NetworkError, match="deadline"):
            client.read_stream(url, lambda raw: raw.read(50))
    assert time.monotonic() - started < 1.5


def test_limits_from_the_environment() -> None:
    limits = HttpLimits.from_environment(
        {"PYPI2NIX_HTTP_DEADLINE": "60", "PYPI2NIX_HTTP_MAX_BODY": "1000"}
    )
    assert limits.deadline_seconds == 60.0
    assert limits.max_body_bytes == 1000
    assert limits.max_stream_bytes == HttpLimits().max_stream_bytes
    with pytest.raises(UsageError, match="PYPI2NIX_HTTP_MAX_STREAM"):
        HttpLimits.from_environment({"PYPI2NIX_HTTP_MAX_STREAM": "lots"})


def test_a_compressed_page_that_decodes_to_too_much_is_refused(
    hostile: HostileIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = b'{"name": "alpha", "files": [' + b"{}," * 2**20 + b"{}]}"
    bomb = gzip.compress(gzip.compress(page))
    assert len(bomb) < 10_000
    headers = {
        "Content-Type": "application/vnd.pypi.simple.v1+json",
        "Content-Encoding": "gzip, gzip",
    }
    hostile.answers[INDEX_URL + "alpha/"] = lambda request: (200, headers, bomb)
    assert generate(tmp_path) == 1
    assert "decompresses to more than 100 times its size" in one_error(capsys, tmp_path)
