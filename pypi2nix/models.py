"""Plain data passed between the stages of the pipeline."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from pypi2nix.filenames import DistKind, wheel_tags

if TYPE_CHECKING:
    from packaging import tags
    from packaging.requirements import Requirement
    from packaging.utils import NormalizedName
    from packaging.version import Version

    from pypi2nix.errors import Origin
    from pypi2nix.inputs.locks.model import LockFile
    from pypi2nix.target import Target

DirectKind = Literal["url", "git", "path"]

_SHA256 = re.compile(r"[0-9a-f]{64}")


def valid_sha256(value: object) -> str | None:
    """A sha256 hex digest in lower case, or ``None`` for anything that is not one.

    A digest is data from outside (a page, a requirements file, the cache): it names
    cache files and is written into output files, so nothing else may pass.
    """
    if type(value) is not str:
        return None
    digest = value.lower()
    return digest if _SHA256.fullmatch(digest) else None


# Among the names a module imports: its top-level code raises ImportError on a
# condition (psycopg_binary refuses to be imported before psycopg), so whether it
# imports cannot be judged.
IMPORT_GUARD = "(a module-level raise ImportError)"
# The same, with the condition read from the source (judged for each target).
_GUARD_IF = "(raise ImportError if "
# An import needed on a condition (``try``/``except ImportError: raise`` in an ``if``).
_IMPORT_IF = "(import "
# Among the names an ``__init__.py`` imports: it declares a pkgutil or pkg_resources
# namespace, so the distribution's own modules are the dotted ones below it.
NAMESPACE_MARK = "(a namespace package)"
# Among the names a module needs: Django models, which only a configured project
# can import (AppRegistryNotReady).
DJANGO_MODELS = "(Django models)"


def guard_mark(condition: str) -> str:
    """The mark of a module-level ``if <condition>:`` block that raises ImportError."""
    return f"{_GUARD_IF}{condition})"


def guard_condition(mark: str) -> str | None:
    """The condition of a :func:`guard_mark` (``None`` for any other name)."""
    if mark.startswith(_GUARD_IF) and mark.endswith(")"):
        return mark[len(_GUARD_IF) : -1]
    return None


def conditional_import_mark(name: str, condition: str) -> str:
    """The mark of an import a module needs where a condition holds."""
    return f"{_IMPORT_IF}{name} if {condition})"


def conditional_import(mark: str) -> tuple[str, str] | None:
    """The name and condition of a :func:`conditional_import_mark`."""
    if not (mark.startswith(_IMPORT_IF) and mark.endswith(")")):
        return None
    name, _, condition = mark[len(_IMPORT_IF) : -1].partition(" if ")
    return name, condition


_INSIDE = " inside the package "


def inside_package_mark(module: str, package: str, distribution: str) -> str:
    """The mark of a module inside a regular package (one with an ``__init__.py``)
    that another distribution installs: the import name itself, or a module it imports."""
    return f"({module}{_INSIDE}{package} of {distribution})"


def inside_package(mark: str) -> tuple[str, str, str] | None:
    """The module, package and distribution of an :func:`inside_package_mark`."""
    if not (mark.startswith("(") and mark.endswith(")") and _INSIDE in mark):
        return None
    module, _, rest = mark[1:-1].partition(_INSIDE)
    package, _, distribution = rest.partition(" of ")
    return module, package, distribution


def is_import_mark(name: str) -> bool:
    """Whether an entry of a module's imports is a mark rather than a module name."""
    return name.startswith("(") and name.endswith(")")


@dataclass(frozen=True, slots=True, kw_only=True)
class DirectSource:
    """A source the user names instead of a version on an index: an archive URL, a git
    repository, or a local directory or archive (pip's direct references)."""

    kind: DirectKind
    # url: the archive's URL; git: the repository's URL (no ``git+``, rev or
    # fragment); path: the absolute path.
    url: str
    # git: the branch, tag or commit asked for (None: the default branch).
    rev: str | None = None
    # git: the full commit it was resolved to.
    commit: str | None = None
    # url: the sha256 of the archive; git: of the NAR of the checkout (hex). Before
    # fetching, an expected value given by the user (``#sha256=``, ``--hash``).
    sha256: str | None = None
    # git: whether ``git archive`` of the commit (a GitHub tarball) holds other files
    # than the checkout, because of export attributes.
    export_differs: bool = False
    # path: whether it is a project folder rather than an archive (known once read).
    folder: bool = False

    def describe(self) -> str:
        """As pip would spell it."""
        if self.kind == "git":
            rev = self.commit or self.rev
            return f"git+{self.url}{'@' + rev if rev else ''}"
        return self.url


