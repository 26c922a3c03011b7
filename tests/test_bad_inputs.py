"""The bad input corpus (``tests/bad_inputs.toml``): one clear line, exit status 1,
no traceback, and nothing on disk changed."""

from __future__ import annotations

import contextlib
import os
import tomllib
from pathlib import Path
from typing import Any

import pytest

from pypi2nix.cli import main
from tests.support.fixture_index import INDEX_URL, FixtureIndex

CASES = tomllib.loads((Path(__file__).parent / "bad_inputs.toml").read_text())["case"]
# The lock of an earlier ``generate -e gamma``.
OLD_PYLOCK = f"""\
lock-version = "1.0"
created-by = "pypi2nix"

[[packages]]
name = "gamma"
version = "2.0.0"
archive = {{ url = "https://files.example.test/gamma-2.0.0.tar.gz", hashes = {{ sha256 = "{"0" * 64}" }} }}

[tool.pypi2nix.inputs]
specs = ["gamma"]
python = ["3.11"]
system = ["x86_64-linux"]
index_url = "{INDEX_URL}"
"""


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 50
    assert len({case["name"] for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_bad_input(
    case: dict[str, Any],
    fixture_index: FixtureIndex,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = prepare(case, tmp_path)
    before = snapshot(tmp_path)
    with contextlib.chdir(tmp_path):
        status = main(arguments(case, out))
    err = capsys.readouterr().err
    assert status == case.get("status", 1), err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert case["message"] in lines[0]
    assert "Traceback" not in err
    assert snapshot(tmp_path) == before


def prepare(case: dict[str, Any], root: Path) -> Path:
    """Write the case's files, and an output directory holding an earlier lock."""
    if "requirements" in case:
        (root / "requirements.txt").write_text(case["requirements"])
    for name, text in case.get("files", {}).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    out = root / "out"
    out.mkdir()
    (out / "requirements.nix").write_text("old nix\n")
    (out / "requirements_override.nix").write_text("old override\n")
    (out / "pylock.toml").write_text(OLD_PYLOCK)
    special = case.get("special")
    requirements = root / "requirements.txt"
    if special == "binary":
        requirements.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\xff\xfe")
    elif special == "utf16-broken":
        requirements.write_bytes(b"\xff\xfes\x00i\x00x\x00\x00\xd8")
    elif special == "latin1":
        requirements.write_bytes("caf\xe9==1.0\n".encode("latin-1"))
    elif special == "huge":
        requirements.write_bytes(b"six\n" * (10 * 2**20 // 4))
    elif special == "directory":
        requirements.mkdir()
    elif special == "fifo":
        os.mkfifo(requirements)  # no writer: reading it would block for ever
    elif special == "output-under-file":
        (root / "a-file").write_text("not a directory\n")
        return root / "a-file" / "out"
    elif special == "output-is-file":
        (root / "a-file").write_text("not a directory\n")
        return root / "a-file"
    elif special == "nix-is-directory":
        (out / "requirements.nix").unlink()
        (out / "requirements.nix").mkdir()
    return out


def arguments(case: dict[str, Any], out: Path) -> list[str]:
    if "args" in case:
        return [argument.replace("{out}", str(out)) for argument in case["args"]]
    return ["generate", "-r", "requirements.txt", "-i", INDEX_URL, "--python", "3.11", "-O", str(out)]  # fmt: skip


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root`` with its bytes (``None`` for a directory or a FIFO)."""
    return {
        str(path.relative_to(root)): path.read_bytes() if path.is_file() else None
        for path in sorted(root.rglob("*"))
    }
