"""A :class:`Lock` as plain JSON data, and back (for the lock cache)."""

from __future__ import annotations

from typing import Any

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


def lock_to_json(lock: Lock) -> dict[str, Any]:
    return _plain(lock)


def _plain(value: Lock | BuildTool) -> dict[str, Any]:
    """The dataclass as JSON data (tuples as lists, versions as strings), made in one
    pass by msgspec: ``dataclasses.asdict`` deep-copies, the slowest step of storing
    a lock."""
    return msgspec.json.decode(msgspec.json.encode(value, enc_hook=_version_text))  # type: ignore[no-any-return]


def _version_text(value: object) -> str:
    if isinstance(value, Version):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON data")


def lock_from_json(data: dict[str, Any]) -> Lock:
    """:raises KeyError, TypeError, ValueError: for data of another shape."""
    return Lock(
        graphs=tuple(_graph(graph) for graph in data["graphs"]),
        sources=tuple(data["sources"]),
        index_urls=tuple(data["index_urls"]),
        splits=tuple(_split(split) for split in data["splits"]),
    )


def _split(data: dict[str, Any]) -> VersionSplit:
    return VersionSplit(
        name=NormalizedName(data["name"]),
        versions=tuple(
            (str(version), tuple(_target(target) for target in targets))
            for version, targets in data["versions"]
        ),
        reason=str(data["reason"]),
    )


def _graph(data: dict[str, Any]) -> LockGraph:
    return LockGraph(
        target=_target(data["target"]),
        pins=tuple(_pin(pin) for pin in data["pins"]),
        roots=tuple(NormalizedName(root) for root in data["roots"]),
        broken_edges=tuple(
            BrokenCycleEdge(
                dependent=NormalizedName(edge["dependent"]),
                dependency=NormalizedName(edge["dependency"]),
            )
            for edge in data["broken_edges"]
        ),
        build_tools=tuple(build_tool_from_json(tool) for tool in data["build_tools"]),
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
    return BuildTool(
        key=data["key"], pin=_pin(data["pin"]), dependencies=tuple(data["dependencies"])
    )


def _pin(data: dict[str, Any]) -> Pin:
    return Pin(
        name=NormalizedName(data["name"]),
        pname=data["pname"],
        version=data["version"],
        source=_file(data["source"]),
        files=tuple(_file(file) for file in data["files"]),
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
        wheel_reason=data.get("wheel_reason"),
        libraries_from_dependencies=tuple(
            (library, NormalizedName(name)) for library, name in data["libraries_from_dependencies"]
        ),
    )


def _file(data: dict[str, Any]) -> DistFile:
    return DistFile(**{**data, "version": Version(data["version"])})


def _dependency(data: dict[str, Any]) -> Dependency:
    return Dependency(name=NormalizedName(data["name"]), spelled=tuple(data["spelled"]))