@dataclass(frozen=True, slots=True, kw_only=True)
class InputRequirement:
    """One requirement (or constraint) as the user wrote it, with where it came from."""

    requirement: Requirement
    origin: Origin
    hashes: frozenset[str] = frozenset()
    direct: DirectSource | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RequirementSet:
    """Everything read from the inputs: roots, constraints and index options."""

    requirements: tuple[InputRequirement, ...] = ()
    constraints: tuple[InputRequirement, ...] = ()
    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    pre: bool = False
    # Normalized names (or ``:all:``) of --no-binary and --only-binary lines.
    no_binary: tuple[str, ...] = ()
    only_binary: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    # A lock of another tool: its pins are used as they are, with no resolution.
    locked: LockFile | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DistFile:
    """One file of a release, as the index lists it."""

    filename: str
    url: str
    kind: DistKind
    version: Version
    sha256: str | None = None
    requires_python: str | None = None
    yanked: bool = False
    # The reason the index gives for the yank, when it gives one.
    yanked_reason: str | None = None
    size: int | None = None
    core_metadata: bool | None = None
    # The sha256 the page gives for the PEP 658 ``.metadata`` file, when it gives one.
    core_metadata_sha256: str | None = None

    @property
    def wheel_tags(self) -> frozenset[tags.Tag]:
        """The tags of a wheel's file name (empty for an sdist)."""
        return wheel_tags(self.filename)


