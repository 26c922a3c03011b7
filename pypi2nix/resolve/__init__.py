"""Resolution: requirements in, a :class:`Resolution` out.

:func:`resolve` runs resolvelib over a :class:`ReleaseSource` for one target and one
:class:`ResolutionPolicy`, merges extras into their projects and breaks dependency
cycles deterministically. It neither caches nor fetches anything itself.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from resolvelib import Resolver
from resolvelib.resolvers import ResolutionImpossible, ResolutionTooDeep

from pypi2nix.errors import ResolutionError
from pypi2nix.resolve.base import Candidate, Requirement
from pypi2nix.resolve.explain import explain_impossible
from pypi2nix.resolve.factory import Factory
from pypi2nix.resolve.graph import Resolution, ResolvedRelease, collapse
from pypi2nix.resolve.policy import ResolutionPolicy, applicable
from pypi2nix.resolve.provider import Provider
from pypi2nix.resolve.replay import replay
from pypi2nix.resolve.reporter import ProgressReporter
from pypi2nix.resolve.source import LookAhead, MetadataBuilder, ReleaseSource
from pypi2nix.threads import Prefetcher

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from packaging.utils import NormalizedName
    from packaging.version import Version

    from pypi2nix.models import InputRequirement
    from pypi2nix.sources import DirectRelease
    from pypi2nix.target import Target

__all__ = [
    "Candidate",
    "LookAhead",
    "MetadataBuilder",
    "ReleaseSource",
    "Resolution",
    "ResolutionPolicy",
    "ResolvedRelease",
    "resolve",
    "why_not",
]

logger = logging.getLogger(__name__)

MAX_ROUNDS = 20_000


def resolve(
    requirements: Sequence[InputRequirement],
    source: ReleaseSource,
    target: Target,
    policy: ResolutionPolicy,
    *,
    direct: Mapping[NormalizedName, DirectRelease] | None = None,
    prefetcher: Prefetcher | None = None,
    look_ahead: LookAhead | None = None,
    builder: MetadataBuilder | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> Resolution:
    """Pin one release of every project the requirements need, for the target.

    :param direct: the releases of projects named by a direct source.
    :param prefetcher: worker threads that look ahead of the resolver (none: no threads).
    :param look_ahead: called in the background with each candidate likely to be pinned.
    :param builder: runs the build backend of an sdist whose metadata no static file
        gives (none: such a release is an error).
    :raises ResolutionError: when the requirements cannot be satisfied together.
    """
    roots = [
        Requirement.from_packaging(entry.requirement, requested_by=str(entry.origin))
        for entry in applicable(requirements, target)
    ]
    factory = Factory(
        source=source,
        target=target,
        policy=policy,
        direct=direct or {},
        prefetcher=prefetcher or Prefetcher(1),
        look_ahead=look_ahead,
        builder=builder,
        roots=frozenset(root.name for root in roots),
    )
    if requirements and not roots:
        logger.warning(
            "every requirement's marker is false for Python %s on %s: the lock is empty",
            target.python,
            target.system,
        )
    started = time.monotonic()
    for root in roots:
        factory.prefetch(root)
    # the preferred versions, when they hold together, are resolvelib's answer
    result = replay(roots, factory) if policy.preferences else None
    if result is not None:
        logger.debug("the preferred versions hold together for %s", target.key)
    else:
        resolver = Resolver(Provider(factory), ProgressReporter(progress))
        try:
            result = resolver.resolve(roots, max_rounds=MAX_ROUNDS)
        except ResolutionImpossible as error:
            raise ResolutionError(explain_impossible(error.causes, factory)) from error
        except ResolutionTooDeep as error:
            raise ResolutionError(
                f"gave up after {MAX_ROUNDS} resolution rounds; pin some packages to help"
            ) from error
    logger.debug("resolved after %.2f s", time.monotonic() - started)
    root_names = tuple(sorted({root.name for root in roots}))
    return Resolution.acyclic(collapse(result, factory), root_names)


def why_not(
    source: ReleaseSource,
    target: Target,
    policy: ResolutionPolicy,
    name: NormalizedName,
    version: Version,
) -> str | None:
    """Why one version of a project cannot be pinned for the target, whoever asks (its
    files, requires-python, the policy); ``None`` when it can. Being a pre-release is
    no reason: that holds on every target alike."""
    factory = Factory(source=source, target=target, policy=policy)
    found = factory.evaluate(name, version, [], allow_pre=True)
    return None if isinstance(found, Candidate) else str(found)
