"""A hostile index, end to end: its digests never name files, its answers never
poison the cache for another index or project, and a cache entry is input too."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import os
import zipfile
from typing import TYPE_CHECKING, Any

import pytest

from pypi2nix.cli import main
from tests.support.fixture_index import INDEX_URL, IndexFile
from tests.support.hostile_index import (
    ALPHA_WHEEL,
    EVIL_FILES,
    EVIL_INDEX_URL,
    HostileIndex,
    rebuilt_wheel,
    replace_alpha_wheel,
)

if TYPE_CHECKING:
    from pathlib import Path


def generate(work: Path, spec: str, *extra: str, index_url: str = INDEX_URL) -> int:
    work.mkdir(parents=True, exist_ok=True)
    arguments = ["-e", spec, "-i", index_url, "--python", "3.11", "-O", "out"]
    with contextlib.chdir(work):
        return main(["generate", *arguments, *extra])


def set_wheel_digest(digest: str) -> Any:
    def edit(page: dict[str, Any]) -> None:
        for file in page["files"]:
            if file["filename"] == ALPHA_WHEEL:
                file["hashes"]["sha256"] = digest

    return edit


def tree(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*")}


@pytest.mark.parametrize(
    "digest",
    [
        ("../../victim/package" + "/." * 32)[:64],
        ("a" * 20 + "\n-r http://evil.example.test/x\n" + "b" * 64)[:64],
        "A" * 63 + "G",
    ],
    ids=["path", "newline", "not-hex"],
)
def test_a_digest_that_is_not_hex_is_never_a_path_nor_a_line(
    hostile: HostileIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str], digest: str
) -> None:
    assert len(digest) == 64
    hostile.edits["alpha"] = set_wheel_digest(digest)
    (tmp_path / "victim" / "package").mkdir(parents=True)
    (tmp_path / "victim" / "package" / "keep.json").write_text("{}")
    before = tree(tmp_path)
    cache = tmp_path / "home" / "cache"
    assert generate(tmp_path / "work", "alpha==1.0.0", "--cache-dir", str(cache)) == 0
    created = {path for path in tree(tmp_path) - before if not path.startswith(("work", "home"))}
    assert created == set()
    assert (tmp_path / "victim" / "package" / "keep.json").exists()
    frozen = (tmp_path / "work" / "out" / "requirements_frozen.txt").read_text()
    assert "evil" not in frozen
    assert "victim" not in frozen
    err = capsys.readouterr().err
    assert f"{ALPHA_WHEEL} a sha256 that is not one; the file is ignored" in err


def test_a_pep_658_file_must_match_its_digest(
    hostile: HostileIndex,
    fixture_files: list[IndexFile],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The page gives the .metadata file's sha256; a different file is refused."""
    real = next(file for file in fixture_files if file.filename == ALPHA_WHEEL)
    replace_alpha_wheel(hostile, rebuilt_wheel(real.data, padding_after_metadata=2**20))

    def edit(page: dict[str, Any]) -> None:
        for file in page["files"]:
            if file["filename"] == ALPHA_WHEEL:
                file["core-metadata"] = {"sha256": "0" * 64}

    hostile.edits["alpha"] = edit
    assert generate(tmp_path, "alpha==1.0.0", "--no-cache") == 1
    err = capsys.readouterr().err
    assert f"{ALPHA_WHEEL}.metadata" in err
    assert "0" * 64 in err


