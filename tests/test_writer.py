from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from pypi2nix.errors import OutputError
from pypi2nix.writer import OutputFile, write_outputs

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
