"""Put the pins of a resolution together from the facts of its releases
(:mod:`pypi2nix.pins.facts`): dependencies, the import check judged against each
pin's runtime closure, the system libraries of a binary wheel, ``meta``. Pure: no
file is read here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pypi2nix.dists.modules import module_files
from pypi2nix.models import IMPORT_GUARD, NAMESPACE_MARK, Pin, inside_package_mark
from pypi2nix.pins.imports import external_imports, judge_imports
from pypi2nix.pins.meta import package_meta
from pypi2nix.resolve.policy import has_compiled_code

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

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
    insides: dict[NormalizedName, dict[str, str]] = {}
    for name in sorted(facts, key=lambda name: (len(closures[name]), name)):  # needed first
        insides[name] = _inside_marks(facts[name], facts, closures[name], insides)
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
        inside = insides[name]
        skipped += tuple((module, (inside[module],)) for module in checked if module in inside)
        checked = tuple(module for module in checked if module not in inside)
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


def _inside_other_packages(
    fact: ReleaseFacts, facts: Mapping[NormalizedName, ReleaseFacts]
) -> dict[str, str]:
    """The pin's import names that are modules inside a regular package of another pin
    (arclet-alconna-tools installs ``arclet/alconna/tools/`` into arclet-alconna's
    ``arclet.alconna``), each with its mark: Python looks for such a module only in the
    folder of the package's ``__init__.py``, so it imports where both are installed in
    one site-packages (pip, ``python.withPackages``), never from the store paths of a
    build's import check."""
    found: dict[str, str] = {}
    for module in fact.import_names:
        parts = module.split(".")
        prefixes = {".".join(parts[:end]) for end in range(1, len(parts))}
        for other in facts.values():
            if other.name == fact.name:
                continue
            package = next((name for name in other.import_names if name in prefixes), None)
            if package is None:
                continue
            imports = other.imports_of(module_files(package)[0])
            if imports is not None and NAMESPACE_MARK not in imports:
                found[module] = inside_package_mark(module, package, other.name)
                break
    return found


def _inside_marks(
    fact: ReleaseFacts,
    facts: Mapping[NormalizedName, ReleaseFacts],
    closure: Iterable[NormalizedName],
    insides: Mapping[NormalizedName, dict[str, str]],
) -> dict[str, str]:
    """The pin's import names that are, or import, a module inside another pin's
    package (see :func:`_inside_other_packages`), each with its mark; ``insides``
    holds those of the pins it needs."""
    marks = _inside_other_packages(fact, facts)
    elsewhere = {
        module: mark
        for other in closure
        if other != fact.name
        for module, mark in insides[other].items()
    }
    if not elsewhere:
        return marks
    for module in fact.import_names:
        for name in sorted(external_imports(module, fact.imports_of, own=fact.provides)):
            parts = name.split(".")
            hit = next(
                (".".join(parts[:end]) for end in range(len(parts), 0, -1)
                 if ".".join(parts[:end]) in elsewhere),
                None,
            )  # fmt: skip
            if hit is not None and module not in marks:
                marks[module] = elsewhere[hit]
    return marks


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