def test_metadata_naming_another_project_is_an_error(
    hostile: HostileIndex,
    fixture_files: list[IndexFile],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    real = next(file for file in fixture_files if file.filename == ALPHA_WHEEL)
    replace_alpha_wheel(hostile, rebuilt_wheel(real.data, name=b"betb"))
    assert generate(tmp_path, "alpha==1.0.0", "--no-cache") == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: alpha 1.0.0:")
    assert "its metadata names another project, 'betb'" in err


def backdoored_wheel(real: bytes) -> bytes:
    """The real alpha wheel with one more dependency, and large enough to be read in
    ranges (so that it is never checked against its digest)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(real)) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith("METADATA"):
                data += b"Requires-Dist: backdoor\n"
            target.writestr(info, data)
        target.writestr("padding.bin", os.urandom(2 * 2**20))
    return buffer.getvalue()


def test_facts_read_from_a_hostile_index_never_serve_a_trusted_one(
    hostile: HostileIndex, fixture_files: list[IndexFile], tmp_path: Path
) -> None:
    real = next(file for file in fixture_files if file.filename == ALPHA_WHEEL)
    backdoor_wheel = "backdoor-1.0-py3-none-any.whl"
    hostile.evil_files[ALPHA_WHEEL] = backdoored_wheel(real.data)
    hostile.evil_files[backdoor_wheel] = real.data  # any wheel: its metadata is not read
    hostile.evil_pages["alpha"] = {
        "name": "alpha",
        "files": [
            {"filename": ALPHA_WHEEL, "url": EVIL_FILES + ALPHA_WHEEL,
             "hashes": {"sha256": real.sha256}, "core-metadata": False},
        ],
    }  # fmt: skip
    backdoor_metadata = b"Metadata-Version: 2.1\nName: backdoor\nVersion: 1.0\n"
    hostile.answers[backdoor_wheel + ".metadata"] = lambda request: (200, {}, backdoor_metadata)
    hostile.evil_pages["backdoor"] = {
        "name": "backdoor",
        "files": [
            {"filename": backdoor_wheel, "url": EVIL_FILES + backdoor_wheel, "hashes": {}},
        ],
    }
    for name in ("beta", "setuptools"):
        hostile.evil_pages[name] = {"name": name, "files": []}
    cache = ["--cache-dir", str(tmp_path / "cache")]
    generate(tmp_path / "hostile", "alpha==1.0.0", *cache, index_url=EVIL_INDEX_URL)
    assert generate(tmp_path / "trusted", "alpha==1.0.0", *cache) == 0
    text = (tmp_path / "trusted" / "out" / "requirements.nix").read_text()
    assert "backdoor" not in text


@pytest.mark.parametrize(
    "value",
    [
        {"kind": "wheel", "names": "not a list"},
        [1, 2],
        {"kind": "sdist", "complete": "yes"},
        {"names": [1, 2]},
        {"imports": {"alpha/__init__.py": ["os; import evil"]}},
        {"metadata": {"name": "alpha\x1b[2J", "version": "1.0.0"}},
        {"metadata": {"name": "alpha", "version": 1}},
        {"metadata": {"name": "alpha", "version": "1.0.0", "requires_dist": "beta"}},
    ],
)
def test_a_cache_entry_that_fails_validation_is_a_miss(
    hostile: HostileIndex, tmp_path: Path, value: Any
) -> None:
    cache = tmp_path / "cache"
    assert generate(tmp_path / "first", "alpha==1.0.0", "--cache-dir", str(cache)) == 0
    reference = (tmp_path / "first" / "out" / "requirements.nix").read_text()
    (cache / "locks").rename(tmp_path / "locks")
    for path in (cache / "files").glob("*.json"):
        entry = json.loads(path.read_bytes())
        if isinstance(value, dict):
            entry["value"] = {**entry["value"], **value}
        else:
            entry["value"] = value
        path.write_text(json.dumps(entry))
    assert generate(tmp_path / "second", "alpha==1.0.0", "--cache-dir", str(cache)) == 0
    assert (tmp_path / "second" / "out" / "requirements.nix").read_text() == reference


def test_page_validators_of_the_wrong_type_are_a_miss(
    hostile: HostileIndex, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    assert generate(tmp_path / "first", "alpha==1.0.0", "--cache-dir", str(cache)) == 0
    (cache / "locks").rename(tmp_path / "locks")
    for path in (cache / "pages").glob("*.json"):
        entry = json.loads(path.read_bytes())
        entry["value"]["final_url"] = ["https://evil.example.test/simple/alpha/"]
        entry["value"]["fetched"] = "now"
        path.write_text(json.dumps(entry))
    requests = len(hostile.requests)
    assert generate(tmp_path / "second", "alpha==1.0.0", "--cache-dir", str(cache)) == 0
    assert len(hostile.requests) > requests  # the pages were fetched again


def test_a_digest_is_checked_before_it_names_a_cache_file(tmp_path: Path) -> None:
    from pypi2nix.index.cache import Cache
    from pypi2nix.store import Store

    store = Store(tmp_path / "cache")
    cache = Cache(store)
    cache.store_file_facts("../../outside", {"kind": "wheel"})
    store.write_json("locks", "a" * 64 + "/../../x", {})
    assert not (tmp_path / "outside.json").exists()
    assert list(tmp_path.rglob("*.json")) == []
    assert hashlib.sha256(b"").hexdigest()  # a real digest still names a file:
    cache.store_file_facts(hashlib.sha256(b"").hexdigest(), {"kind": "wheel"})
    assert len(list(tmp_path.rglob("*.json"))) == 1


def test_no_credential_is_written_anywhere(hostile: HostileIndex, tmp_path: Path) -> None:
    """File URLs relative to an index URL with a password are written without it (Nix
    takes credentials from netrc), and the cache holds it nowhere."""

    def relative_urls(page: dict[str, Any]) -> None:
        for file in page["files"]:
            file["url"] = "../../packages/" + file["url"].split("/packages/", 1)[1]

    hostile.edits["alpha"] = relative_urls
    with_password = INDEX_URL.replace("https://", "https://user:secret@")
    cache = tmp_path / "cache"
    assert (
        generate(tmp_path, "alpha==1.0.0", "--cache-dir", str(cache), index_url=with_password) == 0
    )
    text = (tmp_path / "out" / "requirements.nix").read_text()
    assert "https://index.example.test/packages/" in text
    for path in [*tmp_path.rglob("*")]:
        if path.is_file():
            assert b"secret" not in path.read_bytes(), path
            assert b"user:" not in path.read_bytes(), path
    basic = "Basic " + base64.b64encode(b"user:secret").decode()
    sent = {url.split("/")[2]: auth for url, auth in hostile.authorizations}
    assert sent["index.example.test"] == basic
    assert sent["files.example.test"] is None  # another origin: never sent there


def test_no_control_character_from_the_index_reaches_the_terminal(
    hostile: HostileIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile_name = "alpha-1.0.0-py3-none-\x1b]0;owned\x07\x1b[2Jany.whl"

    def edit(page: dict[str, Any]) -> None:
        page["files"].append(
            {"filename": hostile_name, "url": EVIL_FILES + "x.whl", "hashes": {"sha256": "x"}}
        )

    hostile.edits["alpha"] = edit
    assert generate(tmp_path, "alpha==1.0.0", "--no-cache") == 0
    err = capsys.readouterr().err
    assert "\\x1b]0;owned\\x07\\x1b[2Jany.whl a sha256 that is not one" in err
    assert "\x1b" not in err
    assert "\x07" not in err


def test_a_deeply_nested_page_is_an_invalid_page(
    hostile: HostileIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nested = b'{"name": "alpha", "files": [' + b"[" * 200_000 + b"]" * 200_000 + b"]}"
    headers = {"Content-Type": "application/vnd.pypi.simple.v1+json"}
    hostile.answers[INDEX_URL + "alpha/"] = lambda request: (200, headers, nested)
    assert generate(tmp_path, "alpha==1.0.0", "--no-cache") == 1
    err = capsys.readouterr().err.strip()
    assert "internal error" not in err
    assert err.startswith("error: ")
    assert "the index sent an invalid page" in err


@pytest.mark.parametrize("field", ["version", "requires-python"])
def test_a_huge_version_on_a_page_skips_that_file(
    hostile: HostileIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str], field: str
) -> None:
    huge = "1" * 100_000

    def edit(page: dict[str, Any]) -> None:
        if field == "version":
            name = f"alpha-{huge}.tar.gz"
            page["files"].append({"filename": name, "url": EVIL_FILES + "x", "hashes": {}})
        else:
            for file in page["files"]:
                if file["filename"] == ALPHA_WHEEL:
                    file["requires-python"] = f">={huge}"

    hostile.edits["alpha"] = edit
    assert generate(tmp_path, "alpha", "--no-cache") == 0
    err = capsys.readouterr().err
    assert "internal error" not in err
    assert any(f"of {len(huge) + extra} characters" in err for extra in (0, 2))
    frozen = (tmp_path / "out" / "requirements_frozen.txt").read_text()
    assert "alpha==1.0.0" in frozen
