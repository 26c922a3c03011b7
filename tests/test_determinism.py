"""The same inputs and index answers give byte-identical files: across runs, worker
counts and ``PYTHONHASHSEED`` values (each run a separate process, against the fixture
files on a local HTTP index)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

from tests.support.fixture_index import ROOT
from tests.support.local_index import local_index

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.fixture_index import IndexFile

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
