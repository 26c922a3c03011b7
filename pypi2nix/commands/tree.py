"""``pypi2nix tree``: the pins of an earlier ``generate`` as a tree, read from its
``pylock.toml`` alone (no network, no cache), so it works on any checkout.

The lock keeps, for each target, the top-level requirements, each pin's dependencies,
the file the Nix output builds and a binary wheel's system libraries
(:mod:`pypi2nix.lock.graph_record`); the tree is drawn by :mod:`pypi2nix.lock.tree`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from packaging.utils import InvalidName, canonicalize_name

from pypi2nix.commands.outputs import OutputPaths
from pypi2nix.errors import InputFileError, UsageError
from pypi2nix.lock.graph_record import read_recorded_lock
from pypi2nix.lock.tree import dependency_tree, inverted_tree, unreached
from pypi2nix.nix.native import native_libraries
from pypi2nix.target import Target, describe_all, host_target

if TYPE_CHECKING:
    from pathlib import Path

    from packaging.utils import NormalizedName

    from pypi2nix.lock.graph_record import GraphNode, LockedGraph
    from pypi2nix.options import TreeOptions


@dataclass(frozen=True, slots=True)
class TreeResult:
    """The lines of the tree, and the target they were drawn for among the locked ones."""

    lines: list[str]
    target: Target
    targets: tuple[Target, ...]


def tree(options: TreeOptions) -> TreeResult:
    """The tree of the lock in the output folder, for the chosen target.

    :raises InputFileError: when there is no lock there, or it lacks pypi2nix's graph.
    :raises UsageError: for a target the lock was not made for, or a name to invert
        that is not pinned.
    """
    path = OutputPaths.at(options.output_dir, options.basename).pylock
    if not path.is_file():
        raise InputFileError(
            f"no lock in {options.output_dir}: {path} not found; 'pypi2nix generate' "
            "writes it (give -O and --basename as generate was given them)"
        )
    recorded = read_recorded_lock(path)
    target = choose_target(recorded.targets, options.python, options.system)
    graph = recorded.graph(target)
    edges = {name: node.dependencies for name, node in graph.nodes.items()}

    def label(name: NormalizedName) -> str:
        node = graph.nodes.get(name)
        return f"{name} (not pinned)" if node is None else node_label(node)

    if options.invert is not None:
        name = _pinned_name(options.invert, graph, path)
        lines = inverted_tree(name, graph.roots, edges, label, depth=options.depth)
    else:
        lines = dependency_tree(graph.roots, edges, label, depth=options.depth)
        left = unreached(graph.roots, edges, list(graph.nodes))
        if left:
            lines.append(f"not needed by a top-level requirement: {', '.join(left)}")
    return TreeResult(lines, target, recorded.targets)


def node_label(node: GraphNode) -> str:
    """``name[extras] vVERSION (source)``, with the native libraries the output gives
    it."""
    libraries = native_libraries(node.name, node.source == "wheel", node.libraries)
    native = f"; native: {', '.join(libraries)}" if libraries else ""
    extras = f"[{','.join(node.extras)}]" if node.extras else ""
    return f"{node.name}{extras} v{node.version} ({node.source}{native})"


def choose_target(locked: tuple[Target, ...], python: str | None, system: str | None) -> Target:
    """The target asked for; else the machine's when locked (its system, at least),
    else the first locked.

    :raises UsageError: when the lock has no target with that Python and system.
    """
    if python is not None or system is not None:
        for target in locked:
            if python in (None, target.python) and system in (None, target.system):
                return target
        asked = " on ".join(
            part for part in (f"Python {python}" if python else None, system) if part
        )
        raise UsageError(
            f"the lock was made for {describe_all(locked)}, not for {asked}: "
            "choose one of those with --python and --system"
        )
    host = host_target(locked[0])
    if host in locked:
        return host
    return next((target for target in locked if target.system == host.system), locked[0])


def _pinned_name(text: str, graph: LockedGraph, path: Path) -> NormalizedName:
    try:
        name = canonicalize_name(text, validate=True)
    except InvalidName:
        raise UsageError(f"--invert takes a project name, not {text!r}") from None
    if name in graph.nodes:
        return name
    close = difflib.get_close_matches(name, list(graph.nodes), n=1)
    hint = f"; did you mean {close[0]}?" if close else ""
    raise UsageError(f"{text} is not pinned in {path} for {graph.target.describe()}{hint}")


def target_note(result: TreeResult) -> list[str]:
    """Which target was drawn, for a lock made for several."""
    if len(result.targets) < 2:
        return []
    return [
        f"{result.target.describe()}, of the lock's {len(result.targets)} targets "
        "(choose another with --python and --system)"
    ]
