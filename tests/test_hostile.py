"""Hostile archives and metadata, end to end: nothing is written outside the output
directory, limits hold, and every string from the index means in Nix exactly what it
meant in the metadata (checked with the real ``nix-instantiate``)."""

from __future__ import annotations

import contextlib
import gzip
import io
import tarfile
import uuid
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pypi2nix.cli import main
from pypi2nix.dists import archive
from tests.support import nix
from tests.support.fixture_index import INDEX_URL, IndexFile

if TYPE_CHECKING:
    from tests.support.fixture_index import FixtureIndex

# Strings that would change the meaning of a naively written Nix file.
SUMMARY = (
    "Evil \"quotes\" \\back\\slashes ${builtins.currentTime} $${x} '' ''${y} "
    '"; x = builtins.readFile /etc/passwd; y = " /* open comment # hash ünïcødé'
)
HOMEPAGE = 'https://evil.example.test/${builtins.getEnv "HOME"}/"\'\''
OUTSIDE = Path("/tmp") / f"pypi2nix-hostile-{uuid.uuid4().hex}"


def pkg_info(summary: str = SUMMARY, extra: str = "") -> bytes:
    return (
        "Metadata-Version: 2.2\nName: evil\nVersion: 1.0\n"
        f"Summary: {summary}\nHome-page: {HOMEPAGE}\nLicense: MIT\n{extra}"
    ).encode()


PYPROJECT = (
    b'[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
)


def tar_member(
    name: str, data: bytes = b"", kind: bytes = tarfile.REGTYPE, link: str = ""
) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    info.mode = 0o644
    return info, data


def sdist(members: list[tuple[tarfile.TarInfo, bytes]]) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if info.type == tarfile.REGTYPE else None)
    return gzip.compress(raw.getvalue(), mtime=0)


def hostile_members(
    info: bytes = pkg_info(), pyproject: bytes = PYPROJECT
) -> list[tuple[tarfile.TarInfo, bytes]]:
    return [
        tar_member("../escaped-pkg-info", info),
        tar_member(f"{OUTSIDE}/absolute"),
        tar_member("evil-1.0/../../escaped", b"x"),
        tar_member("evil-1.0/PKG-INFO", info),
        tar_member("evil-1.0/link-out", kind=tarfile.SYMTYPE, link="/etc/passwd"),
        tar_member("evil-1.0/pyproject.toml.lnk", kind=tarfile.SYMTYPE, link="../../../etc/passwd"),
        tar_member("evil-1.0/hard", kind=tarfile.LNKTYPE, link="../../outside"),
        tar_member("evil-1.0/tty", kind=tarfile.CHRTYPE),
        tar_member("evil-1.0/disk", kind=tarfile.BLKTYPE),
        tar_member("evil-1.0/pipe", kind=tarfile.FIFOTYPE),
        tar_member("evil-1.0/evil/__init__.py", b"VERSION = '1.0'\n"),
        tar_member("evil-1.0/pyproject.toml", pyproject),
    ]


def serve(index: FixtureIndex, data: bytes, filename: str = "evil-1.0.tar.gz") -> None:
    index.files.append(IndexFile("evil", filename, data))


def snapshot(root: Path) -> dict[str, bytes | None]:
    return {
        str(path.relative_to(root)): None
        if path.is_dir() or path.is_symlink()
        else path.read_bytes()
        for path in sorted(root.rglob("*"))
    }


def generate(work: Path, *extra: str) -> int:
    work.mkdir(exist_ok=True)
    arguments = ["-e", "evil", "-i", INDEX_URL, "--python", "3.11", "-O", "out", "-q"]
    with contextlib.chdir(work):
        return main(["generate", *arguments, *extra])


