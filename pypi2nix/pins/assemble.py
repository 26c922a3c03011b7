"""Turn each resolved release into a :class:`Pin`: the file to build from and what
building it needs (build system, import names, ``meta``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from packaging.utils import NormalizedName, canonicalize_name

from pypi2nix.dists.modules import (
    import_names_from_sdist,
    import_names_from_wheel,
    provided_names,
)
from pypi2nix.dists.sdist import build_requirements
from pypi2nix.errors import MetadataError
from pypi2nix.models import PackageMeta, Pin
from pypi2nix.pins.imports import missing_imports
from pypi2nix.project_files import MetadataParseError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from packaging.requirements import Requirement

    from pypi2nix.dists.sdist import SdistContents
    from pypi2nix.dists.wheel import WheelFacts
    from pypi2nix.models import CoreMetadata, Dependency, DistFile
    from pypi2nix.resolve.factory import Factory
    from pypi2nix.resolve.graph import ResolvedRelease
    from pypi2nix.target import Target

DEFAULT_BUILD_SYSTEM = (NormalizedName("setuptools"),)
_HOMEPAGE_LABELS = ("homepage", "home", "source", "sourcecode", "repository", "code", "github")
_CHANGELOG_LABELS = ("changelog", "changes", "releasenotes", "history", "whatsnew", "news")


@dataclass(frozen=True, slots=True)
class _Facts:
    """What is learnt about one release before the pins are put together."""

    release: ResolvedRelease
    metadata: CoreMetadata
    source: DistFile
    build_system: tuple[str, ...]
    dependency_groups: tuple[tuple[str, tuple[NormalizedName, ...]], ...]
    import_names: tuple[str, ...]
    provides: frozenset[str]
    imports_of: Callable[[str], tuple[str, ...] | None]


def make_pins(
    releases: Mapping[NormalizedName, ResolvedRelease],
    dependencies: Mapping[NormalizedName, tuple[Dependency, ...]],
    dropped: Mapping[NormalizedName, tuple[Dependency, ...]],
    factory: Factory,
    progress: Callable[[str], None],
) -> list[Pin]:
    """Gather everything the renderers need about each resolved release (in parallel;
    the pins come out in name order).

    :param dependencies: each project's dependencies, cycles already broken.
    :param dropped: the edges left out to break cycles.
    """
    ordered = [release for _, release in sorted(releases.items())]
    if any(_needs_network(release, factory) for release in ordered):
        gathered = factory.prefetcher.map(lambda r: _gather(r, factory, progress), ordered)
    else:  # all from the cache: threads would only compete for the CPU
        gathered = [_gather(release, factory, progress) for release in ordered]
    facts = {fact.release.name: fact for fact in gathered}
    closures = _runtime_closures(dependencies)
    pins = []
    for name, fact in facts.items():
        available = frozenset().union(*(facts[other].provides for other in closures[name]))
        checked, skipped = _judge_imports(fact, available)
        candidate = fact.release.candidate
        pins.append(
            Pin(
                name=name,
                pname=fact.metadata.name,
                version=str(candidate.version),
                source=fact.source,
                hashes=_release_hashes(fact.release, factory, fact.source),
                build_system=fact.build_system,
                dependencies=dependencies[name],
                dropped_dependencies=dropped[name],
                extras=fact.release.extras,
                optional_dependencies=factory.optional_dependencies(name, fact.metadata),
                dependency_groups=fact.dependency_groups,
                import_names=checked,
                skipped_imports=skipped,
                meta=package_meta(fact.metadata),
                required_by=fact.release.required_by,
                direct=None if candidate.direct is None else candidate.direct.source,
            )
        )
    return pins


def _files_read(release: ResolvedRelease, factory: Factory) -> list[DistFile]:
    """The files whose facts a pin needs: its sdist, and its best wheel (none for a
    direct source, which is read already)."""
    candidate = release.candidate
    if candidate.direct is not None:
        return []
    source = factory.source_of(candidate)
    return [*([source] if source.kind == "sdist" else []), *factory.wheels(candidate)[:1]]


def _needs_network(release: ResolvedRelease, factory: Factory) -> bool:
    return not all(factory.index.has_cached_facts(file) for file in _files_read(release, factory))


def _gather(release: ResolvedRelease, factory: Factory, progress: Callable[[str], None]) -> _Facts:
    candidate = release.candidate
    progress(f"build facts {candidate.name} {candidate.version}")
    if candidate.direct is not None:
        direct = candidate.direct
        return _facts(release, factory, direct.file, direct.contents, direct.wheel)
    index = factory.index
    source = index.with_sha256(factory.source_of(candidate))
    wheels = factory.wheels(candidate)
    contents = (
        index.sdist_contents(source, until_pyproject=bool(wheels))
        if source.kind == "sdist"
        else None
    )
    wheel = index.wheel_facts(wheels[0]) if wheels else None
    return _facts(release, factory, source, contents, wheel)


def _facts(
    release: ResolvedRelease,
    factory: Factory,
    source: DistFile,
    contents: SdistContents | None,
    wheel: WheelFacts | None,
) -> _Facts:
    """What a release's files tell: the build system and dependency groups from the
    sdist, the import names from the wheel's file list, else the sdist's."""
    name, target = release.candidate.name, factory.target
    build_system = () if contents is None else _build_system(contents, source, name, target)
    groups = (
        ()
        if contents is None or contents.pyproject is None
        else _group_names(contents.pyproject.dependency_groups, target)
    )
    if wheel is not None:
        sdist_imports = contents.imports.of if contents is not None else _unknown
        import_names = import_names_from_wheel(wheel.names, project=name)
        provides = provided_names(wheel.names)

        def imports_of(path: str) -> tuple[str, ...] | None:
            return _first_known(wheel.imports.of(path), sdist_imports, path)

    else:
        assert contents is not None  # a release without wheels has an sdist
        import_names = import_names_from_sdist(
            contents.names, project=name, top_level_txt=contents.egg_info("top_level.txt")
        )
        provides = provided_names(path.removeprefix("src/") for path in contents.names)
        imports_of = contents.imports.of
    return _Facts(
        release=release,
        metadata=factory.metadata(release.candidate),
        source=source,
        build_system=build_system,
        dependency_groups=groups,
        import_names=import_names,
        provides=provides,
        imports_of=imports_of,
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

    def closure(name: NormalizedName) -> set[NormalizedName]:
        if name not in closures:
            closures[name] = {name}.union(*(closure(d.name) for d in dependencies[name]))
        return closures[name]

    for name in dependencies:
        closure(name)
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


def _release_hashes(
    release: ResolvedRelease, factory: Factory, source: DistFile
) -> tuple[str, ...]:
    """sha256 of every file of the release that pip may pick (for the frozen file),
    narrowed to the user's ``--hash`` digests when there are some."""
    candidate = release.candidate
    if candidate.direct is not None:  # only an archive's hash is one pip can check
        return (source.sha256,) if candidate.direct.source.kind == "url" and source.sha256 else ()
    files = factory.release(candidate.name, candidate.version)
    digests = {file.sha256 for file in (*files.files, *files.other_wheels) if file.sha256}
    allowed = factory.hashes.get(candidate.name)
    if allowed is not None:
        digests &= allowed
    assert source.sha256 is not None
    return tuple(sorted(digests | {source.sha256}))


