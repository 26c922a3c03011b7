"""Turn resolvelib's reporter events into progress for the UI."""

from __future__ import annotations

from typing import TYPE_CHECKING

from resolvelib import BaseReporter

from pypi2nix.resolve.base import Candidate, Requirement

if TYPE_CHECKING:
    from collections.abc import Callable


class ProgressReporter(BaseReporter[Requirement, Candidate, str]):
    """Count pinned candidates and report each one."""

    def __init__(self, progress: Callable[[str], None]) -> None:
        self._progress = progress
        self.pinned = 0

    def pinning(self, candidate: Candidate) -> None:
        self.pinned += 1
        self._progress(f"pinned {candidate} ({self.pinned})")
