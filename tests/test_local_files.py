"""Local files are read with a bound, whatever ``st_size`` says, and only when they
are regular files; a checkout's ``.gitattributes`` is never followed."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from pypi2nix.local_files import LocalFileError, read_local_file
from pypi2nix.sources.git import uses_export_attributes

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.parametrize(
    ("path", "kind"), [("/dev/zero", "a character device"), ("/dev/urandom", "a character device")]
)
def test_a_device_is_refused_unread(path: str, kind: str) -> None:
    with pytest.raises(LocalFileError, match=f"it is {kind}, not a regular file"):
        read_local_file(path, 100)


def test_a_pipe_without_a_writer_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(LocalFileError, match="it is a pipe, not a regular file"):
        read_local_file(fifo, 100)


def test_a_file_over_the_limit_is_read_no_further(tmp_path: Path) -> None:
    path = tmp_path / "big"
    path.write_bytes(b"x" * 4097)
    assert read_local_file(path, 4097) == b"x" * 4097
    with pytest.raises(LocalFileError, match="it holds more than the limit of 4 KiB"):
        read_local_file(path, 4096)


def test_a_symbolic_link_is_refused_when_not_followed(tmp_path: Path) -> None:
    (tmp_path / "target").write_text("text")
    (tmp_path / "link").symlink_to(tmp_path / "target")
    assert read_local_file(tmp_path / "link", 100) == b"text"
    with pytest.raises(LocalFileError, match="symbolic link"):
        read_local_file(tmp_path / "link", 100, follow_symlinks=False)


def test_a_symlinked_gitattributes_is_never_followed(tmp_path: Path) -> None:
    """git ignores such a file; following it would read whatever it points to
    (``/dev/zero``, ``/proc/self/fd/0``, or a file outside the checkout)."""
    outside = tmp_path / "outside"
    outside.write_text("* export-ignore\n")
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / ".gitattributes").symlink_to(outside)
    (tree / "sub" / ".gitattributes").symlink_to("/dev/zero")
    assert not uses_export_attributes(tree)


def test_a_gitattributes_that_is_a_pipe_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / ".gitattributes")
    with pytest.raises(LocalFileError, match=r"^\.gitattributes: it is a pipe"):
        uses_export_attributes(tmp_path)


def test_a_regular_gitattributes_is_read(tmp_path: Path) -> None:
    (tmp_path / ".gitattributes").write_text("docs export-ignore\n")
    assert uses_export_attributes(tmp_path)
