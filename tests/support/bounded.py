"""Run code under the bounds a hostile input must never break: a time limit and an
address-space limit, in a child process, so a regression fails the test instead of
hanging the suite or exhausting the machine."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass

from tests.support.fixture_index import ROOT

MEMORY_LIMIT = 512 * 2**20
TIME_LIMIT = 20.0


@dataclass(frozen=True)
class BoundedRun:
    returncode: int | None  # None: stopped at the time limit
    stdout: str
    stderr: str
    seconds: float


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_bounded(code: str, *arguments: str, seconds: float = TIME_LIMIT) -> BoundedRun:
    """Run ``python -c code arguments`` with at most :data:`MEMORY_LIMIT` of address
    space and ``seconds`` of time."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    try:
        result = subprocess.run(
            [sys.executable, "-c", code, *arguments],
            capture_output=True,
            text=True,
            env=environment,
            timeout=seconds,
            preexec_fn=_limit_memory,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        return BoundedRun(None, str(error.stdout or ""), str(error.stderr or ""), seconds)
    return BoundedRun(result.returncode, result.stdout, result.stderr, time.monotonic() - started)
