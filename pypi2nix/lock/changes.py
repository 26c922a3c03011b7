"""What changed between two sets of pins, and the table that shows it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from packaging.version import Version

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping, Sequence

    from packaging.utils import NormalizedName

    from pypi2nix.models import Lock
    from pypi2nix.target import Target


@dataclass(frozen=True, slots=True)
class Change:
    name: NormalizedName
    old: Version | None
    new: Version | None
    # The commits of a git pin, when they differ.
    old_commit: str | None = None
    new_commit: str | None = None
    # Where it happened, when not on every target of the lock.
    targets: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PinChanges:
    """Pins grouped by how they moved, each group sorted by name."""

    added: tuple[Change, ...] = ()
    removed: tuple[Change, ...] = ()
    upgraded: tuple[Change, ...] = ()
    downgraded: tuple[Change, ...] = ()
    # Same version, another commit of its git repository.
    moved: tuple[Change, ...] = ()

    @property
    def groups(self) -> tuple[tuple[str, tuple[Change, ...]], ...]:
        return (
            ("added", self.added),
            ("removed", self.removed),
            ("upgraded", self.upgraded),
            ("downgraded", self.downgraded),
            ("moved to another commit", self.moved),
        )

    def __bool__(self) -> bool:
        return any(changes for _, changes in self.groups)


def lock_pins(lock: Lock) -> dict[Target, dict[NormalizedName, Version]]:
    """Each target's pins."""
    return {
        graph.target: {pin.name: Version(pin.version) for pin in graph.pins}
        for graph in lock.graphs
    }


def lock_commits(lock: Lock) -> dict[NormalizedName, str]:
    """The commit of every pin from a git repository."""
    return {
        pin.name: pin.direct.commit
        for graph in lock.graphs
        for pin in graph.pins
        if pin.direct is not None and pin.direct.commit is not None
    }


def compare_targets(
    old: Mapping[Target, Mapping[NormalizedName, Version]],
    new: Mapping[Target, Mapping[NormalizedName, Version]],
    *,
    old_commits: Mapping[NormalizedName, str] | None = None,
    new_commits: Mapping[NormalizedName, str] | None = None,
) -> PinChanges:
    """How the pins of each target moved; a change seen on some targets only names
    them (as ``3.12-x86_64-darwin``)."""
    targets = list(dict.fromkeys([*new, *old]))
    seen: dict[Change, list[str]] = {}
    for target in targets:
        changes = compare_pins(
            old.get(target, {}),
            new.get(target, {}),
            old_commits=old_commits,
            new_commits=new_commits,
        )
        for _, group in changes.groups:
            for change in group:
                seen.setdefault(change, []).append(target.key)
    merged = [
        change if len(on) == len(targets) else replace(change, targets=tuple(on))
        for change, on in seen.items()
    ]
    return _grouped(sorted(merged, key=lambda change: (change.name, change.targets)))


def compare_pins(
    old: Mapping[NormalizedName, Version],
    new: Mapping[NormalizedName, Version],
    *,
    old_commits: Mapping[NormalizedName, str] | None = None,
    new_commits: Mapping[NormalizedName, str] | None = None,
) -> PinChanges:
    """How the pins moved; a git pin whose commit changed moved even at one version."""
    before, after = old_commits or {}, new_commits or {}
    changes = []
    for name in sorted({*old, *new}):
        commits = (before.get(name), after.get(name))
        moved = None not in commits and commits[0] != commits[1]
        if old.get(name) != new.get(name) or moved:
            changes.append(
                Change(name, old.get(name), new.get(name), *(commits if moved else (None, None)))
            )
    return _grouped(changes)


def _grouped(changes: Sequence[Change]) -> PinChanges:
    return PinChanges(
        added=tuple(change for change in changes if change.old is None),
        removed=tuple(change for change in changes if change.new is None),
        upgraded=tuple(
            change for change in changes if change.old and change.new and change.new > change.old
        ),
        downgraded=tuple(
            change for change in changes if change.old and change.new and change.new < change.old
        ),
        moved=tuple(
            change for change in changes if change.old and change.new and change.new == change.old
        ),
    )


def changes_table(changes: PinChanges, *, asked: Collection[NormalizedName] = ()) -> list[str]:
    """``name  old -> new`` lines under a heading per group. When ``asked`` names the
    projects the user wanted to move, the others that moved are marked as forced."""
    if not changes:
        return ["No pin changed."]
    width = max(len(change.name) for _, group in changes.groups for change in group)
    lines = []
    for heading, group in changes.groups:
        if not group:
            continue
        lines.append(f"{heading.capitalize()}:")
        for change in group:
            row = f"  {change.name:<{width}}  {_versions(change)}"
            if change.targets:
                row += f"  (on {', '.join(change.targets)})"
            if asked and change.name not in asked and change.old and change.new:
                row += "  (forced by the update)"
            lines.append(row)
    return lines


def describe_change(change: Change) -> str:
    """``alpha 1.0 -> 1.1`` (with the targets of a change on some only)."""
    where = f" on {', '.join(change.targets)}" if change.targets else ""
    if change.old is None:
        return f"{change.name} {change.new} (added){where}"
    if change.new is None:
        return f"{change.name} {change.old} (removed){where}"
    return f"{change.name} {_versions(change)}{where}"


def _versions(change: Change) -> str:
    """``1.0 -> 1.1``, or ``1.2.0 (f2b92da -> 8ec69b0)`` for a git pin at one version."""
    shown = (
        str(change.old)
        if change.old == change.new
        else f"{_shown(change.old)} -> {_shown(change.new)}"
    )
    if change.old_commit and change.new_commit:
        shown += f" ({change.old_commit[:7]} -> {change.new_commit[:7]})"
    return shown


def _shown(version: Version | None) -> str:
    return "(none)" if version is None else str(version)
