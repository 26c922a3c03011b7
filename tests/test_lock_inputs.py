"""Locks of other tools as input: the fixture locks of every format (made by
tests/support/lock_fixtures.py, as fixtures/locks/make.py does) convert with every pin
exactly as locked, per target, and the bad ones are one line each."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tomllib
from typing import TYPE_CHECKING, Any

import pytest
import tomli_w
from packaging.pylock import Pylock

from pypi2nix.cli import main
from tests.support import nix
from tests.support.fixture_index import FIXTURES, INDEX_URL
from tests.support.lock_fixtures import FORMATS, make

if TYPE_CHECKING:
    from collections.abc import Callable
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


def edit(lock: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Change the lock's data and write it back in its own format."""
    is_json = lock.name == "Pipfile.lock"
    data = json.loads(lock.read_text()) if is_json else tomllib.loads(lock.read_text())
    change(data)
    lock.write_text(json.dumps(data) if is_json else tomli_w.dumps(data))


def entry(data: dict[str, Any], name: str) -> dict[str, Any]:
    if "default" in data:
        found: dict[str, Any] = data["default"][name]
        return found
    return next(p for p in data.get("package", data.get("packages", [])) if p["name"] == name)


VERSION_KEYS = {
    "uv": (("version",), 99),
    "poetry": (("metadata", "lock-version"), "9.0"),
    "pipenv": (("_meta", "pipfile-spec"), 99),
    "pdm": (("metadata", "lock_version"), "9.0"),
    "pylock": (("lock-version",), "2.0"),
}


