"""Which files of a release a target can use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pypi2nix.resolve.reasons import NoFileForTarget, NoFiles, RequiresPython

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pypi2nix.models import DistFile
    from pypi2nix.resolve.reasons import ReleaseUnavailable
    from pypi2nix.target import Target


@dataclass(frozen=True, slots=True)
class Release:
    """The files of one version: usable for the target (best first), others, or why none."""

    files: tuple[DistFile, ...]
    other_wheels: tuple[DistFile, ...]
    reason: ReleaseUnavailable | None


def usable_files(target: Target, files: Sequence[DistFile]) -> Release:
    """The files of one version the target can use, best first, and the other wheels."""
    ranks = target.wheel_tags()
    usable: list[tuple[int, DistFile]] = []
    other_wheels: list[DistFile] = []
    reasons: list[ReleaseUnavailable] = []
    for file in files:
        if not target.allows_python(file.requires_python):
            reasons.append(RequiresPython(str(file.requires_python)))
        elif file.kind == "sdist":
            usable.append((len(ranks), file))
        else:
            rank = min(ranks.get(tag, len(ranks)) for tag in file.wheel_tags)
            if rank < len(ranks):
                usable.append((rank, file))
            else:
                other_wheels.append(file)
                reasons.append(NoFileForTarget(target.python, target.system))
    usable.sort(key=lambda item: (item[0], item[1].filename))
    reason = None if usable else min(reasons, key=str, default=NoFiles())
    return Release(
        files=tuple(file for _, file in usable),
        other_wheels=tuple(sorted(other_wheels, key=lambda file: file.filename)),
        reason=reason,
    )
