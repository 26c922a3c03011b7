"""The same inputs and index answers give byte-identical files: across runs, worker
counts and ``PYTHONHASHSEED`` values (each run a separate process, against the fixture
files on a local HTTP index)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from typing import TYPE_CHECKING

from pypi2nix.cli import main
from tests.support.fixture_index import INDEX_URL, ROOT
from tests.support.local_index import local_index
from tests.test_direct_sources import project as make_project

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

    from tests.support.fixture_index import FixtureIndex, IndexFile

ROOTS = ["-e", "alpha[fast]", "-e", "cyc-a", "-e", "3dmath", "-e", "zeta-util", "-e", "kappa"]
OUTPUTS = ("requirements.nix", "requirements_frozen.txt", "requirements_override.nix")
RUNS = [("0", "1"), ("1", "16"), ("4242", "8"), ("random", "4")]


def test_output_does_not_depend_on_hash_seed_workers_or_run(
    fixture_files: list[IndexFile], tmp_path: Path
) -> None:
    outputs = []
    with local_index(fixture_files) as url:
        for seed, workers in RUNS:
            out = tmp_path / f"out-{seed}-{workers}"
            environment = {
                **os.environ,
                "PYTHONHASHSEED": seed,
                "XDG_CACHE_HOME": str(out) + "-cache",
            }
            result = subprocess.run(
                [sys.executable, "-m", "pypi2nix", "generate", *ROOTS, "-i", url,
                 "--python", "3.11", "--workers", workers, "-O", str(out), "-q"],
                cwd=ROOT, env=environment, capture_output=True, text=True, check=False, timeout=300,
            )  # fmt: skip
            assert result.returncode == 0, result.stderr
            outputs.append({name: (out / name).read_bytes() for name in OUTPUTS})
    assert all(output == outputs[0] for output in outputs[1:])
    assert b"cyc-b" in outputs[0]["requirements.nix"]


def test_output_does_not_depend_on_where_it_runs_or_how_paths_are_spelled(
    fixture_index: FixtureIndex, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    (project / "reqs").mkdir(parents=True)
    (project / "reqs" / "top.txt").write_text("alpha\n-r more.txt\n./locallib\n")
    make_project(project / "reqs" / "locallib", "locallib", "0.1", ["beta"])
    (project / "reqs" / "more.txt").write_text("kappa\n")
    runs = {
        "project": ["-r", "reqs/top.txt", "-O", "nix"],
        "project/reqs": ["-r", "top.txt", "-O", "../nix"],
        "project/nix": ["-r", str(project / "reqs" / "top.txt")],
        "": ["-r", "project/nix/../reqs/./top.txt", "-O", "project/nix/"],
    }
    outputs = []
    for where, arguments in runs.items():
        shutil.rmtree(project / "nix", ignore_errors=True)
        (project / "nix").mkdir()
        with contextlib.chdir(tmp_path / where):
            assert main(["generate", "-i", INDEX_URL, "--python", "3.11", "-q", *arguments]) == 0
        outputs.append({name: (project / "nix" / name).read_bytes() for name in OUTPUTS})
    assert all(output == outputs[0] for output in outputs[1:])
    frozen = outputs[0]["requirements_frozen.txt"].decode()
    assert "# via ../reqs/top.txt:1\n" in frozen
    assert "# via ../reqs/more.txt:1\n" in frozen
    assert "# locallib @ ../reqs/locallib\n" in frozen
    assert '# Requirements: "../reqs/top.txt", "../reqs/more.txt"' in (
        outputs[0]["requirements.nix"].decode()
    )


def test_a_run_that_changes_nothing_writes_nothing(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "requirements.txt").write_text("alpha\n")
    with contextlib.chdir(tmp_path):
        assert main(["generate", "-r", "requirements.txt", "-i", INDEX_URL, "-O", "nix"]) == 0
        before = {name: (tmp_path / "nix" / name).stat().st_mtime_ns for name in OUTPUTS}
        time.sleep(0.01)
        capsys.readouterr()
        assert main(["update", "-O", "nix", "--no-cache"]) == 0
        assert main(["generate", "-r", "requirements.txt", "-i", INDEX_URL, "-O", "nix"]) == 0
    after = {name: (tmp_path / "nix" / name).stat().st_mtime_ns for name in OUTPUTS}
    assert after == before
    said = capsys.readouterr().err
    assert said.count("Nothing changed: every file was already up to date") == 2