@dataclass(frozen=True, slots=True, kw_only=True)
class PackageMeta:
    """What ``meta`` says about a package."""

    description: str | None = None
    homepage: str | None = None
    changelog: str | None = None
    license_expression: str | None = None
    license_text: str | None = None
    license_classifiers: tuple[str, ...] = ()
    # The SPDX id of the license whose full text the release ships (its license file,
    # or a License field holding the whole text), when the text is recognized.
    license_from_text: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Dependency:
    """An edge of the lock graph: a pinned package needs another one."""

    name: NormalizedName
    # The names as the dependent's metadata spells them (for pythonRemoveDeps).
    spelled: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildRequirement:
    """A build requirement of a pin built from source (markers already applied), and
    the locked copy of the tool that stands in where nixpkgs cannot."""

    name: NormalizedName
    specifier: str = ""
    extras: tuple[str, ...] = ()
    # The key of the locked copy in LockGraph.build_tools; None when no wheel of the
    # tool fits (then only nixpkgs' own can serve).
    tool: str | None = None
    # Only the locked copy: nixpkgs' tool would depend, at run time, on pins of the
    # overlay whose closure holds this pin (an infinite recursion).
    locked_only: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Pin:
    """One pinned package with everything the renderers need."""

    name: NormalizedName
    pname: str
    version: str
    source: DistFile
    # Every file of the release pip may install (the source among them, for a file of
    # an index), sorted by name.
    files: tuple[DistFile, ...] = ()
    build_system: tuple[str, ...] = ()
    build_requirements: tuple[BuildRequirement, ...] = ()
    # The sdist's [build-system] build-backend (None: none declared).
    build_backend: str | None = None
    dependencies: tuple[Dependency, ...] = ()
    dropped_dependencies: tuple[Dependency, ...] = ()
    extras: tuple[str, ...] = ()
    # Every extra the release declares, with the projects it adds for the target.
    optional_dependencies: tuple[tuple[str, tuple[NormalizedName, ...]], ...] = ()
    # The PEP 735 dependency groups of the sdist's pyproject.toml, for the target.
    dependency_groups: tuple[tuple[str, tuple[NormalizedName, ...]], ...] = ()
    import_names: tuple[str, ...] = ()
    # Import names left out of pythonImportsCheck, with the modules they would miss.
    skipped_imports: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Environment variables the import check needs (a Django app's settings module).
    imports_check_environment: tuple[tuple[str, str], ...] = ()
    meta: PackageMeta = field(default_factory=PackageMeta)
    required_by: tuple[str, ...] = ()
    # Set when the source is not a file of an index (then ``source`` describes it).
    direct: DirectSource | None = None
    # The release publishes platform-specific wheels: it has compiled code.
    compiled: bool = False
    # A Linux binary wheel: the shared libraries it needs from the system (not glibc,
    # not its own), and those a wheel of a runtime dependency ships (name, dependency).
    system_libraries: tuple[str, ...] = ()
    libraries_from_dependencies: tuple[tuple[str, NormalizedName], ...] = ()
    # False for a binary wheel too large to be searched for the libraries it needs.
    libraries_known: bool = True
    # Why it is built from its wheel although the policy prefers its sdist.
    wheel_reason: str | None = None

    @property
    def hashes(self) -> tuple[str, ...]:
        """The sha256 of every file pip may install (for the frozen file)."""
        return tuple(sorted({file.sha256 for file in self.files if file.sha256}))


@dataclass(frozen=True, slots=True, kw_only=True)
class BrokenCycleEdge:
    """A dependency edge dropped to make the graph acyclic."""

    dependent: NormalizedName
    dependency: NormalizedName


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildTool:
    """A build tool locked from its wheel (a wheel needs no build system, so no cycle),
    for the pins whose build requirement nixpkgs lacks or has at another version."""

    key: str  # name-version
    pin: Pin
    dependencies: tuple[str, ...] = ()  # keys of other build tools


@dataclass(frozen=True, slots=True, kw_only=True)
class LockGraph:
    """The resolved, pinned set for one target."""

    target: Target
    pins: tuple[Pin, ...]
    roots: tuple[NormalizedName, ...]
    broken_edges: tuple[BrokenCycleEdge, ...] = ()
    build_tools: tuple[BuildTool, ...] = ()
    # Pins whose metadata only their build backend could give (it was run).
    built_metadata: tuple[NormalizedName, ...] = ()

    def pin(self, name: str) -> Pin:
        for pin in self.pins:
            if pin.name == name:
                return pin
        raise KeyError(name)


@dataclass(frozen=True, slots=True, kw_only=True)
class Lock:
    """What a run locks, and every output is rendered from: one graph per target, in
    the order the targets were given, and what the graphs share."""

    graphs: tuple[LockGraph, ...]
    # The input files the requirements came from.
    sources: tuple[str, ...] = ()
    index_urls: tuple[str, ...] = ()
    # The projects whose version differs between targets, and why.
    splits: tuple[VersionSplit, ...] = ()

    @property
    def targets(self) -> tuple[Target, ...]:
        return tuple(graph.target for graph in self.graphs)

    def variants(self) -> dict[NormalizedName, tuple[PinVariant, ...]]:
        """Per project (in name order), each release and file it is pinned to, with the
        targets that install it (in target order)."""
        found: dict[NormalizedName, dict[tuple[str, str], list[tuple[Target, Pin]]]] = {}
        for graph in self.graphs:
            for pin in graph.pins:
                identity = (pin.version, pin.source.filename)
                found.setdefault(pin.name, {}).setdefault(identity, []).append((graph.target, pin))
        return {
            name: tuple(
                PinVariant(targets=tuple(t for t, _ in pins), pins=tuple(p for _, p in pins))
                for pins in found[name].values()
            )
            for name in sorted(found)
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class VersionSplit:
    """A project pinned at different versions on different targets: each version with
    its targets, and what keeps the first version off the others."""

    name: NormalizedName
    versions: tuple[tuple[str, tuple[Target, ...]], ...]
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PinVariant:
    """One release and file of a project, and the targets that install it: one pin per
    target (they differ only where the targets' markers do)."""

    targets: tuple[Target, ...]
    pins: tuple[Pin, ...]

    @property
    def pin(self) -> Pin:
        return self.pins[0]


@dataclass(frozen=True, slots=True, kw_only=True)
class CoreMetadata:
    """The fields of a distribution's core metadata that pypi2nix uses."""

    name: str
    version: str
    metadata_version: str = "1.0"
    summary: str | None = None
    home_page: str | None = None
    project_urls: tuple[tuple[str, str], ...] = ()
    license: str | None = None
    license_expression: str | None = None
    classifiers: tuple[str, ...] = ()
    requires_dist: tuple[Requirement, ...] = ()
    requires_python: str | None = None
    provides_extra: tuple[str, ...] = ()
    dynamic: tuple[str, ...] = ()

    @property
    def has_static_dependencies(self) -> bool:
        """Whether ``Requires-Dist`` can be trusted (Metadata 2.2+, not declared dynamic)."""
        major, _, minor = self.metadata_version.partition(".")
        try:
            version = (int(major), int(minor or 0))
        except ValueError:
            return False
        dynamic = {field.lower() for field in self.dynamic}
        return version >= (2, 2) and "requires-dist" not in dynamic
