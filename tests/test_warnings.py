"""A warning about a release's metadata is said once, naming the release, and a lock
read back from the cache says its warnings again; a yanked release pinned with ==
is used with a warning giving the index's reason."""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING

import pytest

from pypi2nix.cli import main
from pypi2nix.commands.once import warnings_said_once
from pypi2nix.project_files import parse_requirement_lines
from pypi2nix.ui import Console, configure_logging
from tests.support.fixture_index import INDEX_URL
from tests.test_hostile import hostile_members, pkg_info, sdist, serve, tar_member

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.fixture_index import FixtureIndex

WARNING = "evil 1.0: ignoring invalid requirement 'pytz (>dev)'"


def bad_requirement_sdist(version: str = "1.0", requires: str = "alpha") -> bytes:
    info = pkg_info("a summary", f"Requires-Dist: pytz (>dev)\nRequires-Dist: {requires}\n")
    info = info.replace(b"Version: 1.0", f"Version: {version}".encode())
    return sdist(
        [
            tar_member(f"evil-{version}/PKG-INFO", info),
            tar_member(f"evil-{version}/evil/__init__.py", b""),
            tar_member(
                f"evil-{version}/pyproject.toml",
                b'[build-system]\nrequires = ["setuptools>=61"]\n'
                b'build-backend = "setuptools.build_meta"\n',
            ),
        ]
    )


def run(work: Path, *extra: str) -> int:
    arguments = ["-e", "evil", "-e", "alpha", "-i", INDEX_URL, "--python", "3.11", "-O", "out"]
    with contextlib.chdir(work):
        return main(["generate", *arguments, *extra])


def test_a_metadata_warning_is_said_once_and_again_from_the_cache(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    serve(fixture_index, bad_requirement_sdist())
    assert run(tmp_path) == 0
    first = capsys.readouterr().err
    assert first.count("ignoring invalid requirement") == 1, first
    assert f"warning: {WARNING}" in first
    assert run(tmp_path, "--workers", "1") == 0  # the lock comes from the cache
    second = capsys.readouterr().err
    assert second.count("ignoring invalid requirement") == 1, second
    assert f"warning: {WARNING}" in second


def test_a_warning_about_a_release_that_is_not_pinned_is_not_said(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """evil 2.0 is read, then given up for 1.0 (it needs an alpha that does not exist)."""
    serve(fixture_index, bad_requirement_sdist("2.0", "alpha>=99"), "evil-2.0.tar.gz")
    serve(fixture_index, sdist(hostile_members(pkg_info("clean"))))
    assert run(tmp_path) == 0
    err = capsys.readouterr().err
    assert "evil==1.0" in (tmp_path / "out" / "requirements_frozen.txt").read_text()
    assert "ignoring invalid requirement" not in err, err


def test_the_same_warning_many_times_in_one_lock_is_said_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    console = Console(0)
    configure_logging(console)
    logger = logging.getLogger("pypi2nix.dists.metadata")
    with warnings_said_once() as once:
        for _ in range(46):
            parse_requirement_lines(["pytz (>dev)"], source="tz 1.0", release=("tz", "1.0"))
            logger.warning("another warning")
        once.say_held([("TZ", "1.0.0")])
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "warning: another warning",
        "warning: tz 1.0: ignoring invalid requirement 'pytz (>dev)' (Expected matching "
        "RIGHT_PARENTHESIS for LEFT_PARENTHESIS, after version specifier)",
    ]
    assert once.said == [line.removeprefix("warning: ") for line in err]


@pytest.mark.parametrize("html", [False, True])
def test_a_yanked_release_pinned_with_double_equals_is_used_with_its_reason(
    fixture_index: FixtureIndex,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    html: bool,
) -> None:
    fixture_index.html = html
    with contextlib.chdir(tmp_path):
        arguments = ["generate", "-i", INDEX_URL, "--python", "3.11", "-O", "out"]
        assert main([*arguments, "-e", "gamma<2.5"]) == 0
        assert "yanked" not in capsys.readouterr().err
        assert main([*arguments, "-e", "gamma==2.1.0"]) == 0
    err = capsys.readouterr().err
    assert (
        "warning: gamma 2.1.0 is yanked (reason: broken release); it is used because a "
        "requirement pins it with ==" in err
    )
