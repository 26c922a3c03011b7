"""Concurrency shared by the stages: single-flight memoization and a background pool.

Every fact about the index is computed once: :class:`Memo` hands the first caller
the work and every later caller (in any thread) the same result or error. The
resolver stays single-threaded; :class:`Prefetcher` only runs the same memoized
computations earlier, in worker threads, so that the answers are ready when the
resolver asks. Results never depend on which thread computed them.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable, Sequence

logger = logging.getLogger(__name__)

K = TypeVar("K", bound="Hashable")
V = TypeVar("V")

DEFAULT_WORKERS = 8
# Streaming sdists is mostly decompression: more threads than cores only slow down the
# lookups the resolver waits for.
BULK_WORKERS = 2


class Memo(Generic[K, V]):
    """A thread-safe, single-flight cache: ``get`` computes each key at most once."""

    def __init__(self) -> None:
        self._futures: dict[K, Future[V]] = {}
        self._lock = threading.Lock()

    def get(self, key: K, compute: Callable[[], V]) -> V:
        with self._lock:
            future = self._futures.get(key)
            owner = future is None
            if future is None:
                future = self._futures[key] = Future()
        if owner:
            try:
                future.set_result(compute())
            except BaseException as error:
                future.set_exception(error)
        return future.result()

    def known(self, key: K) -> V | None:
        """The value when it has been computed without error, else ``None``."""
        future = self._futures.get(key)
        if future is None or not future.done() or future.exception() is not None:
            return None
        return future.result()


class Prefetcher:
    """Runs memoized work in the background; with one worker, it runs nothing.

    A background failure is kept by the memo and raised only if the resolver asks
    for that answer; work nobody asks for is simply wasted.
    """

    def __init__(self, workers: int = DEFAULT_WORKERS) -> None:
        self.workers = workers
        self._pool = (
            ThreadPoolExecutor(workers, thread_name_prefix="pypi2nix") if workers > 1 else None
        )
        self._bulk_pool = (
            ThreadPoolExecutor(min(BULK_WORKERS, workers), thread_name_prefix="pypi2nix-bulk")
            if workers > 1
            else None
        )

    def submit(self, task: Callable[[], object], *, bulk: bool = False) -> None:
        """Run a task in the background. Bulk work (long downloads that keep the CPU
        busy) gets a few threads of its own, so lookups the resolver waits for never
        queue behind it."""
        pool = self._bulk_pool if bulk else self._pool
        if pool is not None:
            pool.submit(_quietly, task)

    def map(self, function: Callable[[V], K], items: Sequence[V]) -> list[K]:
        """``[function(item) for item in items]``, in parallel when there are workers."""
        if self._pool is None:
            return [function(item) for item in items]
        return list(self._pool.map(function, items))

    def close(self) -> None:
        for pool in (self._pool, self._bulk_pool):
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)


def _quietly(task: Callable[[], object]) -> None:
    try:
        task()
    except Exception as error:  # kept by the memo; reported if the answer is needed
        logger.debug("background work failed: %s", error)
