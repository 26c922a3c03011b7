"""The lock graph kept in ``pylock.toml``'s pypi2nix tool tables, for ``pypi2nix tree``.

PEP 751 gives each package its dependencies, but not the file the Nix output builds,
the system libraries of a binary wheel, the dependencies each target has where they
differ, nor the top-level requirements. pypi2nix keeps those in its tool tables:

- ``[tool.pypi2nix] roots``: the top-level requirements (of the first target), and
  ``[tool.pypi2nix.target-roots]`` for each target whose roots differ;
- ``[[packages.tool.pypi2nix.builds]]``: each way a package is built, with the
  ``targets`` it serves (left out when there is one way), its ``file`` (left out for a
  git, folder or archive source), its ``dependencies`` where they differ from the
  package's, the ``libraries`` (sonames) a Linux binary wheel needs, and the
  ``extras`` its dependencies include.

Reading it back gives one target's graph as plain data (:func:`read_graph`); the file
is read with packaging's own :mod:`packaging.pylock`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from packaging.pylock import Pylock, PylockUnsupportedVersionError, PylockValidationError
from packaging.utils import NormalizedName, canonicalize_name

from pypi2nix.errors import InputFileError, UsageError
from pypi2nix.target import Target

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from packaging.pylock import Package

    from pypi2nix.models import LockGraph, Pin, PinVariant

TOOL = "pypi2nix"

SourceKind = Literal["wheel", "sdist", "git", "local", "url"]


def roots_record(graphs: Sequence[LockGraph]) -> dict[str, Any]:
    """The ``roots`` (and ``target-roots``) entries of ``[tool.pypi2nix]``."""
    if not graphs:
        return {}
    first = sorted(graphs[0].roots)
    others = {
        graph.target.key: sorted(graph.roots)
        for graph in graphs[1:]
        if sorted(graph.roots) != first
    }
    return {"roots": first, **({"target-roots": others} if others else {})}


def builds_record(group: Sequence[PinVariant], dependencies: Sequence[str]) -> dict[str, Any]:
    """The ``[packages.tool.pypi2nix]`` table of one package: its builds, each with the
    targets it serves, in target order.

    :param dependencies: the names the package's ``dependencies`` list.
    """
    builds: dict[_BuildKey, list[str]] = {}
    for variant in group:
        for target, pin in zip(variant.targets, variant.pins, strict=True):
            builds.setdefault(_build_key(pin), []).append(target.key)
    records = []
    for (file, needs, libraries, extras), keys in builds.items():
        record: dict[str, Any] = {}
        if len(builds) > 1:
            record["targets"] = keys
        if file is not None:
            record["file"] = file
        if list(needs) != list(dependencies):
            record["dependencies"] = list(needs)
        if libraries:
            record["libraries"] = list(libraries)
        if extras:
            record["extras"] = list(extras)
        records.append(record)
    return {"builds": records}


_BuildKey = tuple[str | None, tuple[str, ...], tuple[str, ...], tuple[str, ...]]


def _build_key(pin: Pin) -> _BuildKey:
    file = None if pin.direct is not None else pin.source.filename
    needs = tuple(dependency.name for dependency in pin.dependencies)
    return file, needs, tuple(pin.system_libraries), tuple(sorted(pin.extras))


@dataclass(frozen=True, slots=True)
class GraphNode:
    """A pin of one target: where it comes from and what it needs."""

    name: NormalizedName
    version: str
    source: SourceKind
    # The file the Nix output builds (None for a git, folder or archive source).
    file: str | None = None
    dependencies: tuple[NormalizedName, ...] = ()
    # The shared libraries (sonames) a Linux binary wheel needs from the system.
    libraries: tuple[str, ...] = ()
    # The extras its dependencies include.
    extras: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LockedGraph:
    """The pins of one target of a lock, and its top-level requirements."""

    target: Target
    roots: tuple[NormalizedName, ...]
    nodes: dict[NormalizedName, GraphNode] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RecordedLock:
    """A ``pylock.toml`` read for its graphs."""

    path: Path
    document: Pylock
    targets: tuple[Target, ...]

    def graph(self, target: Target) -> LockedGraph:
        """The graph of one of :attr:`targets`.

        :raises InputFileError: for a lock without pypi2nix's graph tables.
        """
        ours = _ours(self.document.tool)
        roots = ours.get("roots")
        by_target = ours.get("target-roots")
        if isinstance(by_target, dict) and isinstance(by_target.get(target.key), list):
            roots = by_target[target.key]
        if not isinstance(roots, list):
            raise self._unrecorded()
        nodes: dict[NormalizedName, GraphNode] = {}
        for package in self.document.packages:
            if package.version is None or not target.evaluates(package.marker):
                continue
            build = self._build(package, target)
            nodes[package.name] = _node(package, build)
        names = tuple(canonicalize_name(str(root)) for root in roots)
        return LockedGraph(target, tuple(name for name in names if name in nodes), nodes)

    def _build(self, package: Package, target: Target) -> dict[str, Any]:
        builds = _ours(package.tool).get("builds")
        if not isinstance(builds, list) or not builds:
            raise self._unrecorded()
        for build in builds:
            if not isinstance(build, dict):
                raise self._unrecorded()
            keys = build.get("targets")
            if len(builds) == 1 or (isinstance(keys, list) and target.key in keys):
                return build
        raise InputFileError(f"{self.path}: {package.name} has no build for {target.describe()}")

    def _unrecorded(self) -> InputFileError:
        return InputFileError(
            f"{self.path} does not record the lock's graph (it was written by another "
            "tool or an earlier pypi2nix): run 'pypi2nix generate' there again"
        )


def _ours(tool: object) -> dict[str, Any]:
    table = tool.get(TOOL) if isinstance(tool, dict) else None
    return table if isinstance(table, dict) else {}


def _node(package: Package, build: dict[str, Any]) -> GraphNode:
    listed = [str(item.get("name", "")) for item in package.dependencies or ()]
    needs = build.get("dependencies", listed)
    file = build.get("file")
    libraries = build.get("libraries", [])
    extras = build.get("extras", [])
    assert package.version is not None
    return GraphNode(
        name=package.name,
        version=str(package.version),
        source=_source(package, file if isinstance(file, str) else None),
        file=file if isinstance(file, str) else None,
        dependencies=tuple(canonicalize_name(str(name)) for name in needs),
        libraries=tuple(str(library) for library in libraries),
        extras=tuple(str(extra) for extra in extras),
    )


def _source(package: Package, file: str | None) -> SourceKind:
    if package.vcs is not None:
        return "git"
    if package.directory is not None:
        return "local"
    if package.archive is not None:
        return "url" if package.archive.url is not None else "local"
    if file is not None and file.endswith(".whl"):
        return "wheel"
    return "sdist"


def load_pylock(content: bytes, path: Path) -> Pylock:
    """A ``pylock.toml``'s bytes, read by packaging's reader.

    :raises InputFileError: for bytes that are not a valid lock.
    """
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputFileError(f"cannot read {path}: {error}") from error
    try:
        return Pylock.from_dict(tomllib.loads(text))
    except (tomllib.TOMLDecodeError, RecursionError) as error:
        raise InputFileError(f"{path}: not TOML ({error})") from error
    except (PylockValidationError, PylockUnsupportedVersionError) as error:
        raise InputFileError(f"{path}: not a valid lock ({error})") from error


def read_recorded_lock(path: Path) -> RecordedLock:
    """A ``pylock.toml`` written by ``generate``, and the targets it was made for.

    :raises InputFileError: for a file that cannot be read or is not a valid lock.
    """
    try:
        content = path.read_bytes()
    except OSError as error:
        raise InputFileError(f"cannot read {path}: {error}") from error
    document = load_pylock(content, path)
    keys = _ours(document.tool).get("targets")
    try:
        targets = tuple(Target.from_key(str(key)) for key in keys or ())
    except (UsageError, TypeError) as error:
        raise InputFileError(f"{path}: its targets are not pypi2nix's ({error})") from error
    if not targets:
        raise InputFileError(
            f"{path} names no targets (it was not written by pypi2nix): "
            "run 'pypi2nix generate' there"
        )
    return RecordedLock(path, document, targets)
