"""What the cache gives back is input too: the shape and values of a file-facts entry
are checked before they are used, and an entry that fails is a miss (read again).

These checks only say yes or no; the ``from_json`` methods of the facts then build
the objects (a requirement string that does not parse fails there).
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from pypi2nix.models import is_import_mark

# PEP 508's project names.
_PROJECT_NAME = re.compile(r"[A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9]", re.IGNORECASE)
_LIST_FIELDS = frozenset({"classifiers", "requires_dist", "provides_extra", "dynamic"})
_DICT_FIELDS = frozenset({"project_urls"})


def valid_wheel_facts(entry: dict[str, Any]) -> bool:
    metadata = entry.get("metadata")
    return (
        (metadata is None or _valid_metadata(metadata))
        and _strings(entry.get("names"))
        and _valid_imports(entry.get("imports"))
    )


def valid_sdist_contents(entry: dict[str, Any]) -> bool:
    files = entry.get("files")
    pyproject = entry.get("pyproject")
    return (
        type(files) is dict
        and all(type(path) is str and _base64(text) for path, text in files.items())
        and _strings(entry.get("names"))
        and type(entry.get("complete")) is bool
        and _valid_imports(entry.get("imports"))
        and (pyproject is None or _valid_pyproject(pyproject))
        and _optional_string(entry.get("pyproject_error"))
    )


def valid_native_facts(entry: dict[str, Any]) -> bool:
    return all(_strings(entry.get(name)) for name in ("libraries", "needed", "guarded"))


def _valid_metadata(fields: object) -> bool:
    """Fields of a METADATA file (:func:`pypi2nix.dists.metadata.metadata_fields`), each
    of its type, with a project name as ``name``."""
    if type(fields) is not dict or not all(type(key) is str for key in fields):
        return False
    name = fields.get("name")
    if type(name) is not str or not _PROJECT_NAME.fullmatch(name):
        return False
    for key, value in fields.items():
        if key in _LIST_FIELDS:
            valid = _strings(value)
        elif key in _DICT_FIELDS:
            valid = type(value) is dict and _strings([*value.keys(), *value.values()])
        else:
            valid = type(value) is str
        if not valid:
            return False
    return bool(fields.get("version"))


def _valid_imports(imports: object) -> bool:
    """Module path -> the dotted names it imports (``None``: it does not parse)."""
    if type(imports) is not dict:
        return False
    return all(
        type(path) is str
        and (names is None or (_strings(names) and all(map(_imported_name, names))))
        for path, names in imports.items()
    )


def _valid_pyproject(facts: object) -> bool:
    if type(facts) is not dict:
        return False
    groups = facts.get("dependency_groups")
    return (
        _optional_strings(facts.get("build_requires"))
        and _optional_strings(facts.get("dependencies"))
        and _optional_string(facts.get("build_backend"))
        and _optional_strings(facts.get("backend_path"))
        and type(groups) is list
        and all(
            type(group) is list
            and len(group) == 2
            and type(group[0]) is str
            and _optional_strings(group[1])
            for group in groups
        )
    )


def _imported_name(name: str) -> bool:
    """A dotted module name, or a mark (a module-level ``raise ImportError``, a
    namespace declaration)."""
    return is_import_mark(name) or all(part.isidentifier() for part in name.split("."))


def _strings(value: object) -> bool:
    return type(value) is list and all(type(item) is str for item in value)


def _optional_strings(value: object) -> bool:
    return value is None or _strings(value)


def _optional_string(value: object) -> bool:
    return value is None or type(value) is str


def _base64(text: object) -> bool:
    if type(text) is not str:
        return False
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True
