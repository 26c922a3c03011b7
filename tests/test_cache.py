"""The on-disk cache, offline mode, and that neither changes the output."""

from __future__ import annotations

import json
import os
import threading
from typing import TYPE_CHECKING, Any

import pytest
from packaging.version import Version

from pypi2nix.cli import main
from pypi2nix.errors import OfflineError, ProjectNotFound
from pypi2nix.index.cache import DEFAULT_FRESH_SECONDS, Cache, PageValidators
from pypi2nix.index.client import HttpClient
from pypi2nix.index.repository import PackageIndex
from tests.support.fixture_index import INDEX_URL

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.fixture_index import FixtureIndex

ROOTS = ["-e", "alpha[fast]", "-e", "cyc-a", "-e", "3dmath", "-e", "zeta-util", "-e", "kappa"]


def generate(output: Path, *arguments: str) -> int:
    return main(
        [
            "generate",
            *ROOTS,
            "-i",
            INDEX_URL,
            "--python",
            "3.11",
            "-O",
            str(output),
            "-q",
            *arguments,
        ]
    )


def files(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def make_index(cache: Path, *, offline: bool = False) -> PackageIndex:
    return PackageIndex(HttpClient(retries=0), [INDEX_URL], cache=Cache.at(cache), offline=offline)


def age_pages(cache: Path, seconds: float) -> None:
    """Pretend every cached page was fetched ``seconds`` earlier."""
    for path in (cache / "pages").glob("*.json"):
        entry = json.loads(path.read_bytes())
        entry["value"]["fetched"] -= seconds
        path.write_text(json.dumps(entry))


def test_output_is_the_same_with_and_without_cache_and_workers(
    fixture_index: FixtureIndex, tmp_path: Path
) -> None:
    reference = tmp_path / "reference"
    assert generate(reference, "--no-cache", "--workers", "1") == 0
    variants = {
        "16 workers, no cache": ["--no-cache", "--workers", "16"],
        "cold cache": ["--cache-dir", str(tmp_path / "cache")],
        "warm cache": ["--cache-dir", str(tmp_path / "cache"), "--workers", "16"],
        "offline": ["--cache-dir", str(tmp_path / "cache"), "--offline", "--workers", "1"],
    }
    for name, arguments in variants.items():
        output = tmp_path / name.replace(" ", "-").replace(",", "")
        assert generate(output, *arguments) == 0, name
        assert files(output) == files(reference), name


def test_a_second_run_makes_no_request(fixture_index: FixtureIndex, tmp_path: Path) -> None:
    cache = ["--cache-dir", str(tmp_path / "cache")]
    assert generate(tmp_path / "first", *cache) == 0
    made = len(fixture_index.requests)
    assert made > 0
    assert generate(tmp_path / "second", *cache) == 0
    assert len(fixture_index.requests) == made  # the cached lock, every page still fresh
    (tmp_path / "cache" / "locks").rename(tmp_path / "no-locks")
    assert generate(tmp_path / "third", *cache) == 0
    assert len(fixture_index.requests) == made  # resolved again, all from the cache
    assert files(tmp_path / "third") == files(tmp_path / "first")


def test_stale_pages_are_revalidated(fixture_index: FixtureIndex, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    make_index(cache).project_page("gamma")
    age_pages(cache, DEFAULT_FRESH_SECONDS + 1)
    fixture_index.requests.clear()
    page = make_index(cache).project_page("gamma")
    assert fixture_index.requests == [INDEX_URL + "gamma/"]
    assert {str(v) for v in page.versions} == {"1.0.0", "2.0.0", "2.1.0", "3.0.0"}


def test_revalidation_answered_with_304(tmp_path: Path) -> None:
    import responses

    url = INDEX_URL + "demo/"
    body = json.dumps(
        {"meta": {"api-version": "1.1"}, "name": "demo", "files": [
            {"filename": "demo-1.0.tar.gz", "url": "https://files.example.test/demo-1.0.tar.gz", "hashes": {"sha256": "a" * 64}}
        ]}
    )  # fmt: skip
    cache = tmp_path / "cache"
    with responses.RequestsMock() as mock:
        mock.get(
            url,
            body=body,
            headers={"Content-Type": "application/vnd.pypi.simple.v1+json", "ETag": '"v1"'},
        )
        make_index(cache).project_page("demo")
    age_pages(cache, DEFAULT_FRESH_SECONDS + 1)
    with responses.RequestsMock() as mock:
        revalidation = mock.get(
            url, status=304, match=[responses.matchers.header_matcher({"If-None-Match": '"v1"'})]
        )
        page = make_index(cache).project_page("demo")
        assert revalidation.call_count == 1
    assert [file.filename for file in page.all_files()] == ["demo-1.0.tar.gz"]
    validators = Cache.at(cache).page_validators(url)
    assert validators is not None
    assert validators.is_fresh(validators.fetched + 1)  # the 304 made it fresh again


@pytest.mark.parametrize(
    "damage", [b"", b"{not json", b'{"format": 4, "value": [1, 2]}', b'{"format": 1, "value": {}}']
)
def test_corrupt_entries_are_dropped_and_fetched_again(
    fixture_index: FixtureIndex, tmp_path: Path, damage: bytes
) -> None:
    cache = ["--cache-dir", str(tmp_path / "cache")]
    assert generate(tmp_path / "first", *cache) == 0
    for entry in (tmp_path / "cache").rglob("*.json"):
        entry.write_bytes(damage)
    made = len(fixture_index.requests)
    assert generate(tmp_path / "second", *cache) == 0
    assert len(fixture_index.requests) > made
    assert files(tmp_path / "second") == files(tmp_path / "first")


@pytest.mark.parametrize("background", [False, True])
def test_concurrent_writers_never_expose_half_an_entry(tmp_path: Path, background: bool) -> None:
    cache = Cache.at(tmp_path, background=background)
    values = [{"kind": "wheel", "payload": str(n) * 200_000} for n in range(8)]
    stop = threading.Event()
    seen: list[dict[str, object] | None] = []

    def write(value: dict[str, object]) -> None:
        while not stop.is_set():
            cache.store_file_facts("f" * 64, value)

    def read() -> None:
        while not stop.is_set():
            seen.append(cache.file_facts("f" * 64))

    threads = [threading.Thread(target=write, args=(value,)) for value in values]
    threads += [threading.Thread(target=read) for _ in range(2)]
    for thread in threads:
        thread.start()
    threading.Event().wait(0.5)
    stop.set()
    for thread in threads:
        thread.join()
    cache.close()
    whole = [entry for entry in seen if entry is not None]
    assert whole
    assert all(entry in values for entry in whole)  # a complete value, never a mix
    assert not [name for name in os.listdir(tmp_path / "files") if name.startswith(".")]


def test_offline_names_what_is_missing(fixture_index: FixtureIndex, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with pytest.raises(
        OfflineError, match=r"offline, and the cache has no copy of the project page of 'gamma'"
    ):
        make_index(cache, offline=True).project_page("gamma")
    assert fixture_index.requests == []
    make_index(cache).project_page("gamma")
    age_pages(cache, 10 * DEFAULT_FRESH_SECONDS)  # offline, a stale page is still used
    page = make_index(cache, offline=True).project_page("gamma")
    assert page.versions
    assert (
        main(
            [
                "generate",
                "-e",
                "gamma",
                "-i",
                INDEX_URL,
                "--cache-dir",
                str(cache),
                "--offline",
                "-O",
                str(tmp_path / "out"),
                "-q",
            ]
        )
        == 1
    )


def test_offline_cli_error_is_one_line(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert generate(tmp_path / "out", "--cache-dir", str(tmp_path / "empty"), "--offline") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("error: offline, and the cache has no copy of the project page of")
    assert fixture_index.requests == []


def test_validators_round_trip(tmp_path: Path) -> None:
    cache = Cache.at(tmp_path)
    validators = PageValidators(
        fetched=1.0, max_age=60.0, etag='"x"', last_modified=None,
        content_type="application/vnd.pypi.simple.v1+json", final_url=INDEX_URL,
    )  # fmt: skip
    cache.store_page(INDEX_URL, validators, b"{}")
    assert cache.page_validators(INDEX_URL) == validators
    assert cache.page_body(INDEX_URL) == b"{}"
    assert not validators.is_fresh(61.5)
    assert validators.is_fresh(60.5)


def test_a_missing_project_is_remembered_while_fresh(
    fixture_index: FixtureIndex, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    with pytest.raises(ProjectNotFound):
        make_index(cache).project_page("no-such-project")
    assert fixture_index.requests == [INDEX_URL + "no-such-project/"]
    with pytest.raises(ProjectNotFound):
        make_index(cache).project_page("no-such-project")
    assert len(fixture_index.requests) == 1  # the 404 came from the cache
    age_pages(cache, DEFAULT_FRESH_SECONDS + 1)
    with pytest.raises(ProjectNotFound):
        make_index(cache).project_page("no-such-project")
    assert len(fixture_index.requests) == 2  # stale: asked again


def cached_body(cache: Path) -> Path:
    (body,) = (cache / "pages").glob("*.body")
    return body


def test_a_json_page_is_cached_grouped_by_version(
    fixture_index: FixtureIndex, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    fresh = make_index(cache).project_page("gamma")
    grouped = json.loads(cached_body(cache).read_bytes())
    assert grouped["name"] == "gamma"
    assert sorted(grouped["groups"]) == ["1.0.0", "2.0.0", "2.1.0", "3.0.0"]
    page = make_index(cache).project_page("gamma")
    assert fixture_index.requests == [INDEX_URL + "gamma/"]
    assert list(page.all_files()) == list(fresh.all_files())


def test_a_damaged_grouped_page_is_checked_like_the_index_page(
    fixture_index: FixtureIndex, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    make_index(cache).project_page("gamma")
    body = cached_body(cache)
    grouped = json.loads(body.read_bytes())
    moved = grouped["groups"]["1.0.0"]  # filed under another version: left out
    grouped["groups"]["3.0.0"] = [*grouped["groups"]["3.0.0"], *moved, 7, {"url": 1}]
    body.write_text(json.dumps(grouped))
    page = make_index(cache).project_page("gamma")
    assert {file.version for file in page.files(Version("3.0.0"))} == {Version("3.0.0")}
    assert fixture_index.requests == [INDEX_URL + "gamma/"]
    damaged = [
        b"{not json",
        b'{"name": "beta", "groups": {}}',
        b'{"name": "gamma"}',
        b'{"name": "gamma", "groups": {"3.0.0": {"files": []}}}',
    ]
    for damage in damaged:
        body.write_bytes(damage)
        assert make_index(cache).project_page("gamma").versions
        assert fixture_index.requests[-1] == INDEX_URL + "gamma/"  # fetched again
    assert len(fixture_index.requests) == 5


def test_background_writes_never_hold_up_the_run(
    tmp_path: Path, held_cache_writes: threading.Event
) -> None:
    disk = held_cache_writes
    cache = Cache.at(tmp_path, background=True)
    cache.store_file_facts("a" * 64, {"kind": "wheel"})  # returns before the disk does
    cache.store_file_facts("b" * 64, {"kind": "sdist"})
    cache.discard_file_facts("b" * 64)
    assert cache.file_facts("a" * 64) == {"kind": "wheel"}  # the run sees its own writes
    assert cache.has_file_facts("a" * 64)
    assert not cache.has_file_facts("b" * 64)
    assert not (tmp_path / "files").exists()
    disk.set()
    cache.close()
    assert sorted(path.name for path in (tmp_path / "files").iterdir()) == [f"{'a' * 64}.json"]
    assert Cache.at(tmp_path).file_facts("a" * 64) == {"kind": "wheel"}


def test_a_cache_that_cannot_be_written_is_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder should be")
    cache = Cache.at(blocked, background=True)
    for digit in "abc":
        cache.store_file_facts(digit * 64, {"kind": "wheel"})
    cache.close()
    assert [record.levelname for record in caplog.records] == ["WARNING"]
    assert "cannot write to the cache" in caplog.records[0].getMessage()


def tool_set_resolutions(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Count the build requirement sets resolved (not taken from the cache)."""
    from pypi2nix.pins import build_tools

    calls: list[object] = []
    resolve_tools = build_tools._resolve_tools

    def counted(requirements: Any, locking: Any) -> Any:
        calls.append(requirements)
        return resolve_tools(requirements, locking)

    monkeypatch.setattr(build_tools, "_resolve_tools", counted)
    return calls


def test_build_tool_sets_are_reused_while_their_pages_are_unchanged(
    fixture_index: FixtureIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    calls = tool_set_resolutions(monkeypatch)
    assert generate(tmp_path / "first", "--cache-dir", str(cache)) == 0
    resolved = len(calls)
    assert resolved == 2  # flit-core, setuptools
    (cache / "locks").rename(tmp_path / "locks-1")
    assert generate(tmp_path / "second", "--cache-dir", str(cache)) == 0
    assert len(calls) == resolved  # from the cache: no set resolved again
    assert files(tmp_path / "second") == files(tmp_path / "first")
    (cache / "locks").rename(tmp_path / "locks-2")
    age_pages(cache, DEFAULT_FRESH_SECONDS + 1)  # revalidated: fetched anew
    assert generate(tmp_path / "third", "--cache-dir", str(cache)) == 0
    assert len(calls) == 2 * resolved
    assert files(tmp_path / "third") == files(tmp_path / "first")


@pytest.mark.parametrize(
    "damage",
    [
        [],
        [{"requirements": [["Setuptools", ">=61", []]], "keys": None, "tools": [], "pages": {}}],
        [{"requirements": [["setuptools", 61, []]], "keys": None, "tools": [], "pages": {"u": 1}}],
        [{"requirements": [], "keys": {"a": 1}, "tools": [], "pages": {"u": 1}}],
        [{"requirements": [], "keys": None, "tools": [{"key": "x"}], "pages": {"u": 1}}],
    ],
)
def test_a_damaged_tool_set_entry_is_a_miss(
    fixture_index: FixtureIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: Any
) -> None:
    cache = tmp_path / "cache"
    calls = tool_set_resolutions(monkeypatch)
    assert generate(tmp_path / "first", "--cache-dir", str(cache)) == 0
    (cache / "locks").rename(tmp_path / "locks")
    (entry,) = (cache / "tools").glob("*.json")
    stored = json.loads(entry.read_bytes())
    stored["value"]["sets"] = [*stored["value"]["sets"], *damage] if damage else "x"
    entry.write_text(json.dumps(stored))
    assert generate(tmp_path / "second", "--cache-dir", str(cache)) == 0
    assert len(calls) == 4  # resolved again
    assert files(tmp_path / "second") == files(tmp_path / "first")


def test_generate_run_again_in_its_folder_reuses_the_lock(
    fixture_index: FixtureIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The second run prefers the pins the first wrote (its frozen file): a lock made
    # without preferences is also kept under the key of the run that prefers its pins.
    from pypi2nix.commands import pipeline

    locks = []
    real_lock = pipeline._lock

    def counted_lock(*arguments: Any) -> Any:
        locks.append(arguments)
        return real_lock(*arguments)

    monkeypatch.setattr(pipeline, "_lock", counted_lock)
    cache = ["--cache-dir", str(tmp_path / "cache")]
    assert generate(tmp_path / "out", *cache) == 0
    written = files(tmp_path / "out")
    assert generate(tmp_path / "out", *cache) == 0
    assert generate(tmp_path / "out", *cache, "-U") == 0
    assert len(locks) == 1
    assert files(tmp_path / "out") == written