def one_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_hostile_members_are_never_followed(fixture_index: FixtureIndex, tmp_path: Path) -> None:
    serve(fixture_index, sdist(hostile_members()))
    work = tmp_path / "work"
    work.mkdir()
    before = snapshot(tmp_path)
    assert generate(work) == 0
    after = snapshot(tmp_path)
    new = sorted(set(after) - set(before))
    assert new == [
        "work/out",
        "work/out/pylock.toml",
        "work/out/requirements.nix",
        "work/out/requirements_frozen.txt",
        "work/out/requirements_override.nix",
    ]
    assert not OUTSIDE.exists()
    assert not (tmp_path / "escaped").exists()
    text = (work / "out" / "requirements.nix").read_text()
    assert '"evil"' in text
    assert '(buildTool "setuptools" [ [ ">=" "61" ] ]' in text  # the real pyproject.toml


@pytest.mark.nix
def test_hostile_strings_mean_the_same_in_nix(
    fixture_index: FixtureIndex, tmp_path: Path, nixpkgs: Path
) -> None:
    serve(fixture_index, sdist(hostile_members()))
    assert generate(tmp_path) == 0
    meta = nix.evaluate(
        f"let pkgs = import {nixpkgs} {{ }}; "
        f"r = import {tmp_path}/out/requirements.nix {{ inherit pkgs; }}; in r.packages.evil.meta"
    )
    assert meta["description"] == SUMMARY
    assert meta.get("homepage") in (HOMEPAGE, None)  # kept exactly, or left out as not a URL


@pytest.mark.nix
def test_control_characters_and_nul_in_metadata(
    fixture_index: FixtureIndex, tmp_path: Path, nixpkgs: Path
) -> None:
    """A NUL cannot be in a Nix string: it becomes U+FFFD; everything else is exact."""
    summary = "tab\there, bell\a, nul\0, escape\x1b[31m, del\x7f, ''${x}"
    members = hostile_members(pkg_info(summary))
    serve(fixture_index, sdist(members))
    assert generate(tmp_path) == 0
    description = nix.evaluate(
        f"let pkgs = import {nixpkgs} {{ }}; "
        f"r = import {tmp_path}/out/requirements.nix {{ inherit pkgs; }}; in r.packages.evil.meta.description"
    )
    assert description == summary.replace("\0", "\ufffd")


