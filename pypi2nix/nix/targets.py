"""The targets of a lock in ``requirements.nix``: each (pin, file) written once and
shared by the targets that install it, the parts that differ between them (a
dependency a marker adds on some targets) chosen by the target being evaluated."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pypi2nix.nix.escape import nix_string

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from packaging.utils import NormalizedName

    from pypi2nix.models import Lock, Pin, PinVariant
    from pypi2nix.target import Target


@dataclass(frozen=True, slots=True)
class Definition:
    """One definition of a pin: the pin (of its first target), the targets it serves,
    and each of its dependencies with the targets that need it."""

    pin: Pin
    targets: tuple[Target, ...]
    dependencies: tuple[tuple[NormalizedName, tuple[Target, ...]], ...]


def definitions(lock: Lock) -> dict[NormalizedName, tuple[Definition, ...]]:
    """Per project, in name order, its definitions: one per release and file, or more
    where its targets' pins differ in more than their dependencies."""
    return {
        name: tuple(
            definition for variant in variants for definition in _variant_definitions(variant)
        )
        for name, variants in lock.variants().items()
    }


def _variant_definitions(variant: PinVariant) -> list[Definition]:
    shapes: dict[Pin, list[tuple[Target, Pin]]] = {}
    for target, pin in zip(variant.targets, variant.pins, strict=True):
        shape = dataclasses.replace(pin, dependencies=(), required_by=())
        shapes.setdefault(shape, []).append((target, pin))
    found = []
    for pairs in shapes.values():
        needed: dict[NormalizedName, list[Target]] = {}
        for target, pin in pairs:
            for dependency in pin.dependencies:
                needed.setdefault(dependency.name, []).append(target)
        found.append(
            Definition(
                pin=pairs[0][1],
                targets=tuple(target for target, _ in pairs),
                dependencies=tuple((name, tuple(on)) for name, on in sorted(needed.items())),
            )
        )
    return found


def on(targets: Sequence[Target]) -> str:
    """The Nix condition that holds on these targets (``on`` is defined in the file)."""
    return f"on [ {' '.join(nix_string(target.key) for target in targets)} ]"


def split_by_targets(
    items: Sequence[tuple[str, Sequence[Target]]], among: Sequence[Target]
) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """Items that hold on every target of ``among``, and the others under the
    condition of the targets they hold on (in the order first met)."""
    common: list[str] = []
    groups: dict[tuple[Target, ...], list[str]] = {}
    for item, targets in items:
        if set(targets) >= set(among):
            common.append(item)
        else:
            groups.setdefault(tuple(targets), []).append(item)
    return common, [(on(targets), group) for targets, group in groups.items()]


def dependency_items(
    definition: Definition, select: Callable[[str], str]
) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """A definition's dependencies as Nix items: those of all its targets, and those
    of some under their condition."""
    items = [(select(name), targets) for name, targets in definition.dependencies]
    return split_by_targets(items, definition.targets)
