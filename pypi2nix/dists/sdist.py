"""What an sdist tells without being built: its metadata files and its file list.

:func:`read_tar_sdist` and :func:`read_zip_sdist` collect the few small files that
matter (``PKG-INFO``, ``pyproject.toml``, ``setup.cfg``, ``*.egg-info/requires.txt``
and ``top_level.txt``); :func:`sdist_metadata` turns them into dependency metadata
without running any code.
"""

from __future__ import annotations

import base64
import os
import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from pypi2nix.dists.archive import (
    MAX_MEMBER_BYTES,
    MAX_MEMBERS,
    ArchiveError,
    read_zip_member,
    scan_tar,
    zip_names,
)
from pypi2nix.dists.metadata import (
    parse_core_metadata,
    parse_egg_info_requires,
    parse_setup_cfg_requires,
)
from pypi2nix.dists.modules import ModuleImports, is_checkable_source
from pypi2nix.dists.setuptools_selection import setup_py_name
from pypi2nix.errors import MetadataError
from pypi2nix.models import CoreMetadata
from pypi2nix.project_files import (
    MetadataParseError,
    PyprojectFacts,
    parse_pyproject,
    poetry_metadata,
    project_table_metadata,
    setup_cfg_name_and_version,
)

if TYPE_CHECKING:
    import zipfile
    from collections.abc import Callable, Mapping
    from pathlib import Path

    from packaging.requirements import Requirement
    from packaging.utils import NormalizedName

    from pypi2nix.dists.streams import Readable
    from pypi2nix.models import DistFile

_ROOT_FILES = frozenset({"PKG-INFO", "pyproject.toml", "setup.cfg"})
# Folders of a source tree that are not part of the project.
SKIPPED_FOLDERS = frozenset(
    {".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "__pycache__", "node_modules",
     "build", "dist", ".eggs", ".mypy_cache", ".pytest_cache", ".ruff_cache"}
)  # fmt: skip
# A license file at the root (``LICENSE``, ``LICENSE.txt``, ``COPYING.md``, ...).
_LICENSE_FILE = re.compile(r"^(?:LICEN[CS]E|COPYING)(?:\.(?:txt|md|rst))?$", re.IGNORECASE)
MAX_LICENSE_BYTES = 64 * 1024
# setup.py is kept (and cached) for the modules it may declare as literals.
SETUP_PY = "setup.py"
MAX_SETUP_PY_BYTES = 256 * 1024
_EGG_INFO_FILE = re.compile(r"^(?:src/)?[^/]+\.egg-info/(requires\.txt|top_level\.txt|PKG-INFO)$")
# Module sources kept (for the run only) for the static import check.
MAX_KEPT_SOURCES_BYTES = 1024 * 1024


