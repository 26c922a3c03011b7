"""Cases the live check of real locks (tests/live_locks.py) found, on the fixture
locks: each test is the shape of a real project's lock that went wrong."""

from __future__ import annotations

import tomllib
from typing import TYPE_CHECKING, Any

import pytest
import tomli_w

from tests.test_lock_inputs import LINUX_PINS, edit, generate, locks, pins, written

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

__all__ = ["locks"]  # the fixture


def _pdm_style(data: dict[str, Any]) -> None:
    """As PDM exports a pylock.toml: the project's own dependencies are the synthetic
    group ``default``, named in ``default-groups``, and every entry's marker says so."""
    data["dependency-groups"] = ["default", "dev"]
    data["default-groups"] = ["default"]
    for package in data["packages"]:
        marker = package.get("marker")
        if marker is None:
            package["marker"] = "'default' in dependency_groups"
        elif "in extras" not in marker and "in dependency_groups" not in marker:
            package["marker"] = f"'default' in dependency_groups and ({marker})"


def test_a_pylock_s_default_groups_are_installed_unasked(locks: dict[str, Path]) -> None:
    """Buried-In-Code/Perdoo and httpx-folio: with no --group, nothing was pinned."""
    edit(locks["pylock"], _pdm_style)
    assert generate(locks["pylock"], "--python", "3.11") == 0
    assert pins(written(locks["pylock"])) == LINUX_PINS


@pytest.mark.parametrize("flag", [("--group", "dev"), ("--all-groups",)])
def test_a_pylock_s_group_adds_to_its_default_groups(
    flag: tuple[str, ...], locks: dict[str, Path]
) -> None:
    edit(locks["pylock"], _pdm_style)
    assert generate(locks["pylock"], "--python", "3.11", *flag) == 0
    assert pins(written(locks["pylock"])) == {**LINUX_PINS, "omega": "1.0.0"}


def test_a_pylock_s_all_extras_are_those_it_names(locks: dict[str, Path]) -> None:
    assert generate(locks["pylock"], "--python", "3.11", "--all-extras") == 0
    assert pins(written(locks["pylock"])) == {**LINUX_PINS, "epsilon": "0.5.0"}


def test_a_group_the_pylock_does_not_name_is_one_line(
    locks: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert generate(locks["pylock"], "--python", "3.11", "--group", "docs") == 2
    error = capsys.readouterr().err.strip()
    assert error == f"error: {locks['pylock'].name} has no group 'docs' (it has: dev)"


@pytest.mark.parametrize(
    "change",
    [
        lambda data: data["dependency-groups"]["dev"].append("gamma>=2"),
        lambda data: data["dependency-groups"].update(docs=["kappa"]),
        lambda data: data["tool"]["uv"].update({"dev-dependencies": ["kappa"]}),
    ],
    ids=["requirement", "group", "uv-dev-dependencies"],
)
def test_a_uv_lock_older_than_the_project_s_groups(
    change: Callable[[dict[str, Any]], None],
    locks: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Cloto-dev/mgp-py: pytest-asyncio joined the group dev after uv lock ran, and the
    lock was converted without it."""
    pyproject = locks["uv"].parent / "pyproject.toml"
    data = tomllib.loads(pyproject.read_text())
    change(data)
    pyproject.write_text(tomli_w.dumps(data))
    assert generate(locks["uv"], "--python", "3.11") == 1
    error = capsys.readouterr().err.strip()
    assert error == (
        f"error: {locks['uv'].name} is older than pyproject.toml: it locked other "
        "dependency groups than the project has; run uv lock"
    )


def test_a_uv_lock_whose_groups_include_each_other_is_current(locks: dict[str, Path]) -> None:
    """uv records an included group's requirements in the including one."""
    pyproject = locks["uv"].parent / "pyproject.toml"
    data = tomllib.loads(pyproject.read_text())
    data["dependency-groups"] = {"base": ["omega"], "dev": [{"include-group": "base"}]}
    pyproject.write_text(tomli_w.dumps(data))
    edit(locks["uv"], _uv_base_group)
    assert generate(locks["uv"], "--python", "3.11", "--group", "dev") == 0
    assert "omega" in pins(written(locks["uv"]))


def _uv_base_group(data: dict[str, Any]) -> None:
    root = next(p for p in data["package"] if p["name"] == "lockapp")
    root["metadata"]["requires-dev"] = {"base": [{"name": "omega"}], "dev": [{"name": "omega"}]}
    root["dev-dependencies"]["base"] = root["dev-dependencies"]["dev"]
