"""Direct references: requirements that name an archive URL, a git repository or a
local path instead of versions on an index.

Spellings, as pip writes them: ``name[extras] @ URL ; marker``, ``git+URL@REV#egg=name``
(with or without ``-e``), ``https://host/name-1.0.tar.gz``, and local paths
(``./libs/foo``, ``../foo-1.0.tar.gz``, ``/abs/path``, ``file:///abs/path``). A local
path without a name gets the one its static metadata declares.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit
from urllib.request import url2pathname

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

from pypi2nix.errors import InputError
from pypi2nix.filenames import dist_kind, is_archive, split_sdist_suffix
from pypi2nix.models import DirectSource

if TYPE_CHECKING:
    from collections.abc import Callable

    from pypi2nix.errors import Origin

_OTHER_VCS = ("hg+", "svn+", "bzr+")
_PATH_WITH_EXTRAS = re.compile(r"^(?P<path>.+?)(?P<extras>\[[^\]]*\])?$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_AT_URL = re.compile(r"@\s*(?:git\+|https?:|file:|\.{0,2}/)")
_NAMED = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]]*\])?)\s*@\s*(?P<location>.+)$"
)


def looks_direct(text: str) -> bool:
    """Whether a requirement line names a URL or a path rather than a project."""
    head = text.split(";", 1)[0].strip()
    return (
        "://" in head
        or " @ " in head
        or head.startswith((".", "/", "~", "git+", *_OTHER_VCS, "file:"))
        or is_archive(head.split("[", 1)[0])
    )


def parse_direct(
    origin: Origin,
    text: str,
    *,
    base: Path,
    project_name: Callable[[Path], str],
) -> tuple[Requirement, DirectSource]:
    """The requirement (name, extras, marker) and the source of a direct reference.

    :param base: the directory relative paths start from.
    :param project_name: reads the name a local tree or archive declares.
    :raises InputError: for a reference pypi2nix cannot use, saying why.
    """
    spec, _, marker = text.partition(";")
    spec = spec.strip()
    named = _NAMED.match(spec)
    if named is not None:
        name_part, location = named["name"], named["location"].strip()
    elif _AT_URL.search(spec):
        raise InputError(
            origin, "invalid requirement: write NAME[extras] @ URL, without a version specifier"
        )
    else:
        name_part, location = None, spec
    if location.startswith(_OTHER_VCS):
        raise InputError(origin, "only git repositories are supported, not other VCS")
    if location.startswith("git://"):  # pip's spelling of git+git://
        location = "git+" + location
    if location.startswith("git+"):
        source, egg = _git_source(origin, location)
        name_part = name_part or egg
        if name_part is None:
            raise InputError(origin, "give the project's name: 'NAME @ git+URL' or '#egg=NAME'")
    elif location.startswith(("http://", "https://")):
        source = _url_source(origin, location)
        name_part = name_part or _archive_name(origin, source.url)
    elif _SCHEME.match(location) and not location.startswith("file:"):
        scheme = location.split(":", 1)[0]
        raise InputError(origin, f"unsupported URL scheme {scheme!r}: use https://, git+ or a path")
    else:
        path_text, extras = location, ""
        if name_part is None:
            match = _PATH_WITH_EXTRAS.match(location)
            assert match is not None
            path_text, extras = match["path"], match["extras"] or ""
        path = _local_path(origin, path_text, base)
        source = DirectSource(kind="path", url=str(path))
        if name_part is None:
            name_part = _local_name(origin, path, project_name) + extras
    requirement = _requirement(origin, name_part, marker)
    return requirement, source


def _requirement(origin: Origin, name_part: str, marker: str) -> Requirement:
    text = name_part.strip() + (f" ; {marker.strip()}" if marker.strip() else "")
    try:
        return Requirement(text)
    except InvalidRequirement as error:
        raise InputError(origin, f"invalid requirement ({str(error).splitlines()[0]})") from None


def _git_source(origin: Origin, location: str) -> tuple[DirectSource, str | None]:
    """``git+URL[@REV][#egg=NAME&subdirectory=DIR]``."""
    parts = urlsplit(location[len("git+") :])
    if parts.scheme not in ("https", "http", "ssh", "file", "git"):
        raise InputError(origin, f"unsupported git URL scheme {parts.scheme!r}")
    fragment = parse_qs(parts.fragment)
    egg = fragment.get("egg", [None])[0]
    subdirectory = fragment.get("subdirectory", [None])[0]
    path, rev = parts.path, None
    if "@" in path:
        path, _, rev = path.rpartition("@")
        if not rev:
            raise InputError(origin, "an empty git revision after '@'")
    if subdirectory is not None and (
        subdirectory.startswith("/") or ".." in subdirectory.split("/")
    ):
        raise InputError(origin, f"the subdirectory {subdirectory!r} leaves the repository")
    if subdirectory is not None:
        raise InputError(origin, "#subdirectory= is not supported: the project must be the root")
    url = urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))
    return DirectSource(kind="git", url=url, rev=rev), egg


def _url_source(origin: Origin, location: str) -> DirectSource:
    parts = urlsplit(location)
    filename = unquote(parts.path.rsplit("/", 1)[-1])
    if not is_archive(filename):
        raise InputError(origin, "a URL must name an sdist or a wheel (.tar.gz, .zip, .whl, ...)")
    expected = None
    fragment = parse_qs(parts.fragment)
    for algorithm, values in fragment.items():
        if algorithm == "sha256":
            expected = values[0].lower()
            if not _SHA256.fullmatch(expected):
                raise InputError(origin, f"malformed sha256 in the URL: {values[0]!r}")
        elif algorithm not in ("egg", "subdirectory"):
            raise InputError(origin, f"unsupported hash in the URL: {algorithm}")
    url = urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))
    return DirectSource(kind="url", url=url, sha256=expected)


def _archive_name(origin: Origin, url: str) -> str:
    filename = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    try:
        if dist_kind(filename) == "wheel":
            return str(parse_wheel_filename(filename)[0])
        stem, _suffix = split_sdist_suffix(filename)
        return str(parse_sdist_filename(f"{stem}.tar.gz")[0])
    except (InvalidSdistFilename, InvalidWheelFilename):
        raise InputError(
            origin, f"cannot tell the project from {filename!r}: write it as 'NAME @ URL'"
        ) from None


def _local_path(origin: Origin, text: str, base: Path) -> Path:
    if text.startswith("file:"):
        parts = urlsplit(text)
        if parts.netloc not in ("", "localhost"):
            raise InputError(origin, "a file: URL must name a local path")
        path = Path(url2pathname(parts.path))
    else:
        path = Path(text).expanduser()
    path = (base / path).resolve() if not path.is_absolute() else path.resolve()
    if not path.exists():
        raise InputError(origin, f"no such file or directory: {path}")
    if path.is_file() and not is_archive(path.name):
        raise InputError(origin, "a local path must be a project folder, an sdist or a wheel")
    return path


def _local_name(origin: Origin, path: Path, project_name: Callable[[Path], str]) -> str:
    if path.is_file():
        return _archive_name(origin, path.as_uri())
    try:
        return str(canonicalize_name(project_name(path)))
    except ValueError as error:
        raise InputError(origin, f"cannot tell the name of {path}: {error}") from error
