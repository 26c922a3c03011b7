"""Turn each resolved release into a :class:`Pin`: the file to build from and what
building it needs (build system, import names, ``meta``), read from the index."""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from pypi2nix.dists.modules import (
    import_names_from_sdist,
    import_names_from_wheel,
    provided_names,
)
from pypi2nix.dists.sdist import SETUP_PY
from pypi2nix.filenames import is_binary_wheel, is_linux_binary_wheel
from pypi2nix.models import IMPORT_GUARD, BuildRequirement, Pin
from pypi2nix.pins.build_requirements import group_names, sdist_build_requirements
from pypi2nix.pins.imports import missing_imports
from pypi2nix.pins.meta import package_meta

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from packaging.utils import NormalizedName

    from pypi2nix.dists.sdist import SdistContents
    from pypi2nix.dists.wheel import NativeFacts, WheelFacts
    from pypi2nix.index.prefetch import Prefetcher
    from pypi2nix.index.repository import PackageIndex
    from pypi2nix.models import Dependency, DistFile
    from pypi2nix.resolve import Candidate, Resolution, ResolutionPolicy, ResolvedRelease
    from pypi2nix.resolve.policy import SourceMode
    from pypi2nix.target import Target


@dataclass(frozen=True, slots=True)
class _Facts:
    """What is learnt about one release before the pins are put together."""

    release: ResolvedRelease
    source: DistFile
    build_requirements: tuple[BuildRequirement, ...]
    build_backend: str | None
    dependency_groups: tuple[tuple[str, tuple[NormalizedName, ...]], ...]
    import_names: tuple[str, ...]
    provides: frozenset[str]
    imports_of: Callable[[str], tuple[str, ...] | None]
    # The shared libraries of a Linux binary wheel (None for anything else, or when
    # it is too large to search: then libraries_known is false).
    native: NativeFacts | None = None
    libraries_known: bool = True
    # The sdist's license file, when it was read (for an ambiguous license).
    license_file: str | None = None


@dataclass(frozen=True, slots=True)
class _Context:
    index: PackageIndex
    target: Target
    policy: ResolutionPolicy
    progress: Callable[[str], None]


def make_pins(
    resolution: Resolution,
    index: PackageIndex,
    target: Target,
    policy: ResolutionPolicy,
    *,
    prefetcher: Prefetcher,
    progress: Callable[[str], None] = lambda _: None,
) -> tuple[Pin, ...]:
    """Gather everything the renderers need about each resolved release (in parallel
    when the network is needed; the pins come out in name order)."""
    context = _Context(index, target, policy, progress)
    ordered = [release for _, release in sorted(resolution.releases.items())]
    if any(_needs_network(release, context) for release in ordered):
        gathered = prefetcher.map(lambda release: _gather(release, context), ordered)
    else:  # all from the cache: threads would only compete for the CPU
        gathered = [_gather(release, context) for release in ordered]
    facts = {fact.release.name: fact for fact in gathered}
    closures = _runtime_closures(resolution.dependencies)
    pins = []
    for name, fact in facts.items():
        available = frozenset().union(*(facts[other].provides for other in closures[name]))
        checked, skipped = _judge_imports(fact, available)
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
                hashes=_hashes(release, fact.source),
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
    fact: _Facts, facts: Mapping[NormalizedName, _Facts], closure: set[NormalizedName]
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


def choose_source(candidate: Candidate, mode: SourceMode) -> DistFile:
    """The file a pin is built from (the candidate's files are best first, wheels for
    the target before the sdist; the resolver has made sure the mode can be met).

    ``auto`` takes the best wheel of a release with compiled code, the sdist of any
    other (see :data:`pypi2nix.resolve.policy.SourceMode` for the others).
    """
    files = candidate.files
    best_wheel = files[0] if files[0].kind == "wheel" else None
    sdist = next((file for file in files if file.kind == "sdist"), None)
    if best_wheel is None or sdist is None:
        return files[0]
    wants_wheel = mode in ("binary", "wheel-first")
    if mode == "auto":
        wants_wheel = has_compiled_code([*files, *candidate.other_wheels])
    return best_wheel if wants_wheel else sdist


def has_compiled_code(files: Iterable[DistFile]) -> bool:
    """Whether a release publishes platform-specific wheels: then it has compiled code."""
    return any(is_binary_wheel(file.filename) for file in files)


def _source(candidate: Candidate, policy: ResolutionPolicy) -> DistFile:
    return choose_source(candidate, policy.sources.mode(candidate.name))


def _wheels(candidate: Candidate) -> list[DistFile]:
    """Every wheel of the candidate's release: those for the target first."""
    return [file for file in candidate.files if file.kind == "wheel"] + list(candidate.other_wheels)


