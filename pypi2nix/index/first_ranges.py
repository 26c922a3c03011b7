"""A wheel's first range answer, fetched once for its two readers.

A Linux binary wheel that a pin installs is read twice: for its file list (and
metadata) by :meth:`~pypi2nix.index.repository.PackageIndex.wheel_facts`, and for its
libraries by :meth:`~pypi2nix.index.whole_files.WholeFiles.native_facts`. Both begin
with the same request, :func:`~pypi2nix.dists.archive.first_range` (the tail that
holds the central directory, or the whole of a small wheel). Whichever reads first
keeps its answer here, and the other takes it instead of asking again. An answer is
taken once; at most :data:`MAX_KEPT_BYTES` are kept (the oldest go first), so an
answer whose other reader never comes costs little.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pypi2nix.dists.streams import RangeResponse

MAX_KEPT_BYTES = 64 * 1024 * 1024


class FirstRanges:
    """First range answers by URL, each kept for one more reader (thread-safe)."""

    def __init__(self, max_bytes: int = MAX_KEPT_BYTES) -> None:
        self.max_bytes = max_bytes
        self._kept: dict[str, RangeResponse] = {}  # oldest first
        self._bytes = 0
        self._lock = threading.Lock()

    def keep(self, url: str, answer: RangeResponse) -> None:
        """Keep an answer for the next reader of the URL."""
        with self._lock:
            self._drop(url)
            self._kept[url] = answer
            self._bytes += len(answer.content)
            while self._bytes > self.max_bytes and self._kept:
                self._drop(next(iter(self._kept)))

    def __len__(self) -> int:
        return len(self._kept)

    def take(self, url: str) -> RangeResponse | None:
        """The answer kept for the URL (then no longer kept), if there is one."""
        with self._lock:
            answer = self._kept.get(url)
            self._drop(url)
            return answer

    def _drop(self, url: str) -> None:
        answer = self._kept.pop(url, None)
        if answer is not None:
            self._bytes -= len(answer.content)