def _build_system(
    contents: SdistContents, source: DistFile, name: NormalizedName, target: Target
) -> tuple[str, ...]:
    """The sdist's ``[build-system] requires`` for the target (setuptools when none)."""
    try:
        requirements = build_requirements(contents)
    except MetadataParseError as error:
        raise MetadataError(name, str(source.version), f"{source.filename}: {error}") from error
    if requirements is None:
        return DEFAULT_BUILD_SYSTEM
    return build_system_names(requirements, target)


def _group_names(
    groups: Sequence[tuple[str, Sequence[Requirement]]], target: Target
) -> tuple[tuple[str, tuple[NormalizedName, ...]], ...]:
    return tuple(
        (group, build_system_names(requirements, target)) for group, requirements in groups
    )


def build_system_names(
    requirements: Sequence[Requirement], target: Target
) -> tuple[NormalizedName, ...]:
    """Normalized names of the requirements that apply to the target."""
    names = {
        canonicalize_name(requirement.name)
        for requirement in requirements
        if target.evaluates(requirement.marker)
    }
    return tuple(sorted(names))


def package_meta(metadata: CoreMetadata) -> PackageMeta:
    """``meta`` facts from core metadata: summary, home page, changelog, license."""
    urls = {_label(label): url for label, url in metadata.project_urls if _is_web_url(url)}
    homepage = _clean(metadata.home_page)
    if homepage is None or not _is_web_url(homepage):
        homepage = next((urls[label] for label in _HOMEPAGE_LABELS if label in urls), None)
    return PackageMeta(
        description=_clean(metadata.summary),
        homepage=homepage,
        changelog=next((urls[label] for label in _CHANGELOG_LABELS if label in urls), None),
        license_expression=_clean(metadata.license_expression),
        license_text=_clean(metadata.license),
        license_classifiers=tuple(c for c in metadata.classifiers if c.startswith("License ::")),
    )


def _label(text: str) -> str:
    return "".join(character for character in text.lower() if character.isalnum())


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return None if not value or value.upper() == "UNKNOWN" else value


def _is_web_url(value: str) -> bool:
    return value.startswith(("https://", "http://"))
