"""What the resolver needs from an index: a narrow protocol.

:class:`pypi2nix.index.repository.PackageIndex` implements it over HTTP and the
cache; the tests implement it over data in memory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Sequence

    from packaging.utils import NormalizedName
    from packaging.version import Version

    from pypi2nix.models import CoreMetadata, DistFile


class ProjectReleases(Protocol):
    """Every release of one project."""

    @property
    def newest_first(self) -> tuple[Version, ...]: ...

    def files(self, version: Version) -> tuple[DistFile, ...]:
        """The files of one version, as the index lists them."""
        ...


class ReleaseSource(Protocol):
    """Project pages and dependency metadata; safe to call from several threads."""

    def project_page(self, name: NormalizedName) -> ProjectReleases:
        """Every release of a project.

        :raises ProjectNotFound: when no index knows the project.
        """
        ...

    def core_metadata(
        self, name: NormalizedName, version: str, files: Sequence[DistFile]
    ) -> CoreMetadata:
        """The metadata of one release, read from ``files`` (best first).

        :raises MetadataError: when no file gives usable metadata.
        """
        ...

    def page_is_cached(self, name: NormalizedName) -> bool:
        """Whether the project's page is at hand without the network (a hint for
        looking ahead)."""
        ...
