"""Turn each resolved release into a :class:`Pin`: the file to build from and what
building it needs (build system, import names, ``meta``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from packaging.utils import NormalizedName, canonicalize_name

from pypi2nix.errors import MetadataError
from pypi2nix.index.facts import (
    import_names_from_sdist,
    import_names_from_wheel,
    provided_names,
)
from pypi2nix.index.metadata import MetadataParseError
from pypi2nix.index.sdist import build_requirements
from pypi2nix.models import PackageMeta, Pin
from pypi2nix.resolve.imports import missing_imports

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from packaging.requirements import Requirement

    from pypi2nix.index.metadata import CoreMetadata
    from pypi2nix.models import Dependency, DistFile
    from pypi2nix.options import Target
    from pypi2nix.resolve.factory import Factory
    from pypi2nix.resolve.graph import ResolvedRelease

DEFAULT_BUILD_SYSTEM = (NormalizedName("setuptools"),)
_HOMEPAGE_LABELS = ("homepage", "home", "source", "sourcecode", "repository", "code", "github")
_CHANGELOG_LABELS = ("changelog", "changes", "releasenotes", "history", "whatsnew", "news")


@dataclass(frozen=True, slots=True)
class _Facts:
    """What is learnt about one release before the pins are put together."""

    release: ResolvedRelease
    metadata: CoreMetadata
    source: DistFile
    import_names: tuple[str, ...]
    provides: frozenset[str]
    read_module: Callable[[str], bytes | None]


def make_pins(
    releases: Mapping[NormalizedName, ResolvedRelease],
    dependencies: Mapping[NormalizedName, tuple[Dependency, ...]],
    dropped: Mapping[NormalizedName, tuple[Dependency, ...]],
    factory: Factory,
    progress: Callable[[str], None],
) -> list[Pin]:
    """Gather everything the renderers need about each resolved release.

    :param dependencies: each project's dependencies, cycles already broken.
    :param dropped: the edges left out to break cycles.
    """
    facts = {}
    for name, release in sorted(releases.items()):
        progress(f"build facts {name} {release.candidate.version}")
        facts[name] = _gather(release, factory)
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
                build_system=_build_system(fact.source, factory, name),
                dependencies=dependencies[name],
                dropped_dependencies=dropped[name],
                extras=fact.release.extras,
                import_names=checked,
                skipped_imports=skipped,
                meta=package_meta(fact.metadata),
                required_by=fact.release.required_by,
            )
        )
    return pins


def _gather(release: ResolvedRelease, factory: Factory) -> _Facts:
    candidate = release.candidate
    source = _choose_source(candidate.files)
    if source.sha256 is None:
        source = factory.index.with_sha256(source)
    files = factory.releases(candidate.name)[candidate.version]
    wheels = [file for file in candidate.files if file.kind == "wheel"] + list(files.other_wheels)
    index = factory.index
    if wheels:
        wheel = wheels[0]
        names = index.wheel_names(wheel)
        return _Facts(
            release=release,
            metadata=factory.metadata(candidate),
            source=source,
            import_names=import_names_from_wheel(names, project=candidate.name),
            provides=provided_names(names),
            read_module=lambda path: index.wheel_member(wheel, path),
        )
    contents = index.sdist_contents(source, until_pyproject=False)
    return _Facts(
        release=release,
        metadata=factory.metadata(candidate),
        source=source,
        import_names=import_names_from_sdist(
            contents.names, project=candidate.name, top_level_txt=contents.egg_info("top_level.txt")
        ),
        provides=provided_names(name.removeprefix("src/") for name in contents.names),
        read_module=contents.module_source,
    )


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
        missing = missing_imports(module, fact.read_module, own=fact.provides, available=available)
        if missing:
            skipped.append((module, missing))
        else:
            checked.append(module)
    return tuple(checked), tuple(skipped)


def _choose_source(files: Sequence[DistFile]) -> DistFile:
    """The sdist when there is one, else the wheel that fits the target best."""
    return next((file for file in files if file.kind == "sdist"), files[0])


def _release_hashes(
    release: ResolvedRelease, factory: Factory, source: DistFile
) -> tuple[str, ...]:
    """sha256 of every file of the release that pip may pick (for the frozen file),
    narrowed to the user's ``--hash`` digests when there are some."""
    candidate = release.candidate
    files = factory.releases(candidate.name)[candidate.version]
    digests = {file.sha256 for file in (*files.files, *files.other_wheels) if file.sha256}
    allowed = factory.hashes.get(candidate.name)
    if allowed is not None:
        digests &= allowed
    assert source.sha256 is not None
    return tuple(sorted(digests | {source.sha256}))


def _build_system(source: DistFile, factory: Factory, name: NormalizedName) -> tuple[str, ...]:
    if source.kind == "wheel":
        return ()
    contents = factory.index.sdist_contents(source, until_pyproject=True)
    try:
        requirements = build_requirements(contents, project=name)
    except MetadataParseError as error:
        raise MetadataError(name, str(source.version), f"{source.filename}: {error}") from error
    if requirements is None:
        return DEFAULT_BUILD_SYSTEM
    return build_system_names(requirements, factory.target)


def build_system_names(requirements: Sequence[Requirement], target: Target) -> tuple[str, ...]:
    """Normalized names of the build requirements that apply to the target."""
    environment = {**target.marker_environment(), "extra": ""}
    names = {
        canonicalize_name(requirement.name)
        for requirement in requirements
        if requirement.marker is None or requirement.marker.evaluate(environment)
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
