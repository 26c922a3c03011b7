"""What the lock readers share: reading the file, typed access to its keys with the
key path in every error, and files named by their URL."""

from __future__ import annotations

import tomllib
from typing import TYPE_CHECKING, Any

from packaging.markers import InvalidMarker, Marker
from packaging.utils import NormalizedName, canonicalize_name

from pypi2nix.errors import InputFileError
from pypi2nix.local_files import LocalFileError, read_local_file
from pypi2nix.models import valid_sha256

if TYPE_CHECKING:
    from pathlib import Path

MAX_LOCK_BYTES = 64 * 1024 * 1024


class BadLock(InputFileError):
    """A lock that cannot be used: one line naming the file and what is wrong."""


def read_bytes(path: Path) -> bytes:
    try:
        return read_local_file(path, MAX_LOCK_BYTES)
    except LocalFileError as error:
        raise BadLock(f"cannot read {path}: {error.reason}") from error


def read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(read_bytes(path).decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError) as error:
        raise BadLock(f"{path} is not valid TOML ({error})") from error


def malformed(path: Path, key: str, what: str) -> BadLock:
    return BadLock(f"{path}: {key}: {what}")


def table(value: object, path: Path, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise malformed(path, key, "expected a table")
    return value


def tables(value: object, path: Path, key: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise malformed(path, key, "expected an array of tables")
    return [table(item, path, f"{key}[{number}]") for number, item in enumerate(value)]


def string(data: dict[str, Any], name: str, path: Path, key: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise malformed(path, f"{key}.{name}", "expected a string")
    return value


def optional_string(data: dict[str, Any], name: str, path: Path, key: str) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise malformed(path, f"{key}.{name}", "expected a string")
    return value


def strings(value: object, path: Path, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise malformed(path, key, "expected an array of strings")
    return tuple(value)


def project_name(data: dict[str, Any], path: Path, key: str) -> NormalizedName:
    return canonicalize_name(string(data, "name", path, key))


def marker(value: object, path: Path, key: str) -> str | None:
    """A marker as the lock spells it, checked (``None`` or empty: none)."""
    if not value:
        return None
    if not isinstance(value, str):
        raise malformed(path, key, "expected a marker string")
    try:
        return str(Marker(value))
    except InvalidMarker as error:
        raise malformed(path, key, f"invalid marker ({error})") from error


def sha256_of(value: object, path: Path, key: str) -> str | None:
    """A ``sha256:HEX`` (or bare hex) hash; ``None`` when there is none."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise malformed(path, key, "expected a hash string")
    algorithm, _, digest = value.rpartition(":")
    checked = valid_sha256(digest)
    if algorithm not in ("", "sha256") or checked is None:
        raise malformed(path, key, f"not a sha256 hash: {value!r}")
    return checked


def filename_of(url: str) -> str:
    return url.split("#", 1)[0].split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
