"""What is learnt about each resolved release before its pin is made: the file it is
built from, and what that file and the best wheel tell (build system, import names,
the libraries a binary wheel needs), read through the index."""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from pypi2nix.dists.modules import (
    built_from_sdist,
    import_names_from_sdist,
    import_names_from_wheel,
    provided_names,
)
from pypi2nix.dists.old_setup import opens_mode_u
from pypi2nix.dists.selection import BUILD_FILES, SETUP_PY
from pypi2nix.filenames import is_linux_binary_wheel
from pypi2nix.pins.build_requirements import group_names, sdist_build_requirements
from pypi2nix.pins.imports import for_target

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from packaging.utils import NormalizedName

    from pypi2nix.dists.sdist import SdistContents
    from pypi2nix.dists.wheel import NativeFacts, WheelFacts
    from pypi2nix.models import BuildRequirement, DistFile
    from pypi2nix.resolve import Candidate, ResolvedRelease
    from pypi2nix.session import LockSession
    from pypi2nix.target import Target


@dataclass(frozen=True, slots=True)
class ReleaseFacts:
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
    # Its setup.py opens files with mode 'U' (gone in Python 3.11).
    setup_py_mode_u: bool = False

    @property
    def name(self) -> NormalizedName:
        return self.release.name


def chosen_source(candidate: Candidate, session: LockSession) -> DistFile:
    """The file the policy builds the candidate's pin from."""
    sources = session.policy.sources
    return sources.choose(candidate.name, candidate.files)


def best_wheel(candidate: Candidate) -> DistFile | None:
    """The candidate's best wheel for the target, if it has one."""
    return next((file for file in candidate.files if file.kind == "wheel"), None)


def gather_facts(
    releases: Sequence[ResolvedRelease],
    session: LockSession,
    sources: Callable[[Candidate], DistFile] | None = None,
    *,
    read_ahead: bool = False,
) -> list[ReleaseFacts]:
    """The facts of each release (in parallel when the network is needed), in order.

    :param sources: the file each release is built from (default: the policy's choice).
    :param read_ahead: the reads were started in the background
        (:func:`read_facts_ahead`): the facts are put together in this thread, each
        waiting for its reads, rather than queued behind every read in the pool.
    """
    choose = sources or functools.partial(chosen_source, session=session)
    if read_ahead:
        return [_gather(release, choose, session) for release in releases]
    if any(_needs_network(release, choose(release.candidate), session) for release in releases):
        return session.prefetcher.map(lambda release: _gather(release, choose, session), releases)
    # all from the cache: threads would only compete for the CPU
    return [_gather(release, choose, session) for release in releases]


def read_facts_ahead(releases: Sequence[ResolvedRelease], session: LockSession) -> None:
    """Start reading, in the background, what :func:`gather_facts` will read of each
    release (its sdist, its best wheel's file list, a Linux binary wheel's libraries),
    so that a lock of several targets reads one target's files while it resolves the
    next."""
    choose = functools.partial(chosen_source, session=session)
    for release in releases:
        if release.candidate.direct is None and _needs_network(
            release, choose(release.candidate), session
        ):
            session.prefetcher.submit(functools.partial(_read, release, choose, session))


def _read(
    release: ResolvedRelease, choose: Callable[[Candidate], DistFile], session: LockSession
) -> None:
    """What :func:`_gather` reads of a release through the index (each read once)."""
    index, candidate = session.index, release.candidate
    source = index.with_sha256(choose(candidate))
    wheels = _wheels(candidate)
    if source.kind == "sdist":
        index.sdist_contents(source, until_pyproject=bool(wheels))
    if wheels:
        index.wheel_facts(wheels[0])
    if _reads_libraries(source, session.target):
        index.native_facts(source)


class BuildFactsLookAhead:
    """The resolver's look-ahead (:class:`pypi2nix.resolve.LookAhead`): for a candidate
    likely to be pinned, start reading what its pin will need, as :func:`gather_facts`
    will: an sdist up to ``pyproject.toml`` when a wheel has the file list, else all of
    it, and then the pages of its build tools (their locking asks for them next); a
    Linux binary wheel, for the libraries it needs."""

    def __init__(self, session: LockSession) -> None:
        self.session = session

    def __call__(self, candidate: Candidate) -> None:
        if candidate.direct is not None:
            return
        index, prefetcher, target = (
            self.session.index,
            self.session.prefetcher,
            self.session.target,
        )
        source = chosen_source(candidate, self.session)
        if source.kind == "sdist":
            whole = not _wheels(candidate)

            def read_sdist() -> None:
                contents = index.sdist_contents(source, until_pyproject=not whole)
                for tool in sdist_build_requirements(contents, source, candidate.name, target):
                    prefetcher.submit(functools.partial(index.project_page, tool.name))

            prefetcher.submit(read_sdist, bulk=True)
        elif _reads_libraries(source, target):
            prefetcher.submit(lambda: index.native_facts(source), bulk=True)