def _set_version(fmt: str) -> Callable[[dict[str, Any]], None]:
    keys, value = VERSION_KEYS[fmt]

    def change(data: dict[str, Any]) -> None:
        table = data
        for key in keys[:-1]:
            table = table[key]
        table[keys[-1]] = value

    return change


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_format_version_is_one_line(
    fmt: str, locks: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    edit(locks[fmt], _set_version(fmt))
    assert generate(locks[fmt], "--python", "3.11") == 1
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0
    assert error.startswith(f"error: {locks[fmt].name}: unknown ")


MALFORMED = {
    "uv": (lambda d: entry(d, "kappa").update(wheels="kappa.whl"), "uv.lock: package[5].wheels: expected an array of tables"),
    "poetry": (lambda d: entry(d, "kappa").update(files={"file": 1}), "poetry.lock: package[5].files: expected an array of tables"),
    "pipenv": (lambda d: entry(d, "kappa").update(version=">=1"), "Pipfile.lock: default.kappa.version: not a pin: '>=1'"),
    "pdm": (lambda d: entry(d, "beta").update(dependencies=["gamma >>> 2"]), "pdm.lock: package[0].dependencies: invalid requirement 'gamma >>> 2'"),
    "pylock": (lambda d: entry(d, "kappa").pop("version") and entry(d, "kappa").pop("sdist") and entry(d, "kappa").pop("wheels") and entry(d, "kappa").pop("index"), "pylock.toml: Exactly one of vcs, directory, archive must be set if sdist and wheels are not set in 'packages[5]' (kappa)"),
}  # fmt: skip


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_malformed_entry_names_the_file_and_key_path(
    fmt: str, locks: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    change, expected = MALFORMED[fmt]
    edit(locks[fmt], change)
    assert generate(locks[fmt], "--python", "3.11") == 1
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0
    assert expected in error


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_entry_with_no_file_for_the_target(
    fmt: str, locks: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert generate(locks[fmt], "--python", "3.11", "--system", "aarch64-linux") == 1
    error = capsys.readouterr().err.strip()
    name = locks[fmt].name
    assert error == f"error: binpkg 1.0.0 has no file for Python 3.11 on aarch64-linux in {name}"


def _drop_hash(data: dict[str, Any]) -> None:
    kappa = entry(data, "kappa")
    if "hashes" in kappa:  # Pipfile.lock
        kappa["hashes"] = []
    elif "sdist" in kappa and "hash" in kappa["sdist"]:  # uv.lock
        del kappa["sdist"]["hash"]
    elif "sdist" in kappa:  # pylock.toml
        kappa["sdist"]["hashes"] = {}
    else:
        del kappa["files"][0]["hash"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_entry_without_a_hash(
    fmt: str, locks: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    edit(locks[fmt], _drop_hash)
    assert generate(locks[fmt], "--python", "3.11") == 1
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0
    assert "kappa" in error
    assert "hash" in error


@pytest.mark.parametrize("fmt", ["uv", "poetry"])
def test_a_lock_older_than_its_project_file(
    fmt: str, locks: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    pyproject = locks[fmt].parent / "pyproject.toml"
    data = tomllib.loads(pyproject.read_text())
    if fmt == "uv":
        data["project"]["dependencies"].append("omega>=1")
    else:
        data["tool"]["poetry"]["dependencies"]["omega"] = "*"
    pyproject.write_text(tomli_w.dumps(data))
    assert generate(locks[fmt], "--python", "3.11") == 1
    error = capsys.readouterr().err.strip()
    tool = {"uv": "uv lock", "poetry": "poetry lock"}[fmt]
    assert error.startswith(f"error: {locks[fmt].name} is older than pyproject.toml")
    assert error.endswith(f"run {tool}")


@pytest.mark.nix
@pytest.mark.parametrize("fmt", FORMATS)
def test_the_converted_lock_evaluates_and_builds(
    fmt: str, locks: dict[str, Path], nixpkgs: Path
) -> None:
    lock = locks[fmt]
    assert generate(lock, "--python", "3.11") == 0
    requirements = lock.parent / "out" / "requirements.nix"
    versions = nix.evaluate(
        f"let pkgs = import {nixpkgs} {{ }}; r = import {requirements} {{ inherit pkgs; }}; in "
        "builtins.mapAttrs (name: p: p.version) r.packages"
    )
    assert versions == with_root(fmt, LINUX_PINS)
    modules = sorted(with_root(fmt, LINUX_PINS))
    code = f"import {', '.join(modules)}; print(gitpkg.VERSION, localdep.VERSION)"
    assert nix.run_in_interpreter(requirements, nixpkgs, code).split() == ["1.2.0", "0.3.0"]


def uv_binary() -> str | None:
    """uv, for the dry run; absent, the test fails where nix tests must run (CI)."""
    found = shutil.which("uv")
    if found is None:
        if os.environ.get(nix.REQUIRE_NIX_VARIABLE) == "1":
            pytest.fail("uv not found; CI installs it with the test extras")
        pytest.skip("uv not found")
    return found


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_written_pylock_validates_and_uv_installs_from_it(
    fmt: str, locks: dict[str, Path], tmp_path: Path
) -> None:
    lock = locks[fmt]
    arguments = ["--python", "3.11", "--system", "x86_64-linux", "--system", "aarch64-darwin"]
    assert generate(lock, *arguments) == 0
    written_lock = lock.parent / "out" / "pylock.toml"
    document = written(lock)  # packaging's own validation
    assert pins(document) == with_root(fmt, {**LINUX_PINS, **DARWIN_PINS})
    uv = uv_binary()
    assert uv is not None
    environment = {**os.environ, "UV_CACHE_DIR": str(tmp_path / "uv-cache"), "UV_NO_CONFIG": "1"}
    venv = tmp_path / "venv"
    subprocess.run(
        [uv, "venv", "--offline", "--python", sys.executable, "-q", str(venv)],
        check=True, env=environment,
    )  # fmt: skip
    result = subprocess.run(
        [uv, "pip", "install", "--offline", "--dry-run", "--python", str(venv),
         "--find-links", str(FIXTURES / "real"), "-r", str(written_lock)],
        capture_output=True, text=True, env=environment, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    would = {
        line.split()[1].split("==")[0]
        for line in result.stderr.splitlines()
        if line.startswith(" + ")
    }
    assert would == set(with_root(fmt, LINUX_PINS))  # this machine's platform


@pytest.mark.parametrize(
    ("fmt", "command"),
    [("uv", "uv lock --upgrade"), ("poetry", "poetry update"), ("pipenv", "pipenv update"),
     ("pdm", "pdm update"), ("pylock", "the tool that wrote it (e.g. uv pip compile -o pylock.toml)")],
)  # fmt: skip
def test_update_names_the_command_of_the_lock_s_tool(
    fmt: str, command: str, locks: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    lock = locks[fmt]
    assert generate(lock, "--python", "3.11") == 0
    capsys.readouterr()
    with contextlib.chdir(lock.parent):
        assert main(["update", "-O", "out", "-q"]) == 2
    error = capsys.readouterr().err.strip()
    assert error == (
        f"error: the pins come from {lock.name}: move them with {command}, "
        "then run pypi2nix generate again"
    )
