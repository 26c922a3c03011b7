"""The on-disk cache: project pages (revalidated) and file facts (kept for good).

Layout under the cache directory (``$XDG_CACHE_HOME/pypi2nix`` by default)::

    pages/<sha256 of the page URL>.json   a parsed project page and its HTTP validators
    files/<sha256 of the file>.json       what was read from one wheel or sdist

A file's facts never change (the key is its content hash); a page is fresh for its
``Cache-Control: max-age``, or for :data:`DEFAULT_FRESH_SECONDS` when the index sends
no caching headers, and is then revalidated with its ``ETag``/``Last-Modified``.
Every write goes to a temporary file and is renamed into place, so two runs at once
never see half an entry; an entry that does not parse is deleted and fetched again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

DEFAULT_FRESH_SECONDS = 600
FORMAT = 3


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pypi2nix"


@dataclass(frozen=True, slots=True)
class CachedPage:
    """A project page as cached, with what is needed to revalidate it."""

    url: str
    page: dict[str, Any]
    fetched: float
    max_age: float | None
    etag: str | None
    last_modified: str | None

    def is_fresh(self, now: float) -> bool:
        lifetime = DEFAULT_FRESH_SECONDS if self.max_age is None else self.max_age
        return now - self.fetched < lifetime


class Cache:
    """Read and write cache entries; ``Cache(None)`` remembers nothing."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self._warned = False

    def page(self, url: str) -> CachedPage | None:
        entry = self._read("pages", _url_key(url))
        if entry is None:
            return None
        try:
            return CachedPage(
                url=entry["url"],
                page=entry["page"],
                fetched=float(entry["fetched"]),
                max_age=entry["max_age"],
                etag=entry["etag"],
                last_modified=entry["last_modified"],
            )
        except (KeyError, TypeError, ValueError):
            self._discard("pages", _url_key(url))
            return None

    def page_is_recent(self, url: str, at: float) -> bool:
        """Whether a cached page was written within the default freshness (a cheap hint:
        only the entry's time is looked at)."""
        path = self._path("pages", _url_key(url))
        try:
            return path is not None and at - path.stat().st_mtime < DEFAULT_FRESH_SECONDS
        except OSError:
            return False

    def store_page(self, cached: CachedPage) -> None:
        entry = {
            "url": cached.url,
            "page": cached.page,
            "fetched": cached.fetched,
            "max_age": cached.max_age,
            "etag": cached.etag,
            "last_modified": cached.last_modified,
        }
        self._write("pages", _url_key(cached.url), entry)

    def file_facts(self, sha256: str) -> dict[str, Any] | None:
        return self._read("files", sha256)

    def store_file_facts(self, sha256: str, facts: dict[str, Any]) -> None:
        self._write("files", sha256, facts)

    def has_file_facts(self, sha256: str) -> bool:
        path = self._path("files", sha256)
        return path is not None and path.exists()

    def discard_file_facts(self, sha256: str) -> None:
        self._discard("files", sha256)

    def _path(self, kind: str, key: str) -> Path | None:
        return None if self.root is None else self.root / kind / f"{key}.json"

    def _read(self, kind: str, key: str) -> dict[str, Any] | None:
        path = self._path(kind, key)
        if path is None:
            return None
        try:
            data = json.loads(path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            logger.debug("discarding the unreadable cache entry %s", path)
            self._discard(kind, key)
            return None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            self._discard(kind, key)
            return None
        value = data.get("value")
        return value if isinstance(value, dict) else None

    def _write(self, kind: str, key: str, value: dict[str, Any]) -> None:
        path = self._path(kind, key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(_encode({"format": FORMAT, "value": value}))
            os.replace(temporary, path)
        except OSError as error:
            with contextlib.suppress(OSError, UnboundLocalError):
                os.unlink(temporary)
            if not self._warned:
                self._warned = True
                logger.warning("cannot write to the cache %s (%s)", self.root, error)

    def _discard(self, kind: str, key: str) -> None:
        path = self._path(kind, key)
        if path is not None:
            with contextlib.suppress(OSError):
                path.unlink()


def _url_key(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


def now() -> float:
    return time.time()


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, check_circular=False)


def _encode(value: dict[str, Any]) -> bytes:
    return _ENCODER.encode(value).encode("utf-8", "surrogateescape")
