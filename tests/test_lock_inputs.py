"""Locks of other tools as input: the fixture locks of every format (made by
tests/support/lock_fixtures.py, as fixtures/locks/make.py does) convert with every pin
exactly as locked, per target, and the bad ones are one line each."""

from __future__ import annotations

import contextlib
import json
import tomllib
from typing import TYPE_CHECKING

import pytest
from packaging.pylock import Pylock

from pypi2nix.cli import main
from tests.support.fixture_index import INDEX_URL
from tests.support.lock_fixtures import FORMATS, make

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.fixture_index import FixtureIndex, IndexFile

LINUX_PINS = {
    "beta": "1.1.0", "binpkg": "1.0.0", "gamma": "2.0.0", "gitpkg": "1.2.0",
    "kappa": "1.0.0", "linuxonly": "1.0.0", "localdep": "0.3.0",
}  # fmt: skip
DARWIN_PINS = {
    "beta": "1.1.0", "gamma": "2.0.0", "gitpkg": "1.2.0", "kappa": "1.0.0",
    "localdep": "0.3.0", "macshim": "1.0.0",
}  # fmt: skip


@pytest.fixture
def locks(
    fixture_index: FixtureIndex, fixture_files: list[IndexFile], tmp_path: Path
) -> dict[str, Path]:
    return make(tmp_path / "locks", fixture_files)


def generate(lock: Path, *extra: str) -> int:
    arguments = ["generate", "-r", lock.name, "-i", INDEX_URL, "-O", "out", "-q", *extra]
    with contextlib.chdir(lock.parent):
        return main(arguments)


def written(lock: Path) -> Pylock:
    return Pylock.from_dict(tomllib.loads((lock.parent / "out" / "pylock.toml").read_text()))


def pins(document: Pylock) -> dict[str, str]:
    return {p.name: str(p.version) for p in document.packages if p.version is not None}


def with_root(fmt: str, expected: dict[str, str]) -> dict[str, str]:
    """uv locks the project itself (editable); the other formats lock its dependencies."""
    return {**expected, "lockapp": "0.1.0"} if fmt == "uv" else expected


def lock_hashes(lock: Path) -> set[str]:
    text = lock.read_text()
    document = json.loads(text) if lock.suffix == ".lock" and text.startswith("{") else None
    found = set()
    for word in (json.dumps(document) if document else text).replace('"', " ").split():
        digest = word.removeprefix("sha256:")
        if len(digest) == 64 and all(c in "0123456789abcdef" for c in digest):
            found.add(digest)
    return found


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_pin_is_the_locked_one(fmt: str, locks: dict[str, Path]) -> None:
    lock = locks[fmt]
    assert generate(lock, "--python", "3.11") == 0
    document = written(lock)
    assert pins(document) == with_root(fmt, LINUX_PINS)
    hashes = {wheel.hashes["sha256"] for p in document.packages for wheel in p.wheels or ()}
    hashes |= {p.sdist.hashes["sha256"] for p in document.packages if p.sdist is not None}
    assert hashes, "the index pins have files"
    assert hashes <= lock_hashes(lock)
    kinds: dict[str, str] = {
        p.name: ("vcs" if p.vcs else "directory" if p.directory else "index")
        for p in document.packages
    }
    assert kinds["gitpkg"] == "vcs"
    assert kinds["localdep"] == "directory"
    vcs = next(p.vcs for p in document.packages if p.name == "gitpkg")
    assert vcs is not None
    assert vcs.commit_id in lock.read_text()
    nix = (lock.parent / "out" / "requirements.nix").read_text()
    assert "lib.cleanSource ../../localdep" in nix
    assert "binpkg-1.0.0-cp311-cp311-manylinux_2_17_x86_64.whl" in nix  # wheel only
    assert "beta-1.1.0.tar.gz" in nix  # sdist only


@pytest.mark.parametrize("fmt", FORMATS)
def test_two_platforms_give_a_universal_lock(fmt: str, locks: dict[str, Path]) -> None:
    lock = locks[fmt]
    arguments = ["--python", "3.11", "--system", "x86_64-linux", "--system", "aarch64-darwin"]
    assert generate(lock, *arguments) == 0
    document = written(lock)
    by_target: dict[str, dict[str, str]] = {}
    for package in document.packages:
        for system in ("linux", "darwin"):
            environment = {
                "sys_platform": system,
                "platform_machine": "x86_64" if system == "linux" else "arm64",
                "python_version": "3.11",
                "python_full_version": "3.11.0",
            }
            if package.marker is None or package.marker.evaluate(environment):
                by_target.setdefault(system, {})[package.name] = str(package.version)
    assert by_target["linux"] == with_root(fmt, LINUX_PINS)
    assert by_target["darwin"] == with_root(fmt, DARWIN_PINS)


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "pipenv"])
def test_an_extra_and_a_group_add_their_pins(fmt: str, locks: dict[str, Path]) -> None:
    lock = locks[fmt]
    assert generate(lock, "--python", "3.11", "--extra", "fast", "--group", "dev") == 0
    assert pins(written(lock)) == with_root(
        fmt, {**LINUX_PINS, "epsilon": "0.5.0", "omega": "1.0.0"}
    )


def test_pipenv_develop_comes_with_the_group_dev(locks: dict[str, Path]) -> None:
    assert generate(locks["pipenv"], "--python", "3.11", "--group", "dev") == 0
    assert pins(written(locks["pipenv"])) == {**LINUX_PINS, "omega": "1.0.0"}
