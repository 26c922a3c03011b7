"""What a lock run tells at the end: one line of counts, then only what needs the
user's attention; and what ``-v`` adds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from packaging.version import InvalidVersion, Version

from pypi2nix.filenames import is_binary_wheel
from pypi2nix.nix.native import source_build_note, split_system_libraries
from pypi2nix.target import describe_all, describe_targets

if TYPE_CHECKING:
    from pypi2nix.commands.pipeline import LockRun
    from pypi2nix.models import Lock, Pin


def distinct_pins(lock: Lock) -> list[Pin]:
    """Each pin once (the first target's, where several install the same file), in
    name order."""
    return [variant.pin for variants in lock.variants().values() for variant in variants]


def summary_lines(lock: Lock, run: LockRun) -> list[str]:
    """One line of counts, then only what needs the user's attention."""
    pins = distinct_pins(lock)
    wheels = [pin for pin in pins if pin.source.kind == "wheel"]
    binary = [pin for pin in wheels if is_binary_wheel(pin.source.filename)]
    names = {pin.name for pin in pins}
    roots = {root for graph in lock.graphs for root in graph.roots}
    lines = [
        f"Locked {_count(len(names), 'package')} ({len(roots)} top-level) for "
        f"{describe_all(lock.targets)}: {len(pins) - len(wheels)} from source, "
        f"{len(wheels)} from wheels ({len(binary)} with compiled code), in "
        f"{run.seconds:.1f} s ({run.requests} requests, {run.bytes / 1e6:.1f} MB).",
    ]
    lines.extend(_split_lines(lock))
    pre_releases = [f"{pin.name} {pin.version}" for pin in pins if _is_pre_release(pin.version)]
    if pre_releases:
        lines.append(f"Pre-releases pinned: {', '.join(pre_releases)}.")
    broken = {(e.dependent, e.dependency) for graph in lock.graphs for e in graph.broken_edges}
    lines.extend(
        f"Dependency cycle broken: {dependent} -> {dependency} is left out."
        for dependent, dependency in sorted(broken)
    )
    compiled = _built_from_source(lock)
    if compiled:
        lines.append(
            f"Compiled code built from source: {', '.join(compiled)}; see docs/overriding.md."
        )
    built = sorted({name for graph in lock.graphs for name in graph.built_metadata})
    if built:
        lines.append(f"Metadata read by running the build backend: {', '.join(built)}.")
    lines.extend(f"{line[0].upper()}{line[1:]}." for line in run.backend_runs)
    lines.extend(_unserved_build_tools(pins))
    unsearched = [pin.name for pin in binary if not pin.libraries_known]
    if unsearched:
        lines.append(
            f"Not searched for the libraries they need (too large): {', '.join(unsearched)}; "
            "add those their build reports missing in the override file."
        )
    for pin in binary:
        _, _, unknown = split_system_libraries(pin)
        if unknown:
            lines.append(
                f"{pin.name} needs {', '.join(unknown)}, which pypi2nix cannot map to a nixpkgs "
                "package: add it to buildInputs in the override file."
            )
    return lines


def _built_from_source(lock: Lock) -> list[str]:
    """A note for each pin with compiled code built from its sdist; one built so on
    some targets only, while its wheels serve the others, names those targets (none
    of the release's wheels fits them)."""
    notes = []
    for variants in lock.variants().values():
        wheels = any(variant.pin.source.kind == "wheel" for variant in variants)
        for variant in variants:
            pin = variant.pin
            if not pin.compiled or pin.source.kind != "sdist":
                continue
            where = ""
            if wheels:
                targets = describe_targets(variant.targets, lock.targets)
                where = f" on {targets}, which no wheel of {pin.version} fits"
            notes.append(source_build_note(pin, where))
    return notes


def _split_lines(lock: Lock) -> list[str]:
    """The projects pinned at different versions on different targets, and why."""
    lines = []
    for split in lock.splits:
        versions = "; ".join(
            f"{version} on {describe_targets(targets, lock.targets)}"
            for version, targets in split.versions
        )
        lines.append(f"Versions differ between targets: {split.name} {versions} ({split.reason}).")
    return lines


def _unserved_build_tools(pins: list[Pin]) -> list[str]:
    """Build tools no wheel could be locked for, and the pins that then rely on
    nixpkgs having them."""
    needing: dict[str, list[str]] = {}
    for pin in pins:
        if pin.source.kind == "sdist":
            for requirement in pin.build_requirements:
                if requirement.tool is None:
                    needing.setdefault(requirement.name, []).append(pin.name)
    return [
        f"No wheel of the build tool {tool} could be locked: {', '.join(sorted(set(names)))} "
        "build only where nixpkgs has it."
        for tool, names in sorted(needing.items())
    ]


def detail_lines(lock: Lock) -> list[str]:
    """What ``-v`` adds: which pins come from wheels and which from source."""
    pins = distinct_pins(lock)
    wheels = sorted({pin.name for pin in pins if pin.source.kind == "wheel"})
    sources = sorted({pin.name for pin in pins if pin.source.kind != "wheel"})
    return [
        *([f"From wheels: {', '.join(wheels)}."] if wheels else []),
        *([f"From source: {', '.join(sources)}."] if sources else []),
    ]


def _is_pre_release(version: str) -> bool:
    try:
        return Version(version).is_prerelease
    except InvalidVersion:
        return False


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
