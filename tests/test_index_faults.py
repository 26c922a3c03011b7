"""Index faults: retried with capped backoff, then one clear line, and never an output.

The fixture index is served with faults injected for the URLs that contain a key:
each fault answers in turn, the last one for every later request.
"""

from __future__ import annotations

import hashlib
import io
import re
import time
import zipfile
from collections import Counter
from typing import TYPE_CHECKING, TypeAlias

import pytest
import requests
import responses

from pypi2nix.cli import main
from pypi2nix.errors import NetworkError
from pypi2nix.index.client import (
    MAX_BACKOFF_SECONDS,
    MAX_RETRY_AFTER_SECONDS,
    HttpClient,
    retry_after,
)
from tests.support.fixture_index import INDEX_URL, FixtureIndex, IndexFile

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from requests import PreparedRequest

Answer = tuple[int, dict[str, str], bytes]
Fault: TypeAlias = "Callable[[PreparedRequest], Answer] | None"  # None: the index answers

GAMMA_PAGE = f"{INDEX_URL}gamma/"


class FaultyIndex:
    def __init__(self, files: list[IndexFile]) -> None:
        self.index = FixtureIndex(files)
        self.faults: list[tuple[str, list[Fault]]] = []
        self.hits: Counter[str] = Counter()

    def inject(self, key: str, *faults: Fault) -> None:
        self.faults.append((key, list(faults)))

    def register(self, mock: responses.RequestsMock) -> None:
        hosts = re.compile(r"https://(?:index|files)\.example\.test/.*")
        mock.add_callback(responses.GET, hosts, callback=self.answer)

    def answer(self, request: PreparedRequest) -> Answer:
        url = str(request.url)
        for key, faults in self.faults:
            if key in url:
                self.hits[key] += 1
                fault = faults.pop(0) if len(faults) > 1 else faults[0]
                if fault is not None:
                    return fault(request)
                break
        if url.startswith(INDEX_URL):
            return self.index._page(request)
        return self.index._file(request)


def status(code: int, headers: dict[str, str] | None = None) -> Fault:
    return lambda request: (code, headers or {}, b"")


def raises(error: Exception) -> Fault:
    def fault(request: PreparedRequest) -> Answer:
        raise error

    return fault


def body(data: bytes, headers: dict[str, str]) -> Fault:
    return lambda request: (200, headers, data)


def truncated(request: PreparedRequest) -> Answer:
    return 200, {"Content-Length": "100000", "Content-Type": "text/html"}, b"<html><a href="


