"""What changed between two sets of pins, and the table that shows it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from packaging.version import Version

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping

    from packaging.utils import NormalizedName

    from pypi2nix.models import LockGraph


@dataclass(frozen=True, slots=True)
class Change:
    name: NormalizedName
    old: Version | None
    new: Version | None


@dataclass(frozen=True, slots=True)
class PinChanges:
    """Pins grouped by how they moved, each group sorted by name."""

    added: tuple[Change, ...] = ()
    removed: tuple[Change, ...] = ()
    upgraded: tuple[Change, ...] = ()
    downgraded: tuple[Change, ...] = ()

    @property
    def groups(self) -> tuple[tuple[str, tuple[Change, ...]], ...]:
        return (
            ("added", self.added),
            ("removed", self.removed),
            ("upgraded", self.upgraded),
            ("downgraded", self.downgraded),
        )

    def __bool__(self) -> bool:
        return any(changes for _, changes in self.groups)


def graph_pins(graph: LockGraph) -> dict[NormalizedName, Version]:
    return {pin.name: Version(pin.version) for pin in graph.pins}


def compare_pins(
    old: Mapping[NormalizedName, Version], new: Mapping[NormalizedName, Version]
) -> PinChanges:
    changes = [
        Change(name, old.get(name), new.get(name))
        for name in sorted({*old, *new})
        if old.get(name) != new.get(name)
    ]
    return PinChanges(
        added=tuple(change for change in changes if change.old is None),
        removed=tuple(change for change in changes if change.new is None),
        upgraded=tuple(
            change for change in changes if change.old and change.new and change.new > change.old
        ),
        downgraded=tuple(
            change for change in changes if change.old and change.new and change.new < change.old
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
            row = f"  {change.name:<{width}}  {_shown(change.old)} -> {_shown(change.new)}"
            if asked and change.name not in asked and change.old and change.new:
                row += "  (forced by the update)"
            lines.append(row)
    return lines


def _shown(version: Version | None) -> str:
    return "(none)" if version is None else str(version)
