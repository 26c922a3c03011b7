from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from typing import TYPE_CHECKING

import pytest

from pypi2nix import writer
from pypi2nix.errors import OutputError
from pypi2nix.writer import JOURNAL_NAME, OutputFile, recover_interrupted_write, write_outputs

if TYPE_CHECKING:
    from pathlib import Path


def contents(directory: Path) -> dict[str, str]:
    return {path.name: path.read_text() for path in sorted(directory.iterdir())}


def test_writes_all_files_and_keeps_the_override(tmp_path: Path) -> None:
    override = tmp_path / "override.nix"
    override.write_text("mine")
    report = write_outputs(
        [
            OutputFile(tmp_path / "a.nix", "new a"),
            OutputFile(override, "template", keep_existing=True),
            OutputFile(tmp_path / "b.txt", "new b"),
        ]
    )
    assert contents(tmp_path) == {"a.nix": "new a", "b.txt": "new b", "override.nix": "mine"}
    assert report.written == (tmp_path / "a.nix", tmp_path / "b.txt")
    assert report.kept == (override,)
    assert oct(os.stat(tmp_path / "a.nix").st_mode & 0o777) != "0o600"


def test_creates_the_output_directory(tmp_path: Path) -> None:
    write_outputs([OutputFile(tmp_path / "new" / "dir" / "a.nix", "a")])
    assert (tmp_path / "new" / "dir" / "a.nix").read_text() == "a"


def test_a_failure_while_renaming_restores_the_old_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.nix").write_text("old a")
    (tmp_path / "b.txt").write_text("old b")
    real_replace = os.replace
    calls = []

    def failing_replace(source: str, destination: str) -> None:
        calls.append(destination)
        if len(calls) == 2:
            raise RuntimeError("killed between two renames")
        real_replace(source, destination)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(RuntimeError, match="killed"):
        write_outputs(
            [
                OutputFile(tmp_path / "a.nix", "new a"),
                OutputFile(tmp_path / "new.nix", "new file", keep_existing=True),
                OutputFile(tmp_path / "b.txt", "new b"),
            ]
        )
    monkeypatch.setattr(os, "replace", real_replace)
    assert contents(tmp_path) == {"a.nix": "old a", "b.txt": "old b"}


def test_a_directory_in_the_way(tmp_path: Path) -> None:
    (tmp_path / "a.nix").mkdir()
    (tmp_path / "b.txt").write_text("old b")
    with pytest.raises(OutputError, match="a directory is in the way"):
        write_outputs([OutputFile(tmp_path / "b.txt", "new"), OutputFile(tmp_path / "a.nix", "a")])
    assert (tmp_path / "b.txt").read_text() == "old b"


def test_an_unwritable_output_directory(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")
    with pytest.raises(OutputError, match=r"cannot write .*file/out/a\.nix"):
        write_outputs([OutputFile(tmp_path / "file" / "out" / "a.nix", "a")])
    assert contents(tmp_path) == {"file": "not a directory"}


def test_the_users_own_backup_files_are_never_removed(tmp_path: Path) -> None:
    """Only names this program makes (``.pypi2nix-…``) are cleaned up."""
    for name in (".env.backup", ".bashrc.backup", ".a.nix.backup"):
        (tmp_path / name).write_text("the user's")
    (tmp_path / "a.nix").write_text("old a")
    write_outputs([OutputFile(tmp_path / "a.nix", "new a")])
    recover_interrupted_write(tmp_path)
    assert contents(tmp_path) == {
        ".a.nix.backup": "the user's",
        ".bashrc.backup": "the user's",
        ".env.backup": "the user's",
        "a.nix": "new a",
    }


def test_a_journal_naming_files_elsewhere_is_ignored(tmp_path: Path) -> None:
    """An edited journal cannot move a file outside the output folder."""
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "victim").write_text("kept")
    (tmp_path / ".pypi2nix-backup-victim").write_text("planted")
    (out / JOURNAL_NAME).write_text(json.dumps([str(tmp_path / "victim"), "../victim"]))
    recover_interrupted_write(out)
    assert (tmp_path / "victim").read_text() == "kept"
    assert not (out / JOURNAL_NAME).exists()


def hold_lock(directory: Path) -> int:
    """Lock ``directory`` as another run would (a separate open file description)."""
    descriptor = os.open(directory, os.O_RDONLY)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    return descriptor


def test_a_second_run_on_a_locked_folder_fails_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer, "LOCK_WAIT_SECONDS", 0.3)
    (tmp_path / "a.nix").write_text("old a")
    descriptor = hold_lock(tmp_path)
    try:
        with pytest.raises(OutputError, match="another pypi2nix run is writing there") as error:
            write_outputs([OutputFile(tmp_path / "a.nix", "new a")])
        with pytest.raises(OutputError, match="another pypi2nix run"):
            recover_interrupted_write(tmp_path)
    finally:
        os.close(descriptor)
    assert "\n" not in error.value.message()
    assert contents(tmp_path) == {"a.nix": "old a"}


def test_a_second_run_waits_for_the_first_to_finish(tmp_path: Path) -> None:
    descriptor = hold_lock(tmp_path)
    release = threading.Timer(0.3, os.close, [descriptor])
    release.start()
    started = time.monotonic()
    write_outputs([OutputFile(tmp_path / "a.nix", "new a")])
    release.join()
    assert time.monotonic() - started >= 0.25
    assert contents(tmp_path) == {"a.nix": "new a"}
