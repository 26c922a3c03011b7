"""The cache directory, shared by the stages: each keeps its own kinds of entries in a
folder of its own under it, and none reads another's.

Layout under the cache directory (``$XDG_CACHE_HOME/pypi2nix`` by default)::

    pages/   project pages and their HTTP validators     (index/cache.py)
    files/   what was read from one wheel or sdist        (index/cache.py)
    built/   metadata a build backend gave for an sdist   (backend/)
    locks/   the last lock made from some inputs          (lock/cache.py)
    tools/   build requirement sets resolved              (lock/tool_cache.py)
    pylocks/ the state each pylock.toml written holds      (commands/memo.py)
    outputs/ the digests of the files a lock rendered to  (commands/memo.py)

Every entry is named by a hex digest (a key that is not one is a miss, so it can never
name a file elsewhere), written to a temporary file renamed into place (two runs at
once never see half an entry; :mod:`~pypi2nix.store.files` can also write from a
thread of its own), and an entry that does not parse is deleted. No entry holds a
credential.
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path
from typing import Any

from pypi2nix.store.files import CacheFiles

__all__ = ["FORMAT", "Store", "default_cache_dir"]

logger = logging.getLogger(__name__)

# The shape of every JSON entry: an entry written in another format is a miss.
FORMAT = 11
# An entry's name: a hex digest, maybe with a kind (``<sha256>.native``).
_KEY = re.compile(r"[0-9a-f]{64}(?:\.[a-z]+)?")


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pypi2nix"


class Store:
    """Entries of each kind under one folder; ``Store(None)`` remembers nothing."""

    def __init__(self, root: Path | None, *, background: bool = False) -> None:
        """:param background: write in a thread of its own (then :meth:`close` at the end)."""
        self.root = root
        self._files = None if root is None else CacheFiles(root, background=background)

    @property
    def enabled(self) -> bool:
        return self.root is not None

    def close(self) -> None:
        """Make the writes still queued (waiting a bounded time)."""
        if self._files is not None:
            self._files.close()

    def read_json(self, kind: str, key: str) -> dict[str, Any] | None:
        """The value of an entry; one that does not parse, or of another format, is
        deleted and missed."""
        content = self.read(kind, key)
        if content is None:
            return None
        try:
            data = json.loads(content)
        except (ValueError, RecursionError):
            logger.debug("discarding the unreadable cache entry %s/%s", kind, key)
            self.discard(kind, key)
            return None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            self.discard(kind, key)
            return None
        value = data.get("value")
        return value if isinstance(value, dict) else None

    def write_json(self, kind: str, key: str, value: dict[str, Any]) -> None:
        self.write(kind, key, _ENCODER.encode({"format": FORMAT, "value": value}).encode())

    def read(self, kind: str, key: str, suffix: str = ".json") -> bytes | None:
        path = self._path(kind, key, suffix)
        return None if path is None or self._files is None else self._files.read(path)

    def write(self, kind: str, key: str, data: bytes, suffix: str = ".json") -> None:
        path = self._path(kind, key, suffix)
        if path is not None and self._files is not None:
            self._files.write(path, data)

    def exists(self, kind: str, key: str) -> bool:
        path = self._path(kind, key, ".json")
        return path is not None and self._files is not None and self._files.exists(path)

    def discard(self, kind: str, key: str) -> None:
        """Delete an entry (its ``.body`` too)."""
        for suffix in (".json", ".body"):
            path = self._path(kind, key, suffix)
            if path is not None and self._files is not None:
                self._files.delete(path)

    def _path(self, kind: str, key: str, suffix: str) -> Path | None:
        """Where an entry is kept; ``None`` without a cache, or for a key that is not a
        digest."""
        if self.root is None or not _KEY.fullmatch(key):
            return None
        return self.root / kind / f"{key}{suffix}"


_ENCODER = json.JSONEncoder(separators=(",", ":"), check_circular=False)