def _wheels(candidate: Candidate) -> list[DistFile]:
    """Every wheel of the candidate's release: those for the target first."""
    return [file for file in candidate.files if file.kind == "wheel"] + list(candidate.other_wheels)


def _needs_network(release: ResolvedRelease, source: DistFile, session: LockSession) -> bool:
    """Whether the facts of a release are not all in memory or the cache: its sdist,
    its best wheel, and the libraries of a binary wheel (a direct source is read)."""
    candidate = release.candidate
    if candidate.direct is not None:
        return False
    index = session.index
    files = [*([source] if source.kind == "sdist" else []), *_wheels(candidate)[:1]]
    if not all(index.has_cached_facts(file) for file in files):
        return True
    return _reads_libraries(source, session.target) and not index.has_cached_native_facts(source)


def _reads_libraries(source: DistFile, target: Target) -> bool:
    """Whether the pin's shared libraries are looked for (a Linux binary wheel)."""
    return target.is_linux and is_linux_binary_wheel(source.filename)


def _gather(
    release: ResolvedRelease, choose: Callable[[Candidate], DistFile], session: LockSession
) -> ReleaseFacts:
    candidate = release.candidate
    session.progress(f"build facts {candidate.name} {candidate.version}")
    if candidate.direct is not None:
        direct = candidate.direct
        return _facts(release, session.target, direct.file, direct.contents, direct.wheel)
    index = session.index
    source = index.with_sha256(choose(candidate))
    wheels = _wheels(candidate)
    contents = (
        index.sdist_contents(source, until_pyproject=bool(wheels))
        if source.kind == "sdist"
        else None
    )
    wheel = index.wheel_facts(wheels[0]) if wheels else None
    facts = _facts(release, session.target, source, contents, wheel)
    if _reads_libraries(source, session.target):
        native = index.native_facts(source)
        return replace(facts, native=native, libraries_known=native is not None)
    return facts


def _facts(
    release: ResolvedRelease,
    target: Target,
    source: DistFile,
    contents: SdistContents | None,
    wheel: WheelFacts | None,
) -> ReleaseFacts:
    """What a release's files tell: the build system and dependency groups from the
    sdist, the import names from the wheel's file list, else the sdist's."""
    name = release.candidate.name
    build_requirements = (
        () if contents is None else sdist_build_requirements(contents, source, name, target)
    )
    pyproject = None if contents is None else contents.pyproject
    groups = () if pyproject is None else group_names(pyproject.dependency_groups, target)
    if wheel is not None:
        sdist_imports = contents.imports.of if contents is not None else _unknown

        def imports_of(path: str) -> tuple[str, ...] | None:
            return _first_known(wheel.imports.of(path), sdist_imports, path)

        import_names = import_names_from_wheel(wheel.names, imports_of=imports_of)
        if source.kind == "sdist" and contents is not None and contents.complete:
            # built from the sdist: what its wheel was built from may have differed
            import_names = built_from_sdist(import_names, contents.names) or _sdist_names(
                contents, release
            )
        provides = provided_names(wheel.names)
    else:
        assert contents is not None  # a release without wheels has an sdist
        import_names = _sdist_names(contents, release)
        provides = provided_names(path.removeprefix("src/") for path in contents.names)
        imports_of = contents.imports.of
    return ReleaseFacts(
        release=release,
        source=source,
        build_requirements=build_requirements,
        build_backend=None if pyproject is None else pyproject.build_backend,
        dependency_groups=groups,
        import_names=import_names,
        provides=provides,
        imports_of=for_target(imports_of, target),
        license_file=(contents.license_file() if contents is not None else None)
        or (wheel.license_file if wheel is not None else None),
        setup_py_mode_u=contents is not None and opens_mode_u(contents.files.get(SETUP_PY)),
    )


def _sdist_names(contents: SdistContents, release: ResolvedRelease) -> tuple[str, ...]:
    return import_names_from_sdist(
        contents.names,
        top_level_txt=contents.egg_info("top_level.txt"),
        files={name: data for name, data in contents.files.items() if name in BUILD_FILES},
        project=release.metadata.name,
        imports_of=contents.imports.of,
    )


def _unknown(path: str) -> tuple[str, ...] | None:
    return None


def _first_known(
    known: tuple[str, ...] | None, fallback: Callable[[str], tuple[str, ...] | None], path: str
) -> tuple[str, ...] | None:
    return known if known is not None else fallback(path)
