"""Direct sources: archives, git repositories and local trees that the inputs name
instead of a version on an index (pip's direct references), read into
:class:`DirectRelease` values for the resolver."""

from __future__ import annotations

from typing import TYPE_CHECKING

from packaging.utils import NormalizedName, canonicalize_name

from pypi2nix.credentials import redact_url
from pypi2nix.errors import InputError, OfflineError
from pypi2nix.sources.direct import DirectRelease, read_direct

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from pypi2nix.index.client import HttpClient
    from pypi2nix.models import DirectSource, InputRequirement

__all__ = ["DirectRelease", "read_direct_releases"]


def read_direct_releases(
    entries: Iterable[InputRequirement],
    client: HttpClient,
    *,
    offline: bool = False,
    progress: Callable[[str], None] = lambda _: None,
) -> dict[NormalizedName, DirectRelease]:
    """The release of every project the inputs name by a URL, git or a path (each
    source read once).

    :raises InputError: for two different sources of one project, or a source that
        holds another project than its requirement names.
    :raises OfflineError: offline, for anything but a local path (direct sources are
        not cached).
    """
    releases: dict[NormalizedName, DirectRelease] = {}
    read: dict[DirectSource, DirectRelease] = {}
    sources: dict[NormalizedName, InputRequirement] = {}
    for entry in entries:
        if entry.direct is None:
            continue
        name = canonicalize_name(entry.requirement.name)
        earlier = sources.setdefault(name, entry)
        if earlier.direct != entry.direct:
            raise InputError(entry.origin, f"{name} has another source at {earlier.origin} already")
        source = entry.direct
        if source not in read:
            if offline and source.kind != "path":
                raise OfflineError(
                    f"{redact_url(source.describe())} (direct sources are not cached)"
                )
            progress(f"reading {redact_url(source.describe())}")
            read[source] = read_direct(source, client)
        release = read[source]
        found = canonicalize_name(release.metadata.name)
        if found != name:
            raise InputError(entry.origin, f"the source holds {found}, not {name}")
        releases[name] = release
    return releases
