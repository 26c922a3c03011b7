"""A lock graph as an indented tree, as ``uv tree`` and pipdeptree draw it (pure).

From the top-level requirements down, each pin once per path; a pin whose
dependencies were already drawn is marked ``(*)`` and not drawn again. Inverted, the
tree starts at one pin and goes up through the pins that need it to the top-level
requirements: why the pin is there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from packaging.utils import NormalizedName

REPEATED = " (*)"
TOP_LEVEL = " [top-level]"


def dependency_tree(
    roots: Sequence[NormalizedName],
    edges: Mapping[NormalizedName, Sequence[NormalizedName]],
    label: Callable[[NormalizedName], str],
    *,
    depth: int | None = None,
) -> list[str]:
    """The lines of the tree below each root, in order; children sorted by name.

    :param edges: each pin's dependencies (a name with no entry has none).
    :param label: the text of a pin (its name, version, source...).
    :param depth: the levels drawn below the roots (``None``: all; 0: the roots only).
    """
    drawer = _Drawer(edges, label, depth)
    for root in roots:
        drawer.draw(root, prefix="", branch="", ancestors=())
    return drawer.lines


def inverted_tree(
    name: NormalizedName,
    roots: Sequence[NormalizedName],
    edges: Mapping[NormalizedName, Sequence[NormalizedName]],
    label: Callable[[NormalizedName], str],
    *,
    depth: int | None = None,
) -> list[str]:
    """The lines of the tree from ``name`` up to the top-level requirements: below each
    pin, the pins that depend on it; a top-level requirement is marked."""
    dependents: dict[NormalizedName, list[NormalizedName]] = {}
    for dependent, needs in edges.items():
        for need in needs:
            dependents.setdefault(need, []).append(dependent)
    top = set(roots)

    def marked(pin: NormalizedName) -> str:
        return label(pin) + (TOP_LEVEL if pin in top else "")

    drawer = _Drawer(dependents, marked, depth)
    drawer.draw(name, prefix="", branch="", ancestors=())
    return drawer.lines


def unreached(
    roots: Sequence[NormalizedName],
    edges: Mapping[NormalizedName, Sequence[NormalizedName]],
    pins: Sequence[NormalizedName],
) -> list[NormalizedName]:
    """The pins no top-level requirement leads to, sorted."""
    seen: set[NormalizedName] = set()
    stack = list(roots)
    while stack:
        pin = stack.pop()
        if pin not in seen:
            seen.add(pin)
            stack.extend(edges.get(pin, ()))
    return sorted(set(pins) - seen)


class _Drawer:
    def __init__(
        self,
        edges: Mapping[NormalizedName, Sequence[NormalizedName]],
        label: Callable[[NormalizedName], str],
        depth: int | None,
    ) -> None:
        self.edges = edges
        self.label = label
        self.depth = depth
        self.expanded: set[NormalizedName] = set()
        self.lines: list[str] = []

    def draw(
        self,
        pin: NormalizedName,
        *,
        prefix: str,
        branch: str,
        ancestors: tuple[NormalizedName, ...],
    ) -> None:
        children = sorted(set(self.edges.get(pin, ())))
        level = len(ancestors)
        if children and (pin in self.expanded or pin in ancestors):
            self.lines.append(f"{prefix}{branch}{self.label(pin)}{REPEATED}")
            return
        self.lines.append(f"{prefix}{branch}{self.label(pin)}")
        if self.depth is not None and level >= self.depth:
            return
        self.expanded.add(pin)
        inner = prefix + {"": "", "├── ": "│   ", "└── ": "    "}[branch]
        for index, child in enumerate(children):
            last = index == len(children) - 1
            self.draw(
                child,
                prefix=inner,
                branch="└── " if last else "├── ",
                ancestors=(*ancestors, pin),
            )
