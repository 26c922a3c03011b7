"""The cache's files: read, written whole (a temporary file renamed into place, so no
reader ever sees half an entry) and deleted; with ``background``, writes and deletes
are made by one thread of their own, off the path of the lookups that wait for the
index, and flushed at the end with a bounded wait.

Until the thread has made a write, reads answer from what it holds, so a run sees
its own writes at once. A write that fails is logged once and is never fatal.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import queue
import tempfile
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

logger = logging.getLogger(__name__)

# How long the end of a run waits for the writes still queued: a slow disk costs
# the next run its cache, never this run its output.
FLUSH_SECONDS = 30.0
# Writes queued at most: a run that writes faster than the disk then waits for it.
MAX_QUEUED = 512


class CacheFiles:
    """Whole-file reads, writes and deletes under one folder."""

    def __init__(self, root: Path, *, background: bool = False) -> None:
        self.root = root
        self._warned = False
        # What is queued for each path (None: to be deleted), numbered in order.
        self._pending: dict[Path, tuple[int, bytes | None]] = {}
        self._queued = 0
        self._folders: set[Path] = set()
        self._slots = threading.BoundedSemaphore(MAX_QUEUED)
        self._lock = threading.Lock()
        self._queue: queue.Queue[tuple[int, Path, bytes | None] | None] | None = None
        self._thread: threading.Thread | None = None
        if background:
            self._queue = queue.Queue()
            self._thread = threading.Thread(target=self._drain, name="pypi2nix-cache", daemon=True)
            self._thread.start()
            atexit.register(self.close)

    def read(self, path: Path) -> bytes | None:
        with self._lock:
            if path in self._pending:
                return self._pending[path][1]
        try:
            return path.read_bytes()
        except OSError:
            return None

    def exists(self, path: Path) -> bool:
        with self._lock:
            if path in self._pending:
                return self._pending[path][1] is not None
        return path.exists()

    def write(self, path: Path, data: bytes) -> None:
        self._put(path, data)

    def delete(self, path: Path) -> None:
        self._put(path, None)

    def close(self, timeout: float = FLUSH_SECONDS) -> None:
        """Make the queued writes, waiting at most ``timeout`` seconds."""
        if self._queue is None or self._thread is None:
            return
        self._queue.put(None)
        self._thread.join(timeout)
        if self._thread.is_alive():
            logger.warning("the cache %s is not fully written (a slow disk?)", self.root)
        self._queue = None
        atexit.unregister(self.close)

    def _put(self, path: Path, data: bytes | None) -> None:
        if self._queue is None:
            self._apply(path, data)
            return
        self._slots.acquire()
        with self._lock:
            self._queued += 1
            self._pending[path] = (self._queued, data)
            self._queue.put((self._queued, path, data))

    def _drain(self) -> None:
        assert self._queue is not None
        work = self._queue
        while (item := work.get()) is not None:
            number, path, data = item
            self._apply(path, data)
            with self._lock:
                if self._pending.get(path, (0, None))[0] == number:
                    del self._pending[path]  # no later write of it is queued
            self._slots.release()

    def _apply(self, path: Path, data: bytes | None) -> None:
        if data is None:
            with contextlib.suppress(OSError):
                path.unlink()
            return
        temporary = None
        try:
            if path.parent not in self._folders:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._folders.add(path.parent)
            descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
            os.replace(temporary, path)
        except OSError as error:
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
            if not self._warned:
                self._warned = True
                logger.warning("cannot write to the cache %s (%s)", self.root, error)
