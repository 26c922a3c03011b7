"""A run whose lock comes from the lock cache neither parses its pylock.toml nor
renders its files again while they hold what the last run wrote
(pypi2nix/commands/memo.py); any change on disk makes it read and render as before."""

from __future__ import annotations

import contextlib
import json
from typing import TYPE_CHECKING, Any

import pytest

from pypi2nix.cli import main
from pypi2nix.commands import generate as generate_command
from pypi2nix.lock import pylock
from pypi2nix.lock.pylock import read_pylock, state_from_json, state_to_json
from pypi2nix.target import SYSTEMS
from tests.support.fixture_index import INDEX_URL

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.fixture_index import FixtureIndex

EVERY_TARGET = [
    *("--python", "3.12", "--python", "3.11"),
    *(flag for system in SYSTEMS for flag in ("--system", system)),
]


def generate(folder: Path, *arguments: str) -> int:
    with contextlib.chdir(folder):
        return main(
            ["generate", "-i", INDEX_URL, "-e", "teamapp", *EVERY_TARGET, "-O", "out", *arguments]
        )


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often pylock.toml was parsed and the files rendered."""
    calls = {"parsed": 0, "rendered": 0}
    real_parse, real_render = pylock.parse_pylock, generate_command.render_outputs

    def parse(*arguments: Any) -> Any:
        calls["parsed"] += 1
        return real_parse(*arguments)

    def render(*arguments: Any) -> Any:
        calls["rendered"] += 1
        return real_render(*arguments)

    monkeypatch.setattr("pypi2nix.commands.memo.parse_pylock", parse)
    monkeypatch.setattr(pylock, "parse_pylock", parse)
    monkeypatch.setattr(generate_command, "render_outputs", render)
    return calls


def contents(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_a_cached_lock_whose_files_are_current_is_neither_parsed_nor_rendered(
    fixture_index: FixtureIndex,
    tmp_path: Path,
    counted: dict[str, int],
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert generate(tmp_path, "--cache-dir", "cache") == 0
    assert counted == {"parsed": 0, "rendered": 1}
    written = contents(tmp_path / "out")
    capsys.readouterr()
    assert generate(tmp_path, "--cache-dir", "cache") == 0
    assert counted == {"parsed": 0, "rendered": 1}  # the state was kept when it was written
    assert contents(tmp_path / "out") == written
    err = capsys.readouterr().err
    assert "Locked 4 packages (1 top-level)" in err
    assert "Nothing changed: every file was already up to date, none was written." in err
    assert generate(tmp_path, "--cache-dir", "cache", "--check") == 0
    assert counted == {"parsed": 0, "rendered": 1}


def test_a_file_changed_on_disk_is_rendered_again(
    fixture_index: FixtureIndex, tmp_path: Path, counted: dict[str, int]
) -> None:
    assert generate(tmp_path, "--cache-dir", "cache") == 0
    written = contents(tmp_path / "out")
    (tmp_path / "out" / "requirements.nix").write_text("edited\n")
    assert generate(tmp_path, "--cache-dir", "cache", "--check") == 1
    (tmp_path / "out" / "requirements_override.nix").unlink()
    assert generate(tmp_path, "--cache-dir", "cache") == 0
    assert contents(tmp_path / "out") == written
    assert counted["rendered"] == 3


def test_an_edited_pylock_is_parsed(
    fixture_index: FixtureIndex, tmp_path: Path, counted: dict[str, int]
) -> None:
    assert generate(tmp_path, "--cache-dir", "cache") == 0
    lock_file = tmp_path / "out" / "pylock.toml"
    lock_file.write_text(f"# edited\n{lock_file.read_text()}")
    assert generate(tmp_path, "--cache-dir", "cache") == 0
    assert counted == {"parsed": 1, "rendered": 2}  # and written back as rendered
    assert not lock_file.read_text().startswith("# edited")
    assert generate(tmp_path, "--no-cache") == 0  # no cache, nothing remembered
    assert counted == {"parsed": 2, "rendered": 3}


def test_a_damaged_state_entry_is_a_miss(
    fixture_index: FixtureIndex, tmp_path: Path, counted: dict[str, int]
) -> None:
    assert generate(tmp_path, "--cache-dir", "cache") == 0
    (entry,) = (tmp_path / "cache" / "pylocks").glob("*.json")
    stored = json.loads(entry.read_text())
    stored["value"]["locked"] = [["teamapp", "not a version", None]]
    entry.write_text(json.dumps(stored))
    assert generate(tmp_path, "--cache-dir", "cache") == 0
    assert counted["parsed"] == 1


def test_the_state_kept_is_the_state_read(fixture_index: FixtureIndex, tmp_path: Path) -> None:
    assert generate(tmp_path, "--cache-dir", "cache") == 0
    state = read_pylock(tmp_path / "out" / "pylock.toml")
    assert any(pin.marker is not None for pin in state.locked)  # linuxonly, macshim, newlib
    assert len(state.targets) == 8
    assert state_from_json(json.loads(json.dumps(state_to_json(state)))) == state
    (entry,) = (tmp_path / "cache" / "pylocks").glob("*.json")
    assert state_from_json(json.loads(entry.read_text())["value"]) == state