class NoStaticMetadata(ValueError):
    """The sdist declares its dependencies only in code."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildRequest:
    """An sdist whose metadata only its build backend can give: what running it needs."""

    name: NormalizedName
    version: str
    # Its sha256 is known: the file is checked when it is downloaded whole.
    sdist: DistFile
    contents: SdistContents


class NeedsBuild(MetadataError):
    """No static file of the release gives its metadata: its build backend must run."""

    def __init__(self, request: BuildRequest, reason: str) -> None:
        super().__init__(request.name, request.version, reason)
        self.request = request


@dataclass(frozen=True, slots=True, kw_only=True)
class SdistContents:
    """The interesting files of an sdist, keyed by their path below the root folder."""

    files: Mapping[str, bytes]
    names: tuple[str, ...]
    complete: bool
    imports: ModuleImports = field(default_factory=ModuleImports)
    # pyproject.toml, parsed once when read: its facts, or why it does not parse.
    pyproject: PyprojectFacts | None = None
    pyproject_error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "sdist",
            "files": {path: base64.b64encode(data).decode() for path, data in self.files.items()},
            "names": list(self.names),
            "complete": self.complete,
            "imports": self.imports.to_json(),
            "pyproject": None if self.pyproject is None else self.pyproject.to_json(),
            "pyproject_error": self.pyproject_error,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SdistContents:
        return cls(
            files={path: base64.b64decode(text) for path, text in data["files"].items()},
            names=tuple(data["names"]),
            complete=bool(data["complete"]),
            imports=ModuleImports.from_json(data["imports"]),
            pyproject=None
            if data["pyproject"] is None
            else PyprojectFacts.from_json(data["pyproject"]),
            pyproject_error=data["pyproject_error"],
        )

    def egg_info(self, member: str) -> bytes | None:
        for path, data in sorted(self.files.items()):
            match = _EGG_INFO_FILE.match(path)
            if match and match[1] == member:
                return data
        return None

    def license_file(self) -> str | None:
        """The text of the license file at the root, when one was read."""
        for path, data in sorted(self.files.items()):
            if _LICENSE_FILE.match(path):
                return data.decode("utf-8", "replace")
        return None

    @property
    def has_egg_info(self) -> bool:
        return any(_EGG_INFO_FILE.match(path) for path in self.files)


def read_tar_sdist(stream: Readable, filename: str, *, until_pyproject: bool) -> SdistContents:
    """Stream a tar sdist; with ``until_pyproject`` stop once ``pyproject.toml`` is read,
    else read it all. Small Python sources met on the way are kept too."""
    collector = _Collector()

    def visit(name: str, size: int, read: Callable[[], bytes]) -> bool:
        relative = collector.add(name)
        if relative is not None and collector.wants(relative, size):
            collector.keep(relative, read())
            return until_pyproject and relative == "pyproject.toml"
        return False

    complete = scan_tar(stream, filename, visit)
    return collector.contents(complete=complete)


def read_tree(root: Path) -> SdistContents:
    """Read a project's source tree (a local directory or a checkout) like an sdist.

    Only regular files count: symlinks are never followed, and version control,
    virtual environment and build folders are skipped.

    :raises ArchiveError: when the tree has more files than an archive may.
    """
    collector = _Collector()
    collector.root = "tree"
    count = 0
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(d for d in subdirectories if d not in SKIPPED_FOLDERS)
        for name in sorted(files):
            path = os.path.join(directory, name)
            if not os.path.isfile(path) or os.path.islink(path):
                continue
            count += 1
            if count > MAX_MEMBERS:
                raise ArchiveError(f"the tree has more than {MAX_MEMBERS} files")
            relative = collector.add("tree/" + os.path.relpath(path, root).replace(os.sep, "/"))
            size = os.path.getsize(path)
            if relative is not None and collector.wants(relative, size):
                with open(path, "rb") as handle:
                    collector.keep(relative, handle.read(MAX_MEMBER_BYTES))
    return collector.contents(complete=True)


def local_project_name(path: Path) -> str:
    """The name a local project folder declares in its static files.

    :raises ValueError: when it declares none, or its files are malformed.
    """
    contents = read_tree(path)
    pkg_info = contents.files.get("PKG-INFO") or contents.egg_info("PKG-INFO")
    if pkg_info is not None:
        return parse_core_metadata(pkg_info).name
    return _project_or_setup_cfg(contents, str(path), need_version=False).name


def tree_metadata(contents: SdistContents, *, source: str) -> CoreMetadata:
    """Core metadata of a source tree from its static files: ``PKG-INFO``, else the
    ``[project]`` table of ``pyproject.toml``, else ``setup.cfg``.

    :raises NoStaticMetadata: when the name, version or dependencies are only known
        to code; the message says which file to change.
    :raises MetadataParseError: when the files are malformed.
    """
    pkg_info = contents.files.get("PKG-INFO") or contents.egg_info("PKG-INFO")
    if pkg_info is not None:
        base = parse_core_metadata(pkg_info)
    else:
        base = _project_or_setup_cfg(contents, source)
    return sdist_metadata(contents, project=base.name, version=base.version, base=base)


def _project_or_setup_cfg(
    contents: SdistContents, source: str, *, need_version: bool = True
) -> CoreMetadata:
    pyproject = contents.files.get("pyproject.toml")
    project = None if pyproject is None else project_table_metadata(pyproject, source=source)
    setup_cfg = contents.files.get("setup.cfg")
    cfg_name, cfg_version = (
        (None, None) if setup_cfg is None else setup_cfg_name_and_version(setup_cfg)
    )
    poetry = None if pyproject is None or project is not None else poetry_metadata(pyproject)
    name = project.name if project is not None else cfg_name or (poetry.name if poetry else None)
    if name is None and SETUP_PY in contents.files:
        name = setup_py_name(contents.files[SETUP_PY])
    if poetry is not None and need_version:
        raise NoStaticMetadata(
            f"{name} declares its dependencies in [tool.poetry], in Poetry's own terms"
        )
    if name is None:
        raise NoStaticMetadata(
            "it declares no name: add a [project] table with name and version to its pyproject.toml"
        )
    version = (project.version if project is not None else None) or cfg_version
    if not version and not need_version:
        version = "0"
    if not version:
        raise NoStaticMetadata(f"the version of {name} is dynamic (computed by its build backend)")
    base = project or CoreMetadata(name=name, version=version)
    return replace(base, version=version)


def read_zip_sdist(archive: zipfile.ZipFile) -> SdistContents:
    """Read a zip sdist through its central directory (always the complete list)."""
    collector = _Collector()
    for name in zip_names(archive):
        if name.endswith("/"):
            continue
        relative = collector.add(name)
        size = archive.getinfo(name).file_size
        if relative is not None and collector.wants(relative, size):
            collector.keep(relative, read_zip_member(archive, name))
    return collector.contents(complete=True)


class _Collector:
    """The metadata files of an sdist, and what its module sources import."""

    def __init__(self) -> None:
        self.root: str | None = None
        self.names: list[str] = []
        self.files: dict[str, bytes] = {}
        self.sources: dict[str, bytes] = {}
        self.kept_bytes = 0

    def wants(self, relative: str, size: int) -> bool:
        if relative in _ROOT_FILES or _EGG_INFO_FILE.match(relative):
            return True
        if _LICENSE_FILE.match(relative):
            return size <= MAX_LICENSE_BYTES
        if relative == SETUP_PY:
            return size <= MAX_SETUP_PY_BYTES
        return self.kept_bytes + size <= MAX_KEPT_SOURCES_BYTES and is_checkable_source(
            relative, size
        )

    def keep(self, relative: str, data: bytes) -> None:
        if relative.endswith(".py") and relative != SETUP_PY:
            self.sources[relative] = data
            self.kept_bytes += len(data)
        else:
            self.files[relative] = data

    def contents(self, *, complete: bool) -> SdistContents:
        pyproject, error = None, None
        if "pyproject.toml" in self.files:
            try:
                pyproject = parse_pyproject(self.files["pyproject.toml"], source=self.root or "")
            except MetadataParseError as parse_error:
                error = str(parse_error)
        return SdistContents(
            files=self.files,
            names=tuple(self.names),
            complete=complete,
            imports=ModuleImports(sources=self.sources),
            pyproject=pyproject,
            pyproject_error=error,
        )

    def add(self, name: str) -> str | None:
        """Record a member; return its path below the root, or ``None`` when unsafe."""
        parts = [part for part in name.split("/") if part not in ("", ".")]
        if not parts or name.startswith("/") or ".." in parts or "\\" in name:
            return None
        if self.root is None:
            self.root = parts[0] if len(parts) > 1 else ""
        if self.root and parts[0] == self.root:
            parts = parts[1:]
        relative = "/".join(parts)
        if relative:
            self.names.append(relative)
        return relative or None


def sdist_metadata(
    contents: SdistContents, *, project: str, version: str, base: CoreMetadata | None = None
) -> CoreMetadata:
    """Core metadata of an sdist with its dependencies from static files only.

    Order: ``PKG-INFO`` when it is Metadata 2.2+ with static ``Requires-Dist``; then
    ``*.egg-info/requires.txt`` (its absence in an egg-info means no dependencies);
    then ``[project]`` in ``pyproject.toml``; then ``setup.cfg``.

    :raises NoStaticMetadata: when only running ``setup.py`` could tell.
    :raises MetadataParseError: when the files are malformed.
    """
    pkg_info = contents.files.get("PKG-INFO") or contents.egg_info("PKG-INFO")
    if base is not None:
        metadata = base
    elif pkg_info is not None:
        metadata = parse_core_metadata(pkg_info)
    else:
        metadata = CoreMetadata(name=project, version=version)
    if (pkg_info is not None or base is not None) and metadata.has_static_dependencies:
        return metadata
    requires = _static_requirements(contents, project)
    if requires is None:
        raise NoStaticMetadata("its dependencies are only declared in setup.py")
    return replace(metadata, requires_dist=requires)


def _static_requirements(contents: SdistContents, project: str) -> tuple[Requirement, ...] | None:
    requires_txt = contents.egg_info("requires.txt")
    if requires_txt is not None:
        return parse_egg_info_requires(requires_txt, source=project)
    if contents.has_egg_info:
        return ()
    if contents.pyproject is not None and contents.pyproject.dependencies is not None:
        return contents.pyproject.dependencies
    setup_cfg = contents.files.get("setup.cfg")
    if setup_cfg is not None:
        return parse_setup_cfg_requires(setup_cfg, source=project)
    return None


def build_requirements(contents: SdistContents) -> tuple[Requirement, ...] | None:
    """``[build-system] requires`` of the sdist, or ``None`` when it declares none.

    :raises MetadataParseError: when its ``pyproject.toml`` does not parse.
    """
    if contents.pyproject_error is not None:
        raise MetadataParseError(contents.pyproject_error)
    return None if contents.pyproject is None else contents.pyproject.build_requires


__all__ = [
    "MetadataParseError",
    "NoStaticMetadata",
    "SdistContents",
    "build_requirements",
    "read_tar_sdist",
    "read_tree",
    "read_zip_sdist",
    "sdist_metadata",
    "tree_metadata",
]