def test_a_decompression_bomb_is_refused(
    fixture_index: FixtureIndex,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(archive, "MAX_UNPACKED_BYTES", 8 * 2**20)
    bomb = sdist([tar_member("evil-1.0/zeros", bytes(20 * 2**20)), *hostile_members()])
    assert len(bomb) < 100_000
    serve(fixture_index, bomb)
    assert generate(tmp_path) == 1
    assert "unpacks to more than 8388608 bytes" in one_error(capsys)
    assert not (tmp_path / "out").exists()


def test_a_member_over_the_size_limit_is_refused(
    fixture_index: FixtureIndex,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(archive, "MAX_MEMBER_BYTES", 2**20)
    serve(fixture_index, sdist(hostile_members(pyproject=PYPROJECT + b"#" * 2 * 2**20)))
    assert generate(tmp_path) == 1
    assert "evil" in one_error(capsys)
    assert not (tmp_path / "out").exists()


def test_a_pyproject_that_is_not_toml(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    serve(fixture_index, sdist(hostile_members(pyproject=b"[build-system\nrequires = \n")))
    assert generate(tmp_path) == 1
    assert "pyproject.toml is not valid TOML" in one_error(capsys)
    assert not (tmp_path / "out").exists()


def test_a_pkg_info_that_is_not_utf8(fixture_index: FixtureIndex, tmp_path: Path) -> None:
    """A field whose bytes are not UTF-8 is left out, never written as mojibake."""
    info = pkg_info("caf\xe9 latin-1").replace("café".encode(), "caf\xe9".encode("latin-1"))
    serve(fixture_index, sdist(hostile_members(info)))
    assert generate(tmp_path) == 0
    text = (tmp_path / "out" / "requirements.nix").read_text(encoding="utf-8")
    assert "latin-1" not in text  # the summary's other word ("caf" can be in a hash)
    package = text[text.index("    evil = self.buildPythonPackage") :]
    assert "description" not in package
    assert "license = lib.licenses.mit;" in text  # the other fields are still read


def test_a_zip_sdist_with_hostile_names(fixture_index: FixtureIndex, tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        zipped.writestr("../escaped", b"x")
        zipped.writestr(f"{OUTSIDE}/absolute", b"x")
        zipped.writestr("evil-1.0/PKG-INFO", pkg_info())
        zipped.writestr("evil-1.0/pyproject.toml", PYPROJECT)
        zipped.writestr("evil-1.0/evil/__init__.py", b"")
    serve(fixture_index, buffer.getvalue(), "evil-1.0.zip")
    work = tmp_path / "work"
    before = snapshot(tmp_path)
    assert generate(work) == 0
    assert not OUTSIDE.exists()
    assert not (tmp_path / "escaped").exists()
    assert set(snapshot(tmp_path)) - set(before) == {
        "work", "work/out", "work/out/requirements.nix", "work/out/requirements_frozen.txt",
        "work/out/requirements_override.nix", "work/out/pylock.toml",
    }  # fmt: skip


def chain_wheel(index: int, depth: int) -> IndexFile:
    name = f"chain{index}"
    requires = f"Requires-Dist: chain{index + 1}\n" if index + 1 < depth else ""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        zipped.writestr(f"{name}/__init__.py", b"")
        info = f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n{requires}"
        zipped.writestr(f"{name}-1.0.dist-info/METADATA", info)
        zipped.writestr(f"{name}-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nTag: py3-none-any\n")
        zipped.writestr(f"{name}-1.0.dist-info/RECORD", "")
    return IndexFile(name, f"{name}-1.0-py3-none-any.whl", buffer.getvalue())


def test_a_dependency_chain_500_deep(fixture_index: FixtureIndex, tmp_path: Path) -> None:
    """Pin assembly walks the chain without recursion (it stopped at about 480)."""
    depth = 500
    fixture_index.files.extend(chain_wheel(index, depth) for index in range(depth))
    arguments = ["-e", "chain0", "-i", INDEX_URL, "--python", "3.11", "-O", "out", "-q"]
    with contextlib.chdir(tmp_path):
        assert main(["generate", *arguments]) == 0
    frozen = (tmp_path / "out" / "requirements_frozen.txt").read_text()
    assert "chain499==1.0" in frozen


def test_a_pyproject_5000_arrays_deep(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Refused in one line, not an internal error (the TOML parser recurses)."""
    deep = PYPROJECT + b"[project]\nname = 'evil'\nkeywords = " + b"[" * 5000 + b"]" * 5000
    serve(fixture_index, sdist(hostile_members(pyproject=deep + b"\n")))
    assert generate(tmp_path / "deep") == 1
    assert "pyproject.toml nests its arrays or tables too deeply" in one_error(capsys)


def test_a_pyproject_field_of_the_wrong_type(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``classifiers = 5`` is left out; ``dependencies = 5`` would drop the project's
    dependencies, so it is one error naming the key, never an internal error."""
    project = tmp_path / "project"
    project.mkdir()
    table = "[project]\nname = 'own'\nversion = '1.0'\nclassifiers = 5\n"
    arguments = ["--pyproject", "project/pyproject.toml", "-i", INDEX_URL, "--python", "3.11"]
    with contextlib.chdir(tmp_path):
        (project / "pyproject.toml").write_text(table)
        assert main(["generate", *arguments, "-O", "out", "-q"]) == 0
        (project / "pyproject.toml").write_text(table + "dependencies = 5\n")
        assert main(["generate", *arguments, "-O", "out2", "-q"]) == 1
    assert one_error(capsys) == (
        "error: cannot read project/pyproject.toml: "
        "[project] dependencies must be a list of requirement strings"
    )
