"""The index's part of the cache (:mod:`pypi2nix.store`): project pages (revalidated)
and file facts (kept for good).

    pages/<sha256 of the URL>.json   a project page's HTTP validators and fetch time
                                     (or that the index answered 404)
    pages/<sha256 of the URL>.body   a JSON page's files grouped by version
                                     (index/cached_pages.py); an HTML page as sent
    files/<sha256 of URL and digest>.json  what was read from one wheel or sdist
    files/<sha256 of the file>.<kind>.json  what was read from a whole, verified file

A file's facts never change. What is read from part of a file (a range, a stream
left early) cannot be checked against its digest, so it is kept under the file's
URL and digest together (:func:`read_facts_key`): it is never reused for another
index's or another project's file that claims the same digest. A page is fresh for its
``Cache-Control: max-age``, or for :data:`DEFAULT_FRESH_SECONDS` when the index sends
no caching headers, and is then revalidated with its ``ETag``/``Last-Modified``; a
404 is remembered as long, then asked again.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pypi2nix.credentials import without_credentials
from pypi2nix.store import Store

if TYPE_CHECKING:
    from pathlib import Path

DEFAULT_FRESH_SECONDS = 600


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
    """The index's entries of a :class:`~pypi2nix.store.Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @classmethod
    def at(cls, root: Path | None, *, background: bool = False) -> Cache:
        """The index's entries of the store at ``root`` (``None``: no cache)."""
        return cls(Store(root, background=background))

    @property
    def enabled(self) -> bool:
        return self.store.enabled

    def close(self) -> None:
        self.store.close()

    # Pages

    def page_validators(self, url: str) -> PageValidators | None:
        entry = self.store.read_json("pages", _key(url))
        if entry is None:
            return None
        validators = PageValidators.from_json(entry)
        if validators is None:
            self.store.discard("pages", _key(url))
        return validators

    def page_body(self, url: str) -> bytes | None:
        return self.store.read("pages", _key(url), ".body")

    def store_page(self, url: str, validators: PageValidators, body: bytes | None) -> None:
        """Store a page; ``body=None`` keeps the stored body (after a 304)."""
        if body is not None:
            self.store.write("pages", _key(url), body, ".body")
        fields = dataclass_fields(validators)
        fields["final_url"] = without_credentials(validators.final_url)
        self.store.write_json("pages", _key(url), fields)

    def discard_page(self, url: str) -> None:
        self.store.discard("pages", _key(url))

    # File facts

    def file_facts(self, key: str) -> dict[str, Any] | None:
        return self.store.read_json("files", key)

    def has_file_facts(self, key: str) -> bool:
        return self.store.exists("files", key)

    def store_file_facts(self, key: str, facts: dict[str, Any]) -> None:
        self.store.write_json("files", key, facts)

    def discard_file_facts(self, key: str) -> None:
        self.store.discard("files", key)


def dataclass_fields(value: PageValidators) -> dict[str, Any]:
    return {name: getattr(value, name) for name in PageValidators.__slots__}


def read_facts_key(url: str, sha256: str) -> str:
    """The key of what was read from part of a file: its URL (without credentials)
    and the digest the page gives, together."""
    return _key(f"{without_credentials(url)}\n{sha256}")


def _key(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()
