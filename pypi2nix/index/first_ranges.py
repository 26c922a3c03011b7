"""A wheel's first range answer, fetched once for its two readers.

A Linux binary wheel that a pin installs is read twice: for its file list (and
metadata) by :meth:`~pypi2nix.index.repository.PackageIndex.wheel_facts`, and for its
libraries by :meth:`~pypi2nix.index.whole_files.WholeFiles.native_facts`. Both begin
with the same request, :func:`~pypi2nix.dists.archive.first_range` (the tail that
holds the central directory, or the whole of a small wheel). The first reader to ask
fetches it and, when the other reader will come, leaves the answer (or the fetch
under way) here; the other takes it instead of asking again, whichever thread it runs
in, so a lock makes the same requests every time. An answer is taken once; at most
:data:`MAX_KEPT_BYTES` of answers are kept (the oldest go first), so one whose other
reader never comes costs little.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import TYPE_CHECKING, TypeVar

from pypi2nix.dists.streams import RangeResponse

if TYPE_CHECKING:
    from collections.abc import Callable

MAX_KEPT_BYTES = 64 * 1024 * 1024

A = TypeVar("A")


class FirstRanges:
    """First range answers by URL, each kept for one more reader (thread-safe)."""

    def __init__(self, max_bytes: int = MAX_KEPT_BYTES) -> None:
        self.max_bytes = max_bytes
        self._kept: dict[str, Future[object]] = {}  # oldest first
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._kept)

    def read(self, url: str, fetch: Callable[[], A], *, share: bool) -> A | RangeResponse:
        """The URL's first range: the answer the other reader left (waiting for it if
        its fetch is under way), else ``fetch()``, left for the other reader when
        ``share`` says it will come. An answer that is no :class:`RangeResponse` (a
        whole file, streamed) is never left; the other reader then fetches its own.
        """
        with self._lock:
            left = self._kept.pop(url, None)
            if left is None:
                mine: Future[object] = Future()
                if share:
                    self._kept[url] = mine
        if left is not None:
            try:
                answer = left.result()
            except Exception:  # the other reader's fetch failed: try our own
                return fetch()
            return answer if isinstance(answer, RangeResponse) else fetch()
        try:
            answer = fetch()
        except BaseException as error:
            mine.set_exception(error)
            self._forget(url, mine)
            raise
        mine.set_result(answer)
        if not isinstance(answer, RangeResponse):
            self._forget(url, mine)
        elif share:
            self._limit()
        return answer

    def _limit(self) -> None:
        """Past :attr:`max_bytes` of answers left, drop the oldest."""
        with self._lock:
            sizes = {
                url: len(answer.content)
                for url, left in self._kept.items()
                if left.done() and isinstance(answer := left.result(), RangeResponse)
            }
            total = sum(sizes.values())
            for url, size in sizes.items():
                if total <= self.max_bytes:
                    break
                del self._kept[url]
                total -= size

    def _forget(self, url: str, mine: Future[object]) -> None:
        with self._lock:
            if self._kept.get(url) is mine:
                del self._kept[url]