def prefetch_build_facts(
    candidate: Candidate,
    index: PackageIndex,
    target: Target,
    policy: ResolutionPolicy,
    prefetcher: Prefetcher,
) -> None:
    """Start reading what the candidate's pin will need, as :func:`make_pins` will:
    an sdist up to ``pyproject.toml`` when a wheel has the file list, else all of it,
    and then the pages of its build tools (their locking asks for them next); a
    Linux binary wheel whole, for the libraries it needs."""
    if candidate.direct is not None:
        return
    source = _source(candidate, policy)
    if source.kind == "sdist":
        whole = not _wheels(candidate)

        def read_sdist() -> None:
            contents = index.sdist_contents(source, until_pyproject=not whole)
            for tool in sdist_build_requirements(contents, source, candidate.name, target):
                prefetcher.submit(functools.partial(index.project_page, tool.name))

        prefetcher.submit(read_sdist, bulk=True)
    elif target.is_linux and is_linux_binary_wheel(source.filename):
        prefetcher.submit(lambda: index.native_facts(source), bulk=True)


def _files_read(release: ResolvedRelease, context: _Context) -> list[DistFile]:
    """The files whose facts a pin needs: its sdist, and its best wheel (none for a
    direct source, which is read already)."""
    candidate = release.candidate
    if candidate.direct is not None:
        return []
    source = _source(candidate, context.policy)
    return [*([source] if source.kind == "sdist" else []), *_wheels(candidate)[:1]]


def _needs_network(release: ResolvedRelease, context: _Context) -> bool:
    files = _files_read(release, context)
    if not all(context.index.has_cached_facts(file) for file in files):
        return True
    source = _source(release.candidate, context.policy)
    return _reads_libraries(source, context) and not context.index.has_cached_native_facts(source)


def _reads_libraries(source: DistFile, context: _Context) -> bool:
    """Whether the pin's shared libraries are looked for (a Linux binary wheel)."""
    return context.target.is_linux and is_linux_binary_wheel(source.filename)


def _gather(release: ResolvedRelease, context: _Context) -> _Facts:
    candidate = release.candidate
    context.progress(f"build facts {candidate.name} {candidate.version}")
    if candidate.direct is not None:
        direct = candidate.direct
        return _facts(release, context.target, direct.file, direct.contents, direct.wheel)
    index = context.index
    chosen = _source(candidate, context.policy)
    source = index.with_sha256(chosen)
    wheels = _wheels(candidate)
    contents = (
        index.sdist_contents(source, until_pyproject=bool(wheels))
        if source.kind == "sdist"
        else None
    )
    wheel = index.wheel_facts(wheels[0]) if wheels else None
    facts = _facts(release, context.target, source, contents, wheel)
    if _reads_libraries(source, context):
        native = index.native_facts(source)
        return replace(facts, native=native, libraries_known=native is not None)
    return facts


def _facts(
    release: ResolvedRelease,
    target: Target,
    source: DistFile,
    contents: SdistContents | None,
    wheel: WheelFacts | None,
) -> _Facts:
    """What a release's files tell: the build system and dependency groups from the
    sdist, the import names from the wheel's file list, else the sdist's."""
    name = release.candidate.name
    build_requirements = (
        () if contents is None else sdist_build_requirements(contents, source, name, target)
    )
    groups = (
        ()
        if contents is None or contents.pyproject is None
        else group_names(contents.pyproject.dependency_groups, target)
    )
    if wheel is not None:
        sdist_imports = contents.imports.of if contents is not None else _unknown
        import_names = import_names_from_wheel(wheel.names)
        provides = provided_names(wheel.names)

        def imports_of(path: str) -> tuple[str, ...] | None:
            return _first_known(wheel.imports.of(path), sdist_imports, path)

    else:
        assert contents is not None  # a release without wheels has an sdist
        import_names = import_names_from_sdist(
            contents.names,
            top_level_txt=contents.egg_info("top_level.txt"),
            setup_py=contents.files.get(SETUP_PY),
        )
        provides = provided_names(path.removeprefix("src/") for path in contents.names)
        imports_of = contents.imports.of
    return _Facts(
        release=release,
        source=source,
        build_requirements=build_requirements,
        build_backend=None
        if contents is None or contents.pyproject is None
        else (contents.pyproject.build_backend),
        dependency_groups=groups,
        import_names=import_names,
        provides=provides,
        imports_of=imports_of,
        license_file=(contents.license_file() if contents is not None else None)
        or (wheel.license_file if wheel is not None else None),
    )


def _unknown(path: str) -> tuple[str, ...] | None:
    return None


def _first_known(
    known: tuple[str, ...] | None, fallback: Callable[[str], tuple[str, ...] | None], path: str
) -> tuple[str, ...] | None:
    return known if known is not None else fallback(path)


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


def _judge_imports(
    fact: _Facts, available: frozenset[str]
) -> tuple[tuple[str, ...], tuple[tuple[str, tuple[str, ...]], ...]]:
    checked: list[str] = []
    skipped: list[tuple[str, tuple[str, ...]]] = []
    for module in fact.import_names:
        missing = missing_imports(module, fact.imports_of, own=fact.provides, available=available)
        if missing:
            skipped.append((module, missing))
        else:
            checked.append(module)
    return tuple(checked), tuple(skipped)


def _hashes(release: ResolvedRelease, source: DistFile) -> tuple[str, ...]:
    """The release's digests for the frozen file, with the source's own."""
    if release.candidate.direct is not None or source.sha256 is None:
        return release.file_digests
    return tuple(sorted({*release.file_digests, source.sha256}))
