"""What the stages of one lock share: built once where the pipeline is composed
(:mod:`pypi2nix.commands.pipeline`) and passed down, instead of loose values."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from pypi2nix.index.repository import PackageIndex
    from pypi2nix.resolve import ResolutionPolicy
    from pypi2nix.target import Target
    from pypi2nix.threads import Prefetcher


def _quiet(_description: str) -> None:
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class LockSession:
    """One lock's context.

    :param index: where every release, file and fact comes from.
    :param target: the Python and system being locked.
    :param policy: which versions and files may be pinned.
    :param prefetcher: worker threads that read ahead (``Prefetcher(1)``: none).
    :param progress: called with a short description of each step (for the UI).
    """

    index: PackageIndex
    target: Target
    policy: ResolutionPolicy
    prefetcher: Prefetcher
    progress: Callable[[str], None] = _quiet

    def for_target(self, target: Target) -> LockSession:
        return replace(self, target=target)

    def with_policy(self, policy: ResolutionPolicy) -> LockSession:
        return replace(self, policy=policy)
