"""How far the tar sdists of a run were streamed (reported with ``-v``)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class SdistReads:
    """How far the tar sdists of a run were streamed."""

    stopped_early: int = 0
    to_the_end_for_pyproject: int = 0  # pyproject.toml came last, or never
    whole_for_file_list: int = 0  # no wheel lists the files
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count(self, *, until_pyproject: bool, complete: bool) -> None:
        with self._lock:
            if not until_pyproject:
                self.whole_for_file_list += 1
            elif complete:
                self.to_the_end_for_pyproject += 1
            else:
                self.stopped_early += 1

    def describe(self) -> str:
        total = self.stopped_early + self.to_the_end_for_pyproject + self.whole_for_file_list
        return (
            f"Streamed {total} sdists: {self.stopped_early} stopped after pyproject.toml, "
            f"{self.to_the_end_for_pyproject} read to the end (pyproject.toml last or "
            f"missing), {self.whole_for_file_list} read whole (no wheel lists their files)."
        )
