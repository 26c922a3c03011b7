"""Direct sources: archives, git repositories and local trees that the inputs name
instead of a version on an index (pip's direct references), read into
:class:`DirectRelease` values for the resolver."""

from __future__ import annotations

import dataclasses
import logging
import re
from typing import TYPE_CHECKING

from packaging.utils import NormalizedName, canonicalize_name

from pypi2nix.credentials import redact_url, without_credentials
from pypi2nix.errors import InputError, OfflineError
from pypi2nix.sources.direct import DirectRelease, TreeBuilds, read_direct
from pypi2nix.sources.git import GitError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from pypi2nix.index.client import HttpClient
    from pypi2nix.models import DirectSource, InputRequirement
    from pypi2nix.sources.built import MetadataBuilder

__all__ = ["DirectRelease", "KeptCommit", "read_direct_releases"]

logger = logging.getLogger(__name__)
_COMMIT = re.compile(r"[0-9a-f]{40}")


@dataclasses.dataclass(frozen=True, slots=True)
class KeptCommit:
    """The commit an earlier lock found for a git branch or tag (``url`` without
    credentials), to be used again instead of resolving the ref anew."""

    url: str
    rev: str | None
    commit: str


def read_direct_releases(
    entries: Iterable[InputRequirement],
    client: HttpClient,
    *,
    offline: bool = False,
    kept_commits: Mapping[NormalizedName, KeptCommit] | None = None,
    progress: Callable[[str], None] = lambda _: None,
    builder: MetadataBuilder | None = None,
    no_build: bool = False,
) -> dict[NormalizedName, DirectRelease]:
    """The release of every project the inputs name by a URL, git or a path (each
    source read once).

    :param kept_commits: per project, the commit to check out again for a git branch
        or tag still asked for as before (a pin is not moved by a plain ``generate``).
    :param builder: runs the build backend of a source tree whose static files do not
        give its metadata; ``no_build`` refuses that, naming ``--no-build``.

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
            builds = TreeBuilds(name, builder, refused=no_build)
            read[source] = _read(source, client, (kept_commits or {}).get(name), builds)
        release = read[source]
        found = canonicalize_name(release.metadata.name)
        if found != name:
            raise InputError(entry.origin, f"the source holds {found}, not {name}")
        releases[name] = release
    return releases


def _read(
    source: DirectSource, client: HttpClient, kept: KeptCommit | None, builds: TreeBuilds
) -> DirectRelease:
    """Read the source; a git ref at the commit kept for it, when there is one and the
    repository still has it."""
    if (
        kept is None
        or source.kind != "git"
        or (source.rev is not None and _COMMIT.fullmatch(source.rev))
        or (kept.url, kept.rev) != (without_credentials(source.url), source.rev)
    ):
        return read_direct(source, client, builds)
    try:
        release = read_direct(dataclasses.replace(source, rev=kept.commit), client, builds)
    except GitError as error:
        logger.warning(
            "%s: the locked commit cannot be fetched (%s); resolving the ref",
            redact_url(source.url),
            error,
        )
        return read_direct(source, client, builds)
    return dataclasses.replace(release, source=dataclasses.replace(release.source, rev=source.rev))
