"""``file://`` URLs: an index, a ``--find-links`` folder and the files they hold, read
from this machine instead of the network.

A project page ``file:///DIR/NAME/`` is ``DIR/NAME/index.html`` when there is one
(an index laid out as the Simple API), else a listing of ``DIR/NAME/`` when it is a
folder, else (a flat folder of wheels and sdists, as ``--find-links`` takes it) the
files of ``DIR`` that are releases of NAME. Listings give every file's sha256, so
each pin from them is checked as an index file is.
"""

from __future__ import annotations

import hashlib
import html
from pathlib import Path
from typing import IO, TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit
from urllib.request import url2pathname

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

from pypi2nix.credentials import redact_url
from pypi2nix.dists.streams import RangeResponse
from pypi2nix.errors import NetworkError
from pypi2nix.filenames import dist_kind, is_archive, split_sdist_suffix

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")
HTML = "text/html"


def is_file_url(url: str) -> bool:
    return url.startswith("file:")


def file_path(url: str) -> Path:
    """The path a ``file:`` URL names (``file:///abs`` or ``file://localhost/abs``)."""
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise ValueError(f"{url}: a file: URL must name a path on this machine")
    return Path(url2pathname(parts.path))


def folder_url(path: Path) -> str:
    """The ``file:`` URL of a folder, ending with a slash, as index URLs do."""
    return path.resolve().as_uri().rstrip("/") + "/"


def read_url(url: str) -> tuple[bytes, str] | None:
    """A local file's bytes, else a page as :func:`read_page` reads it."""
    path = file_path(url)
    if path.is_file():
        return path.read_bytes(), "application/octet-stream"
    return read_page(url)


def read_page(url: str) -> tuple[bytes, str] | None:
    """The body and content type of a page under a ``file:`` index, or ``None`` (the
    project is not there, as a 404)."""
    path = file_path(url)
    if (path / "index.html").is_file():
        return (path / "index.html").read_bytes(), HTML
    if path.is_dir():
        return _listing(path.name, sorted(p for p in path.iterdir() if is_archive(p.name)))
    folder, name = path.parent, canonicalize_name(path.name)
    if not folder.is_dir():
        return None
    found = sorted(p for p in folder.iterdir() if p.is_file() and _project_of(p.name) == name)
    return _listing(name, found) if found else None


def read_file(url: str, consume: Callable[[IO[bytes]], T]) -> T:
    """Stream a local file into ``consume``.

    :raises NetworkError: when there is none (as a 404 of a file)."""
    path = file_path(url)
    if not path.is_file():
        raise NetworkError(redact_url(url), "no such file")
    with path.open("rb") as handle:
        return consume(handle)


def read_range(url: str, start: int | None, end: int) -> RangeResponse:
    """Bytes ``start..end`` (inclusive) of a local file; ``start=None``: the last ``end``.

    :raises NetworkError: when there is none."""
    path = file_path(url)
    if not path.is_file():
        raise NetworkError(redact_url(url), "no such file")
    with path.open("rb") as handle:
        total = handle.seek(0, 2)
        first = max(total - end, 0) if start is None else min(start, total)
        last = total - 1 if start is None else min(end, total - 1)
        handle.seek(first)
        content = handle.read(max(last - first + 1, 0))
    return RangeResponse(start=first, content=content, total_size=total)


def _listing(name: str, files: list[Path]) -> tuple[bytes, str]:
    links = [
        f'<a href="{html.escape(path.resolve().as_uri())}#sha256={_sha256(path)}">'
        f"{html.escape(path.name)}</a><br>"
        for path in files
    ]
    body = (
        "<!DOCTYPE html><html><head>"
        '<meta name="pypi:repository-version" content="1.0">'
        f"<title>Links for {html.escape(name)}</title></head><body>"
        + "\n".join(links)
        + "</body></html>\n"
    )
    return body.encode(), HTML


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _project_of(filename: str) -> str | None:
    if not is_archive(filename):
        return None
    try:
        if dist_kind(filename) == "wheel":
            return str(parse_wheel_filename(filename)[0])
        stem, _suffix = split_sdist_suffix(filename)
        return str(parse_sdist_filename(f"{stem}.tar.gz")[0])
    except (InvalidSdistFilename, InvalidWheelFilename):
        return None
