"""Crash safety: stopped at any point while writing, the output directory holds the
complete old files or the complete new ones, and the user's override file is never
touched."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pypi2nix.errors import OutputError
from pypi2nix.writer import JOURNAL_NAME, OutputFile, recover_interrupted_write, write_outputs
from tests.support.fixture_index import ROOT

if TYPE_CHECKING:
    from collections.abc import Callable

OLD = {
    "requirements.nix": "old nix\n",
    "requirements_frozen.txt": "old frozen\n",
    "requirements_override.nix": "the user's override\n",
}
NEW = {**OLD, "requirements.nix": "new nix\n", "requirements_frozen.txt": "new frozen\n"}
# Every call the writer makes that can fail (or be where a kill lands).
OPERATIONS = (
    (os, "replace"), (os, "link"), (os, "fsync"), (os, "chmod"), (os, "unlink"),
    (tempfile, "mkstemp"),
)  # fmt: skip


def outputs(directory: Path) -> list[OutputFile]:
    return [
        OutputFile(directory / "requirements.nix", NEW["requirements.nix"]),
        OutputFile(directory / "requirements_override.nix", "generated\n", keep_existing=True),
        OutputFile(directory / "requirements_frozen.txt", NEW["requirements_frozen.txt"]),
    ]


def prepare(directory: Path) -> int:
    directory.mkdir()
    for name, text in OLD.items():
        (directory / name).write_text(text)
    return (directory / "requirements_override.nix").stat().st_ino


def state(directory: Path, *, hidden: bool = True) -> dict[str, str]:
    return {
        path.name: path.read_text()
        for path in sorted(directory.iterdir())
        if hidden or not path.name.startswith(".")
    }


def count_operations(
    monkeypatch: pytest.MonkeyPatch, fail_at: int | None, error: BaseException
) -> list[str]:
    """Wrap the writer's system calls; the ``fail_at``-th call raises ``error``."""
    calls: list[str] = []
    for module, name in OPERATIONS:
        original = getattr(module, name)

        def wrapper(
            *args: object,
            _original: Callable[..., object] = original,
            _name: str = name,
            **kwargs: object,
        ) -> object:
            calls.append(_name)
            if len(calls) == fail_at:
                raise error
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)
    return calls


def test_a_clean_write(tmp_path: Path) -> None:
    out = tmp_path / "out"
    inode = prepare(out)
    report = write_outputs(outputs(out))
    assert state(out) == NEW
    assert (out / "requirements_override.nix").stat().st_ino == inode
    assert [path.name for path in report.kept] == ["requirements_override.nix"]


@pytest.mark.parametrize(
    "error", [OSError(5, "Input/output error"), KeyboardInterrupt()], ids=["I/O error", "interrupt"]
)
def test_a_failure_at_any_point_keeps_the_old_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    with monkeypatch.context() as patch:
        counted = tmp_path / "counted"
        prepare(counted)
        calls = count_operations(patch, None, error)
        write_outputs(outputs(counted))
        steps = len(calls)
    assert steps >= 8
    outcomes = set()
    for step in range(1, steps + 1):
        out = tmp_path / f"out-{step}"
        inode = prepare(out)
        with monkeypatch.context() as patch:
            count_operations(patch, step, error)
            try:
                write_outputs(outputs(out))
            except (OutputError, KeyboardInterrupt):
                outcomes.add("failed")
            else:
                outcomes.add("written")
        assert state(out, hidden=False) in (OLD, NEW), f"step {step}: {state(out)}"
        recover_interrupted_write(out)  # what the next run does first
        assert state(out) in (OLD, NEW), f"step {step}: {state(out)}"
        assert (out / "requirements_override.nix").stat().st_ino == inode
    assert "failed" in outcomes


KILLER = """
import os, signal, sys
from pathlib import Path
from pypi2nix.writer import OutputFile, write_outputs
out, kill_at = Path(sys.argv[1]), int(sys.argv[2])
calls = []
for name in ("replace", "unlink"):
    original = getattr(os, name)
    def wrapper(*args, _original=original, **kwargs):
        calls.append(1)
        if len(calls) == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return _original(*args, **kwargs)
    setattr(os, name, wrapper)
write_outputs([
    OutputFile(out / "requirements.nix", "new nix\\n"),
    OutputFile(out / "requirements_override.nix", "generated\\n", keep_existing=True),
    OutputFile(out / "requirements_frozen.txt", "new frozen\\n"),
])
"""


@pytest.mark.parametrize("kill_at", range(1, 8))
def test_a_killed_run_is_repaired_by_the_next_one(tmp_path: Path, kill_at: int) -> None:
    """SIGKILL at each rename or removal: no cleanup runs, yet after the next run's
    recovery the directory holds exactly the old files or exactly the new ones."""
    out = tmp_path / "out"
    inode = prepare(out)
    result = subprocess.run(
        [sys.executable, "-c", KILLER, str(out), str(kill_at)],
        cwd=ROOT,
        check=False,
        capture_output=True,
    )
    assert result.returncode in (-signal.SIGKILL, 0), result.stderr
    recover_interrupted_write(out)
    assert state(out) in (OLD, NEW), state(out)
    assert not (out / JOURNAL_NAME).exists()
    assert (out / "requirements_override.nix").stat().st_ino == inode


@pytest.mark.parametrize("kill_at", range(1, 8))
def test_a_run_from_another_folder_repairs_a_killed_one(tmp_path: Path, kill_at: int) -> None:
    """The killed run named its output folder relative to where it ran; the next run
    starts elsewhere and still puts the old files back."""
    out = tmp_path / "out"
    prepare(out)
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", KILLER, "out", str(kill_at)],
        cwd=tmp_path,
        env=environment,
        check=False,
        capture_output=True,
    )
    assert result.returncode in (-signal.SIGKILL, 0), result.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with contextlib.chdir(elsewhere):
        recover_interrupted_write(Path("../out"))
    assert state(out) in (OLD, NEW), state(out)
