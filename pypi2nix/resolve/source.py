"""What the resolver calls: narrow protocols, implemented by the stages around it.

:class:`ReleaseSource` is what it needs from an index
(:class:`pypi2nix.index.repository.PackageIndex` implements it over HTTP and the
cache; the tests over data in memory); :class:`MetadataBuilder` runs a build backend
(:mod:`pypi2nix.backend`); :class:`LookAhead` starts reading what a pin will need
(:mod:`pypi2nix.pins.facts`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Sequence

    from packaging.utils import NormalizedName
    from packaging.version import Version

    from pypi2nix.dists.sdist import BuildRequest
    from pypi2nix.models import CoreMetadata, DistFile
    from pypi2nix.resolve.base import Candidate


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

        :raises NeedsBuild: when only the sdist's build backend can give it.
        :raises MetadataError: when no file gives usable metadata.
        """
        ...

    def page_is_cached(self, name: NormalizedName) -> bool:
        """Whether the project's page is at hand without the network (a hint for
        looking ahead)."""
        ...


class MetadataBuilder(Protocol):
    """Runs an sdist's build backend for the metadata no static file gives (the
    resolver asks when its source answers :class:`~pypi2nix.dists.sdist.NeedsBuild`)."""

    def __call__(self, request: BuildRequest) -> CoreMetadata:
        """:raises MetadataError: when building is refused or fails."""
        ...


class LookAhead(Protocol):
    """Called in the background with each candidate likely to be pinned, to start
    reading what its pin will need."""

    def __call__(self, candidate: Candidate) -> None: ...
