"""The on-disk cache: project pages (revalidated), file facts and locks (kept for good).

Layout under the cache directory (``$XDG_CACHE_HOME/pypi2nix`` by default)::

    pages/<sha256 of the URL>.json   a project page's HTTP validators and fetch time
                                     (or that the index answered 404)
    pages/<sha256 of the URL>.body   a JSON page's files grouped by version
                                     (index/cached_pages.py); an HTML page as sent
    files/<sha256 of URL and digest>.json  what was read from one wheel or sdist
    files/<sha256 of the file>.<kind>.json  what was read from a whole, verified file
    locks/<sha256 of the inputs>.json  the last lock made from those inputs
    tools/<sha256 of target and indexes>.json  build requirement sets resolved

A file's facts never change. What is read from part of a file (a range, a stream
left early) cannot be checked against its digest, so it is kept under the file's
URL and digest together (:func:`read_facts_key`): it is never reused for another
index's or another project's file that claims the same digest. A page is fresh for its
``Cache-Control: max-age``, or for :data:`DEFAULT_FRESH_SECONDS` when the index sends
no caching headers, and is then revalidated with its ``ETag``/``Last-Modified``; a
404 is remembered as long, then asked again. A
lock is reused only while every page it was made from is fresh and unchanged.
Every write goes to a temporary file renamed into place, so two runs at once never
see half an entry (:mod:`~pypi2nix.index.cache_files`, which can also write from a
thread of its own); an entry that does not parse is deleted and fetched again. Every
file name is a hex digest (a key that is not one is a miss), and no entry holds a
credential.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pypi2nix.credentials import without_credentials
from pypi2nix.index.cache_files import CacheFiles

logger = logging.getLogger(__name__)

DEFAULT_FRESH_SECONDS = 600
FORMAT = 10
# A cache file name: a hex digest, maybe with a kind (``<sha256>.native``).
_KEY = re.compile(r"[0-9a-f]{64}(?:\.[a-z]+)?")


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pypi2nix"


def now() -> float:
    return time.time()


@dataclass(frozen=True, slots=True)
class PageValidators:
    """When a page was fetched, and what is needed to revalidate it."""

    fetched: float
    max_age: float | None
    etag: str | None
    last_modified: str | None
    content_type: str
    final_url: str
    missing: bool = False  # the index answered 404: no index page, no body

    def is_fresh(self, at: float) -> bool:
        lifetime = DEFAULT_FRESH_SECONDS if self.max_age is None else self.max_age
        return at - self.fetched < lifetime

    @classmethod
    def from_json(cls, entry: dict[str, Any]) -> PageValidators | None:
        """The validators of a cache entry; ``None`` when a field has the wrong type."""
        number = (int, float)
        valid = (
            set(entry) == set(cls.__slots__)
            and type(entry["fetched"]) in number
            and (entry["max_age"] is None or type(entry["max_age"]) in number)
            and all(
                entry[name] is None or type(entry[name]) is str
                for name in ("etag", "last_modified")
            )
            and type(entry["content_type"]) is str
            and type(entry["final_url"]) is str
            and type(entry["missing"]) is bool
        )
        return cls(**entry) if valid else None


class Cache:
    """Read and write cache entries; ``Cache(None)`` remembers nothing."""

    def __init__(self, root: Path | None, *, background: bool = False) -> None:
        """:param background: write in a thread of its own (then :meth:`close` at the end)."""
        self.root = root
        self._files = None if root is None else CacheFiles(root, background=background)

    def close(self) -> None:
        """Make the writes still queued (waiting a bounded time)."""
        if self._files is not None:
            self._files.close()

    @property
    def enabled(self) -> bool:
        return self.root is not None

    # Pages

    def page_validators(self, url: str) -> PageValidators | None:
        entry = self._read_json("pages", _key(url))
        if entry is None:
            return None
        validators = PageValidators.from_json(entry)
        if validators is None:
            self._discard("pages", _key(url))
        return validators

    def page_body(self, url: str) -> bytes | None:
        path = self._path("pages", _key(url), ".body")
        return None if path is None or self._files is None else self._files.read(path)

    def store_page(self, url: str, validators: PageValidators, body: bytes | None) -> None:
        """Store a page; ``body=None`` keeps the stored body (after a 304)."""
        if body is not None:
            self._write("pages", _key(url), body, ".body")
        fields = dataclass_fields(validators)
        fields["final_url"] = without_credentials(validators.final_url)
        self._write_json("pages", _key(url), fields)

    def discard_page(self, url: str) -> None:
        self._discard("pages", _key(url))

    # File facts and locks

    def file_facts(self, sha256: str) -> dict[str, Any] | None:
        return self._read_json("files", sha256)

    def has_file_facts(self, sha256: str) -> bool:
        path = self._path("files", sha256)
        return path is not None and self._files is not None and self._files.exists(path)

    def store_file_facts(self, sha256: str, facts: dict[str, Any]) -> None:
        self._write_json("files", sha256, facts)

    def discard_file_facts(self, sha256: str) -> None:
        self._discard("files", sha256)

    def lock(self, key: str) -> dict[str, Any] | None:
        return self._read_json("locks", key)

    def store_lock(self, key: str, value: dict[str, Any]) -> None:
        self._write_json("locks", key, value)

    def discard_lock(self, key: str) -> None:
        self._discard("locks", key)

    def tool_sets(self, key: str) -> dict[str, Any] | None:
        return self._read_json("tools", key)

    def store_tool_sets(self, key: str, value: dict[str, Any]) -> None:
        self._write_json("tools", key, value)

    def discard_tool_sets(self, key: str) -> None:
        self._discard("tools", key)

    # Storage

    def _path(self, kind: str, key: str, suffix: str = ".json") -> Path | None:
        """Where an entry is kept; ``None`` without a cache, or for a key that is not a
        digest (it must never name a file elsewhere)."""
        if self.root is None or not _KEY.fullmatch(key):
            return None
        return self.root / kind / f"{key}{suffix}"

    def _read_json(self, kind: str, key: str) -> dict[str, Any] | None:
        path = self._path(kind, key)
        content = None if path is None or self._files is None else self._files.read(path)
        if content is None:
            return None
        try:
            data = json.loads(content)
        except (ValueError, RecursionError):
            logger.debug("discarding the unreadable cache entry %s", path)
            self._discard(kind, key)
            return None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            self._discard(kind, key)
            return None
        value = data.get("value")
        return value if isinstance(value, dict) else None

    def _write_json(self, kind: str, key: str, value: dict[str, Any]) -> None:
        self._write(kind, key, _ENCODER.encode({"format": FORMAT, "value": value}).encode())

    def _write(self, kind: str, key: str, data: bytes, suffix: str = ".json") -> None:
        path = self._path(kind, key, suffix)
        if path is not None and self._files is not None:
            self._files.write(path, data)

    def _discard(self, kind: str, key: str) -> None:
        for suffix in (".json", ".body"):
            path = self._path(kind, key, suffix)
            if path is not None and self._files is not None:
                self._files.delete(path)


def dataclass_fields(value: PageValidators) -> dict[str, Any]:
    return {name: getattr(value, name) for name in PageValidators.__slots__}


def read_facts_key(url: str, sha256: str) -> str:
    """The key of what was read from part of a file: its URL (without credentials)
    and the digest the page gives, together."""
    return _key(f"{without_credentials(url)}\n{sha256}")


def _key(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


_ENCODER = json.JSONEncoder(separators=(",", ":"), check_circular=False)
