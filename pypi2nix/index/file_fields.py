"""The fields of one file on a project page, checked as they enter: a digest is
64 hex digits, a ``requires-python`` is short enough to be one, ``core-metadata`` is
offered with a valid digest or not at all. Shared by the JSON and HTML readers."""

from __future__ import annotations

import logging
import posixpath
import re
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from pypi2nix.filenames import dist_kind
from pypi2nix.models import valid_sha256

# One file as the page lists it: filename, url, kind, sha256, requires-python, yanked
# (False, True, or the reason given as a string), size, core-metadata (None: not
# said), the core-metadata file's sha256. Plain lists, so that a page is cheap to
# store in the cache as JSON.
FileEntry = list[Any]

logger = logging.getLogger(__name__)

MAX_REQUIRES_PYTHON_CHARS = 1024
_LONG_NUMBER = re.compile(r"\d{40}")


class PageError(ValueError):
    """A project page that cannot be parsed."""


def file_entry(
    filename: str,
    url: str,
    *,
    sha256: str | None,
    requires_python: str | None,
    yanked: bool | str,
    size: int | None,
    core_metadata: tuple[bool | None, str | None],
) -> FileEntry:
    """A :data:`FileEntry` of checked fields, in its order."""
    offered, metadata_sha256 = core_metadata
    return [
        filename,
        url,
        dist_kind(filename),
        sha256,
        requires_python,
        yanked,
        size,
        offered,
        metadata_sha256,
    ]


def core_metadata_offer(value: object) -> tuple[bool | None, str | None]:
    """Whether a PEP 691 ``core-metadata`` value offers the ``.metadata`` file, and its
    sha256. A file offered with a digest that is not one is not used."""
    if type(value) is not dict:
        return (None if value is None else bool(value)), None
    if "sha256" not in value:
        return bool(value), None
    digest = valid_sha256(value["sha256"])
    return digest is not None, digest


def page_digest(hashes: dict[str, Any], filename: str) -> str | Literal[False] | None:
    """The sha256 of a PEP 691 ``hashes`` dict: ``None`` when it gives none, ``False``
    (the file is left out, with a warning) when it gives one that is not 64 hex digits."""
    if "sha256" not in hashes:
        return None
    digest = valid_sha256(hashes["sha256"])
    if digest is None:
        _warn_invalid_digest(filename)
        return False
    return digest


def checked_requires_python(value: object, filename: str) -> str | Literal[False] | None:
    """A file's ``requires-python``; ``False`` (the file is left out, with a warning)
    for one too long, or with a number too long, to be a Python version range."""
    if type(value) is not str:
        return None
    if len(value) > MAX_REQUIRES_PYTHON_CHARS or _LONG_NUMBER.search(value):
        logger.warning(
            "the index gives %s a requires-python of %d characters; the file is ignored",
            filename,
            len(value),
        )
        return False
    return value


def _warn_invalid_digest(filename: str) -> None:
    logger.warning("the index gives %s a sha256 that is not one; the file is ignored", filename)


def yanked_value(value: Any) -> bool | str:
    """A file's ``yanked``: its reason when the index gives one, else whether it is."""
    if type(value) is str and value:
        return value
    return value is not False and value is not None


def fragment_digest(fragment: str, filename: str) -> str | Literal[False] | None:
    """The sha256 of a ``sha256=<hex>`` fragment or attribute, as :func:`page_digest`."""
    algorithm, _, value = fragment.partition("=")
    if algorithm != "sha256":
        return None
    digest = valid_sha256(value)
    if digest is None:
        _warn_invalid_digest(filename)
        return False
    return digest


def filename_from_url(url: str) -> str:
    return unquote(posixpath.basename(urlsplit(url).path))