@pytest.fixture
def faulty(fixture_files: list[IndexFile]) -> Iterator[FaultyIndex]:
    index = FaultyIndex(list(fixture_files))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        index.register(mock)
        yield index


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits between retries, recorded instead of slept."""
    recorded: list[float] = []
    monkeypatch.setattr(time, "sleep", recorded.append)
    return recorded


def generate(tmp_path: Path, *specs: str) -> int:
    arguments = [item for spec in specs for item in ("-e", spec)]
    out = tmp_path / "out"
    return main(
        ["generate", *arguments, "-i", INDEX_URL, "--python", "3.11", "-O", str(out), "--no-cache"]
    )


def failed_with(tmp_path: Path, capsys: pytest.CaptureFixture[str], *fragments: str) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    for fragment in fragments:
        assert fragment in lines[0]
    assert not (tmp_path / "out").exists()
    return lines[0]


@pytest.mark.parametrize("code", [500, 502, 503, 504])
def test_server_errors_are_retried_with_backoff_then_reported(
    faulty: FaultyIndex,
    sleeps: list[float],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    code: int,
) -> None:
    faulty.inject(GAMMA_PAGE, status(code))
    assert generate(tmp_path, "gamma") == 1
    failed_with(tmp_path, capsys, f"cannot fetch {GAMMA_PAGE}: HTTP {code}", "(after 4 retries)")
    assert faulty.hits[GAMMA_PAGE] == 5
    assert sleeps == [0.25, 0.5, 1.0, 2.0]


def test_backoff_is_capped(faulty: FaultyIndex, sleeps: list[float]) -> None:
    faulty.inject(GAMMA_PAGE, status(503))
    with pytest.raises(NetworkError, match="after 8 retries"):
        HttpClient(retries=8, backoff_factor=1.0).get(GAMMA_PAGE)
    assert sleeps == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0, 10.0]
    assert max(sleeps) == MAX_BACKOFF_SECONDS


def test_too_many_requests_waits_as_asked(
    faulty: FaultyIndex, sleeps: list[float], tmp_path: Path
) -> None:
    faulty.inject(GAMMA_PAGE, status(429, {"Retry-After": "3"}), None)
    assert generate(tmp_path, "gamma") == 0
    assert sleeps == [3.0]
    assert (tmp_path / "out" / "requirements.nix").is_file()


def test_retry_after_is_capped(
    faulty: FaultyIndex, sleeps: list[float], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    faulty.inject(GAMMA_PAGE, status(429, {"Retry-After": "86400"}))
    assert generate(tmp_path, "gamma") == 1
    failed_with(tmp_path, capsys, "HTTP 429", "(after 4 retries)")
    assert sleeps == [MAX_RETRY_AFTER_SECONDS] * 4


def test_retry_after_as_a_date() -> None:
    soon = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 5))
    assert 3 <= (retry_after(soon) or 0) <= 5
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0
    assert retry_after("soon") is None


def test_a_fault_that_passes_gives_the_same_output(
    faulty: FaultyIndex, sleeps: list[float], tmp_path: Path, fixture_files: list[IndexFile]
) -> None:
    faulty.inject(
        GAMMA_PAGE, status(503), raises(requests.ConnectionError("reset")), truncated, None
    )
    faulty.inject("gamma-2.0.0-py3-none-any.whl", status(502), None)
    assert generate(tmp_path, "beta") == 0
    assert len(sleeps) == 4
    clean = tmp_path / "clean"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        FixtureIndex(list(fixture_files)).register(mock)
        assert generate(clean, "beta") == 0
    for name in ("requirements.nix", "requirements_frozen.txt"):
        assert (tmp_path / "out" / name).read_bytes() == (clean / "out" / name).read_bytes()


JSON_TYPE = {"Content-Type": "application/vnd.pypi.simple.v1+json"}
RETRIED = 5  # the first attempt and 4 retries
PAGE_FAULTS = {
    "connection reset": (
        raises(requests.ConnectionError("Connection reset by peer")),
        ["connection failed", "(after 4 retries)"],
        RETRIED,
    ),
    "read timeout": (
        raises(requests.ReadTimeout("read timed out")),
        ["the server did not answer in time", "(after 4 retries)"],
        RETRIED,
    ),
    "connect timeout": (
        raises(requests.ConnectTimeout("connect timed out")),
        ["the server did not answer in time"],
        RETRIED,
    ),
    "truncated body": (truncated, ["cut short", "IncompleteRead", "(after 4 retries)"], RETRIED),
    "forbidden": (status(403), ["HTTP 403"], 1),
    "truncated JSON": (body(b'{"files": [', JSON_TYPE), ["not valid JSON"], 1),
    "JSON without files": (body(b'{"meta": {}}', JSON_TYPE), ["no 'files' list"], 1),
    "binary HTML": (
        body(b"\xff\xfe\x00\x00<html>", {"Content-Type": "text/html"}),
        ["invalid page"],
        1,
    ),
    "another project's JSON": (
        body(b'{"name": "beta", "files": []}', JSON_TYPE),
        ["the page of another project, 'beta'"],
        1,
    ),
    "redirect": (
        status(302, {"Location": f"{INDEX_URL}beta/"}),
        ["redirected it to", "the page of another project"],
        1,
    ),
}


@pytest.mark.parametrize("name", PAGE_FAULTS)
def test_page_faults(
    faulty: FaultyIndex,
    sleeps: list[float],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
) -> None:
    """Faults that may pass are retried, then reported; bad answers are reported at once."""
    fault, fragments, attempts = PAGE_FAULTS[name]
    faulty.inject(GAMMA_PAGE, fault)
    assert generate(tmp_path, "gamma") == 1
    failed_with(tmp_path, capsys, f"cannot fetch {GAMMA_PAGE}", *fragments)
    assert faulty.hits[GAMMA_PAGE] == attempts
    assert len(sleeps) == attempts - 1


def test_a_stream_that_breaks_is_read_again(
    faulty: FaultyIndex, sleeps: list[float], tmp_path: Path
) -> None:
    def cut(request: PreparedRequest) -> Answer:
        answer = faulty.index._file(request)
        return 200, {"Content-Length": str(len(answer[2]) + 10)}, answer[2]

    faulty.inject("epsilon-0.5.0.tar.gz", cut, None)
    assert generate(tmp_path, "epsilon") == 0
    assert faulty.hits["epsilon-0.5.0.tar.gz"] == 2
    assert len(sleeps) == 1


@pytest.mark.parametrize(
    ("spec", "filename"),
    [("epsilon", "epsilon-0.5.0.tar.gz"), ("gamma", "gamma-2.0.0-py3-none-any.whl")],
    ids=["sdist read whole", "small wheel read whole"],
)
def test_a_file_whose_hash_differs_from_the_index(
    faulty: FaultyIndex,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    fixture_files: list[IndexFile],
    spec: str,
    filename: str,
) -> None:
    original = next(file for file in fixture_files if file.filename == filename)
    tampered = bytearray(original.data)
    tampered[len(tampered) // 2] ^= 0xFF
    faulty.inject(filename, body(bytes(tampered), {}))
    assert generate(tmp_path, spec) == 1
    actual = hashlib.sha256(tampered).hexdigest()
    failed_with(
        tmp_path, capsys, "hash mismatch", f"expected sha256 {original.sha256}, got {actual}"
    )


def test_a_file_that_is_gone(
    faulty: FaultyIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    faulty.inject("epsilon-0.5.0.tar.gz", status(404))
    assert generate(tmp_path, "epsilon") == 1
    failed_with(tmp_path, capsys, "epsilon-0.5.0.tar.gz", "the file is gone (404)")


def wheel_with_metadata(metadata: bytes) -> IndexFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("broken/__init__.py", "")
        archive.writestr("broken-1.0.dist-info/METADATA", metadata)
        archive.writestr("broken-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nTag: py3-none-any\n")
        archive.writestr("broken-1.0.dist-info/RECORD", "")
    return IndexFile("broken", "broken-1.0-py3-none-any.whl", buffer.getvalue())


@pytest.mark.parametrize(
    ("metadata", "fragment"),
    [
        (b"Metadata-Version: 2.1\nName: broken\nVersion: 1.0\nRequires-Dist: foo ===\n", "broken"),
        (b"\xff\xfe\x00garbage", "broken"),
        (b"Metadata-Version: 2.1\nVersion: 1.0\n", "broken"),
    ],
    ids=["bad requirement", "not text", "no name"],
)
def test_metadata_that_does_not_parse(
    faulty: FaultyIndex,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    metadata: bytes,
    fragment: str,
) -> None:
    faulty.index.files.append(wheel_with_metadata(metadata))
    status_code = generate(tmp_path, "broken")
    err = capsys.readouterr().err
    if status_code == 0:  # a bad line is skipped with a warning, never a wrong pin
        assert "warning" in err
        assert "foo" not in (tmp_path / "out" / "requirements.nix").read_text()
        return
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert fragment in lines[0]
    assert not (tmp_path / "out").exists()


def test_every_fault_leaves_no_partial_file(
    faulty: FaultyIndex, sleeps: list[float], tmp_path: Path
) -> None:
    """A fault late in the run (the last sdist) still leaves nothing behind."""
    faulty.inject("cyc_b-1.0.0.tar.gz", status(500))
    out = tmp_path / "out"
    out.mkdir()
    (out / "requirements.nix").write_text("old\n")
    assert generate(tmp_path, "alpha[fast]", "cyc-a") == 1
    assert sorted(path.name for path in out.iterdir()) == ["requirements.nix"]
    assert (out / "requirements.nix").read_text() == "old\n"
