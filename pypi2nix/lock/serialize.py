"""A :class:`Lock` as plain JSON data, and back (for the lock cache).

Each distinct pin and file is written once, in a table, and named by its place in it:
a universal lock installs the same pin on many targets, and each pin lists every file
of its release (16 targets of 184 pins held 45,000 file entries, 2,800 distinct). Read
back, the targets share one object per pin and per file.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

import msgspec
from packaging.utils import NormalizedName
from packaging.version import Version

from pypi2nix.errors import UsageError
from pypi2nix.models import (
    BrokenCycleEdge,
    BuildRequirement,
    BuildTool,
    Dependency,
    DirectSource,
    DistFile,
    Lock,
    LockGraph,
    PackageMeta,
    Pin,
    VersionSplit,
)
from pypi2nix.target import Target

T = TypeVar("T")


def lock_to_json(lock: Lock) -> dict[str, Any]:
    tables = _Tables()
    graphs = [tables.graph(graph) for graph in lock.graphs]
    plain = _plain(dataclasses.replace(lock, graphs=()))
    return {**plain, "graphs": graphs, "pins": tables.pins, "files": tables.files}


def _plain(value: object) -> dict[str, Any]:
    """The dataclass as JSON data (tuples as lists, versions as strings), made in one
    pass by msgspec: ``dataclasses.asdict`` deep-copies, the slowest step of storing
    a lock."""
    return msgspec.json.decode(msgspec.json.encode(value, enc_hook=_version_text))  # type: ignore[no-any-return]


class _Tables:
    """The distinct pins and files of a lock, each with its place in the table."""

    def __init__(self) -> None:
        self.pins: list[dict[str, Any]] = []
        self.files: list[dict[str, Any]] = []
        self._pin_places: dict[Pin, int] = {}
        self._file_places: dict[DistFile, int] = {}

    def graph(self, graph: LockGraph) -> dict[str, Any]:
        plain = _plain(dataclasses.replace(graph, pins=(), build_tools=()))
        plain["pins"] = [self.pin(pin) for pin in graph.pins]
        plain["build_tools"] = [
            {"key": tool.key, "pin": self.pin(tool.pin), "dependencies": list(tool.dependencies)}
            for tool in graph.build_tools
        ]
        return plain

    def pin(self, pin: Pin) -> int:
        place = self._pin_places.get(pin)
        if place is None:
            plain = _plain(dataclasses.replace(pin, source=_NO_FILE, files=()))
            plain["source"] = self.file(pin.source)
            plain["files"] = [self.file(file) for file in pin.files]
            place = self._pin_places[pin] = len(self.pins)
            self.pins.append(plain)
        return place

    def file(self, file: DistFile) -> int:
        place = self._file_places.get(file)
        if place is None:
            place = self._file_places[file] = len(self.files)
            self.files.append(_plain(file))
        return place


_NO_FILE = DistFile(filename="", url="", kind="sdist", version=Version("0"))


def _version_text(value: object) -> str:
    if isinstance(value, Version):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON data")


def lock_from_json(data: dict[str, Any]) -> Lock:
    """:raises KeyError, TypeError, ValueError: for data of another shape."""
    versions: dict[str, Version] = {}
    files = [_file(file, versions) for file in data["files"]]
    pins = [
        _pin(pin, _at(files, pin["source"]), tuple(_at(files, place) for place in pin["files"]))
        for pin in data["pins"]
    ]
    return Lock(
        graphs=tuple(_graph(graph, pins) for graph in data["graphs"]),
        sources=tuple(data["sources"]),
        index_urls=tuple(data["index_urls"]),
        splits=tuple(_split(split) for split in data["splits"]),
    )


def _at(table: list[T], place: object) -> T:
    """The entry at a place in a table.

    :raises ValueError: when the place is not an index of the table.
    """
    if type(place) is not int or not 0 <= place < len(table):
        raise ValueError(f"no entry {place!r} in a table of {len(table)}")
    return table[place]


def _split(data: dict[str, Any]) -> VersionSplit:
    return VersionSplit(
        name=NormalizedName(data["name"]),
        versions=tuple(
            (str(version), tuple(_target(target) for target in targets))
            for version, targets in data["versions"]
        ),
        reason=str(data["reason"]),
    )


def _graph(data: dict[str, Any], pins: list[Pin]) -> LockGraph:
    return LockGraph(
        target=_target(data["target"]),
        pins=tuple(_at(pins, place) for place in data["pins"]),
        roots=tuple(NormalizedName(root) for root in data["roots"]),
        broken_edges=tuple(
            BrokenCycleEdge(
                dependent=NormalizedName(edge["dependent"]),
                dependency=NormalizedName(edge["dependency"]),
            )
            for edge in data["broken_edges"]
        ),
        build_tools=tuple(
            BuildTool(
                key=tool["key"],
                pin=_at(pins, tool["pin"]),
                dependencies=tuple(tool["dependencies"]),
            )
            for tool in data["build_tools"]
        ),
        built_metadata=tuple(NormalizedName(name) for name in data["built_metadata"]),
    )


def _target(data: dict[str, Any]) -> Target:
    try:
        return Target.parse(data["python"], data["system"])
    except UsageError as error:
        raise ValueError(str(error)) from None


def build_tool_to_json(tool: BuildTool) -> dict[str, Any]:
    return _plain(tool)


def build_tool_from_json(data: dict[str, Any]) -> BuildTool:
    """:raises KeyError, TypeError, ValueError: for data of another shape."""
    versions: dict[str, Version] = {}
    pin = data["pin"]
    files = tuple(_file(file, versions) for file in pin["files"])
    return BuildTool(
        key=data["key"],
        pin=_pin(pin, _file(pin["source"], versions), files),
        dependencies=tuple(data["dependencies"]),
    )


def _pin(data: dict[str, Any], source: DistFile, files: tuple[DistFile, ...]) -> Pin:
    return Pin(
        name=NormalizedName(data["name"]),
        pname=data["pname"],
        version=data["version"],
        source=source,
        files=files,
        build_system=tuple(data["build_system"]),
        build_backend=data["build_backend"],
        build_requirements=tuple(
            BuildRequirement(
                name=NormalizedName(item["name"]),
                specifier=item["specifier"],
                extras=tuple(item["extras"]),
                tool=item["tool"],
                locked_only=bool(item["locked_only"]),
            )
            for item in data["build_requirements"]
        ),
        dependencies=tuple(_dependency(item) for item in data["dependencies"]),
        dropped_dependencies=tuple(_dependency(item) for item in data["dropped_dependencies"]),
        extras=tuple(data["extras"]),
        optional_dependencies=tuple(
            (extra, tuple(NormalizedName(name) for name in names))
            for extra, names in data["optional_dependencies"]
        ),
        dependency_groups=tuple(
            (group, tuple(NormalizedName(name) for name in names))
            for group, names in data["dependency_groups"]
        ),
        import_names=tuple(data["import_names"]),
        skipped_imports=tuple((name, tuple(missing)) for name, missing in data["skipped_imports"]),
        imports_check_environment=tuple(
            (name, value) for name, value in data["imports_check_environment"]
        ),
        meta=PackageMeta(
            **{
                **data["meta"],
                "license_classifiers": tuple(data["meta"]["license_classifiers"]),
            }
        ),
        required_by=tuple(data["required_by"]),
        direct=None if data["direct"] is None else DirectSource(**data["direct"]),
        compiled=bool(data["compiled"]),
        system_libraries=tuple(data["system_libraries"]),
        libraries_known=bool(data["libraries_known"]),
        libraries_from_dependencies=tuple(
            (library, NormalizedName(name)) for library, name in data["libraries_from_dependencies"]
        ),
    )


def _file(data: dict[str, Any], versions: dict[str, Version]) -> DistFile:
    """A file; ``versions`` holds the versions parsed so far (a release's files share
    theirs)."""
    text = data["version"]
    version = versions.get(text)
    if version is None:
        version = versions[text] = Version(text)
    return DistFile(**{**data, "version": version})


def _dependency(data: dict[str, Any]) -> Dependency:
    return Dependency(name=NormalizedName(data["name"]), spelled=tuple(data["spelled"]))
