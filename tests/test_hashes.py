"""NAR serialization and Nix hash encodings, checked against the real nix binaries."""

from __future__ import annotations

import hashlib
import os
import subprocess
from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pypi2nix.nix.hashes import nix32, sri_sha256
from pypi2nix.sources.nar import nar_chunks, nar_sha256
from tests.support import nix

if TYPE_CHECKING:
    from pathlib import Path


def test_known_encodings() -> None:
    digest = hashlib.sha256(b"hello world\n").digest()
    assert nix32(digest) == "0ix4jahrkll5zg01wandq78jw3ab30q4nscph67rniqg5x7r0j59"
    assert sri_sha256(digest) == "sha256-qUiQTy8PR5uPgZdpSzAYSw0u0cHNKh7A+4XSmaGSpEc="
    assert nix32(bytes(32)) == "0" * 52
    empty = hashlib.sha256(b"").digest()
    assert nix32(empty) == "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73"


def make_tree(root: Path) -> Path:
    """Files, an executable, symlinks (to a file, a directory, nowhere), an empty
    directory, nested directories, non-ASCII and odd names, empty and unaligned files."""
    tree = root / "tree"
    (tree / "sub" / "deeper").mkdir(parents=True)
    (tree / "empty-dir").mkdir()
    (tree / "file.txt").write_text("hello\n")
    (tree / "empty").write_bytes(b"")
    (tree / "eight-bytes").write_bytes(b"12345678")
    (tree / "run.sh").write_text("#!/bin/sh\necho hi\n")
    (tree / "run.sh").chmod(0o755)
    (tree / "sub" / "deeper" / "data.bin").write_bytes(bytes(range(256)) * 3)
    (tree / "ünïcødé ✓.py").write_text("x = 1\n")
    (tree / "B-upper").write_text("sorted before a-lower by bytes\n")
    (tree / "a-lower").write_text("\n")
    (tree / "link").symlink_to("file.txt")
    (tree / "dir-link").symlink_to("sub")
    (tree / "dangling").symlink_to("../nowhere/at/all")
    return tree


@pytest.mark.nix
def test_nar_matches_nix_store_dump(tmp_path: Path) -> None:
    tree = make_tree(tmp_path)
    dumped = subprocess.run(
        ["nix-store", "--dump", str(tree)], capture_output=True, check=True
    ).stdout
    assert b"".join(nar_chunks(tree)) == dumped


@pytest.mark.nix
def test_nar_hash_matches_nix_hash(tmp_path: Path) -> None:
    tree = make_tree(tmp_path)
    expected_hex = nix.run("nix-hash", "--type", "sha256", str(tree)).strip()
    expected_nix32 = nix.run("nix-hash", "--type", "sha256", "--base32", str(tree)).strip()
    digest = nar_sha256(tree)
    assert digest.hex() == expected_hex
    assert nix32(digest) == expected_nix32


@pytest.mark.nix
def test_the_recursive_store_path_is_the_one_nix_computes(tmp_path: Path) -> None:
    tree = make_tree(tmp_path)
    source = tmp_path / "source"
    tree.rename(source)
    digest = nar_sha256(source)
    added = nix.run("nix-store", "--add-fixed", "--recursive", "sha256", str(source)).strip()
    printed = nix.run(
        "nix-store", "--print-fixed-path", "--recursive", "sha256", digest.hex(), "source"
    ).strip()
    assert added == printed


@pytest.mark.nix
def test_single_files_and_symlinks(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("plain\n")
    (tmp_path / "tool").write_text("#!/bin/sh\n")
    os.chmod(tmp_path / "tool", 0o700)
    (tmp_path / "alias").symlink_to("plain")
    for name in ("plain", "tool", "alias"):
        expected = nix.run("nix-hash", "--type", "sha256", str(tmp_path / name)).strip()
        assert nar_sha256(tmp_path / name).hex() == expected, name


def test_only_files_directories_and_symlinks(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="only files, directories and symlinks"):
        nar_sha256(tmp_path)


@pytest.mark.nix
@pytest.mark.fuzz
@given(st.binary(min_size=0, max_size=64))
def test_nix32_matches_nix_hash_to_base32(data: bytes) -> None:
    digest = hashlib.sha256(data).digest()
    converted = nix.run("nix-hash", "--type", "sha256", "--to-base32", digest.hex()).strip()
    assert nix32(digest) == converted
