"""A release source held in memory, for resolver tests written as data.

It implements :class:`pypi2nix.resolve.ReleaseSource`, the same protocol the real
index does: the resolver cannot tell them apart.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from pypi2nix.errors import MetadataError, ProjectNotFound
from pypi2nix.models import CoreMetadata, DistFile

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

HOST = "https://memory.example.test/files"


@dataclass(frozen=True)
class MemoryProject:
    releases: Mapping[Version, tuple[DistFile, ...]]

    @property
    def newest_first(self) -> tuple[Version, ...]:
        return tuple(sorted(self.releases, reverse=True))

    def files(self, version: Version) -> tuple[DistFile, ...]:
        return self.releases.get(version, ())


class MemorySource:
    """Projects from data: ``{name: {version: {"requires": [...], "requires_python":
    ..., "yanked": bool}}}``; each release is one sdist."""

    def __init__(self, index: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> None:
        self._projects: dict[NormalizedName, MemoryProject] = {}
        self._metadata: dict[tuple[NormalizedName, str], CoreMetadata] = {}
        for raw_name, releases in index.items():
            name = canonicalize_name(raw_name)
            files = {}
            for version, facts in releases.items():
                files[Version(version)] = (_sdist(raw_name, version, facts),)
                self._metadata[name, str(Version(version))] = CoreMetadata(
                    name=raw_name,
                    version=version,
                    metadata_version="2.2",
                    requires_dist=tuple(Requirement(line) for line in facts.get("requires", ())),
                    requires_python=facts.get("requires_python"),
                    provides_extra=tuple(facts.get("extras", ())),
                )
            self._projects[name] = MemoryProject(files)
        self.asked: list[NormalizedName] = []

    def project_page(self, name: NormalizedName) -> MemoryProject:
        self.asked.append(name)
        if name not in self._projects:
            raise ProjectNotFound(name, (HOST,))
        return self._projects[name]

    def core_metadata(
        self, name: NormalizedName, version: str, files: Sequence[DistFile]
    ) -> CoreMetadata:
        if not files:
            raise MetadataError(name, version, "no files")
        return self._metadata[name, version]

    def page_is_cached(self, name: NormalizedName) -> bool:
        return True


def _sdist(name: str, version: str, facts: Mapping[str, Any]) -> DistFile:
    filename = f"{name}-{version}.tar.gz"
    return DistFile(
        filename=filename,
        url=f"{HOST}/{filename}",
        kind="sdist",
        version=Version(version),
        sha256=hashlib.sha256(filename.encode()).hexdigest(),
        requires_python=facts.get("requires_python"),
        yanked=bool(facts.get("yanked", False)),
    )
