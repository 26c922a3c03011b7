"""Put the pins of a resolution together from the facts of its releases
(:mod:`pypi2nix.pins.facts`): dependencies, the import check judged against each
pin's runtime closure, the system libraries of a binary wheel, ``meta``. Pure: no
file is read here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pypi2nix.models import IMPORT_GUARD, Pin
from pypi2nix.pins.imports import judge_imports
from pypi2nix.pins.meta import package_meta
from pypi2nix.resolve.policy import has_compiled_code

if TYPE_CHECKING:
    from collections.abc import Mapping

    from packaging.utils import NormalizedName

    from pypi2nix.models import Dependency, DistFile
    from pypi2nix.pins.facts import ReleaseFacts
    from pypi2nix.resolve import Resolution, ResolvedRelease


def make_pins(
    resolution: Resolution, facts: Mapping[NormalizedName, ReleaseFacts]
) -> tuple[Pin, ...]:
    """The pins of the resolution's releases, in name order.

    :param facts: the facts of every release of the resolution.
    """
    closures = _runtime_closures(resolution.dependencies)
    pins = []
    for name, fact in sorted(facts.items()):
        available = frozenset().union(*(facts[other].provides for other in closures[name]))
        judgement = judge_imports(
            fact.import_names, fact.imports_of, own=fact.provides, available=available
        )
        checked, skipped = judgement.checked, judgement.skipped
        dropped = tuple(dependency.name for dependency in resolution.dropped[name])
        if dropped:  # its modules may import what the broken cycle left out
            skipped += tuple((module, dropped) for module in checked)
            checked = ()
        if fact.native is not None and fact.native.guarded:
            guarded = set(fact.native.guarded)
            skipped += tuple((name, (IMPORT_GUARD,)) for name in checked if name in guarded)
            checked = tuple(name for name in checked if name not in guarded)
        release = fact.release
        candidate = release.candidate
        system_libraries, from_dependencies = _native_needs(fact, facts, closures[name])
        pins.append(
            Pin(
                name=name,
                pname=release.metadata.name,
                version=str(candidate.version),
                source=fact.source,
                files=_files(release, fact.source),
                build_system=tuple(requirement.name for requirement in fact.build_requirements),
                build_requirements=fact.build_requirements,
                build_backend=fact.build_backend,
                dependencies=resolution.dependencies[name],
                dropped_dependencies=resolution.dropped[name],
                extras=release.extras,
                optional_dependencies=release.optional_dependencies,
                dependency_groups=fact.dependency_groups,
                import_names=checked,
                skipped_imports=skipped,
                imports_check_environment=judgement.environment if checked else (),
                meta=package_meta(release.metadata, license_file=fact.license_file),
                required_by=release.required_by,
                direct=None if candidate.direct is None else candidate.direct.source,
                compiled=has_compiled_code([*candidate.files, *candidate.other_wheels]),
                system_libraries=system_libraries,
                libraries_from_dependencies=from_dependencies,
                libraries_known=fact.libraries_known,
            )
        )
    return tuple(pins)


def _native_needs(
    fact: ReleaseFacts, facts: Mapping[NormalizedName, ReleaseFacts], closure: set[NormalizedName]
) -> tuple[tuple[str, ...], tuple[tuple[str, NormalizedName], ...]]:
    """A binary wheel's libraries from the system, and those a wheel of one of its
    runtime dependencies ships (the first in name order)."""
    if fact.native is None:
        return (), ()
    shipped: dict[str, NormalizedName] = {}
    for other in sorted(closure - {fact.release.name}):
        native = facts[other].native
        for library in native.libraries if native is not None else ():
            shipped.setdefault(library, other)
    needs = fact.native.system_needs()
    return (
        tuple(library for library in needs if library not in shipped),
        tuple((library, shipped[library]) for library in needs if library in shipped),
    )


def _runtime_closures(
    dependencies: Mapping[NormalizedName, tuple[Dependency, ...]],
) -> dict[NormalizedName, set[NormalizedName]]:
    """Each project with everything it needs at run time (the graph is acyclic)."""
    closures: dict[NormalizedName, set[NormalizedName]] = {}
    for start in dependencies:
        if start in closures:
            continue
        path, on_path = [start], {start}  # a walk, not recursion: chains can be long
        while path:
            name = path[-1]
            waiting = (d.name for d in dependencies[name] if d.name not in closures)
            child = next((other for other in waiting if other not in on_path), None)
            if child is not None:
                path.append(child)
                on_path.add(child)
                continue
            needed = (closures.get(d.name, {d.name}) for d in dependencies[name])
            closures[name] = {name}.union(*needed)
            path.pop()
            on_path.discard(name)
    return closures


def _files(release: ResolvedRelease, source: DistFile) -> tuple[DistFile, ...]:
    """The release's installable files, with the source as the pin has it (its
    sha256 known)."""
    if release.candidate.direct is not None or source.sha256 is None:
        return release.files
    files = {file.filename: file for file in release.files}
    files[source.filename] = source
    return tuple(file for _, file in sorted(files.items()))
