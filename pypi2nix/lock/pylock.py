"""``pylock.toml`` (PEP 751): the pins with their files, for pip and uv, and the
lock's own state, read back by the next ``generate`` and by ``update``.

Every pin is a package with its version and every file pip may install for it (URL,
size when known, sha256), or its git commit, local folder or archive. The inputs the
lock was made from (the recorded options, as data) are kept in ``[tool.pypi2nix]``,
with the graph ``pypi2nix tree`` shows (:mod:`pypi2nix.lock.graph_record`).
The document is made as the plain data packaging's :class:`Pylock` gives
(``Pylock.to_dict``), validated by reading it with packaging's own
:mod:`packaging.pylock`, and written with tomli-w.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import tomli_w
from packaging.markers import Marker
from packaging.pylock import (
    Pylock,
)
from packaging.utils import canonicalize_name
from packaging.version import Version

from pypi2nix import __version__
from pypi2nix.credentials import without_credentials
from pypi2nix.errors import InputFileError, UsageError
from pypi2nix.lock.graph_record import TOOL, builds_record, load_pylock, roots_record
from pypi2nix.target import Target, targets_marker

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path, PurePath

    from packaging.utils import NormalizedName

    from pypi2nix.models import DistFile, Lock, Pin, PinVariant

LOCK_VERSION = Version("1.0")
DEFAULT_NAME = "requirements"


def pylock_name(basename: str) -> str:
    """The file name PEP 751 gives the lock of an output basename: ``pylock.toml``
    for the default one, else ``pylock.BASENAME.toml``."""
    return "pylock.toml" if basename == DEFAULT_NAME else f"pylock.{basename}.toml"


@dataclass(frozen=True, slots=True)
class GitPin:
    """The commit a git requirement was locked at, and what it asked for."""

    url: str
    rev: str | None
    commit: str


@dataclass(frozen=True, slots=True)
class LockedPin:
    name: NormalizedName
    version: Version
    # The targets it is pinned on (None: every target of the lock).
    marker: Marker | None = None


@dataclass(frozen=True, slots=True)
class LockedState:
    """What an earlier lock tells the next run: its pins (direct ones too), the commit
    of each git pin, its recorded inputs (``None``: none) and its targets."""

    locked: tuple[LockedPin, ...] = ()
    commits: dict[NormalizedName, GitPin] = field(default_factory=dict)
    inputs: dict[str, Any] | None = None
    targets: tuple[Target, ...] = ()

    @property
    def pins(self) -> dict[NormalizedName, Version]:
        """A version of every pinned project (the first, where targets differ)."""
        pins: dict[NormalizedName, Version] = {}
        for pin in self.locked:
            pins.setdefault(pin.name, pin.version)
        return pins

    def pins_for(self, target: Target) -> dict[NormalizedName, Version]:
        """The pins of one target; none for a target the lock was not made for."""
        if self.targets and target not in self.targets:
            return {}
        environment = target.marker_environment()
        return {
            pin.name: pin.version
            for pin in self.locked
            if pin.marker is None or pin.marker.evaluate({**environment, "extra": ""})
        }


@dataclass(frozen=True, slots=True)
class PylockFile:
    """The text of a ``pylock.toml``, and the state the next run reads back from it."""

    text: str
    state: LockedState


def render_pylock(lock: Lock, *, inputs: Mapping[str, Any], output_dir: PurePath) -> PylockFile:
    """The text of ``pylock.toml``, packages sorted by name, and its state.

    Making the document from the pins directly, in the shape ``Pylock.to_dict``
    writes, spares the copies ``to_dict`` makes of every field (twice with
    ``validate``): 0.1 s of a cached run's 0.5 s on a lock of 183 pins. The tests
    check what it writes with packaging's reader (``Pylock.from_dict``), which costs
    as much again, so a run does not.

    :param inputs: the recorded inputs (:func:`pypi2nix.arguments.recorded_values`).
    :param output_dir: the file's absolute directory: local paths are written relative
        to it.
    """
    index = _single_index(lock.index_urls)
    packages = []
    for variants in lock.variants().values():
        by_version: dict[str, list[PinVariant]] = {}
        for variant in variants:
            by_version.setdefault(variant.pin.version, []).append(variant)
        for group in by_version.values():
            targets = [target for variant in group for target in variant.targets]
            files = {file.filename: file for v in group for pin in v.pins for file in pin.files}
            # PEP 751's list: what the package needs on any target of the group
            needs = {need.name: need for v in group for pin in v.pins for need in pin.dependencies}
            pin = replace(
                group[0].pin,
                files=tuple(files[name] for name in sorted(files)),
                dependencies=tuple(needs[name] for name in sorted(needs)),
            )
            marker = targets_marker(targets, lock.targets)
            package = _package(pin, marker, index, output_dir)
            listed = [dependency.name for dependency in pin.dependencies]
            package["tool"] = {TOOL: builds_record(group, listed)}
            packages.append(package)
    ours = {
        "version": __version__,
        "targets": [target.key for target in lock.targets],
        **roots_record(lock.graphs),
        "inputs": _toml_data(inputs),
    }
    document = _table(
        lock_version=str(LOCK_VERSION),
        environments=[str(target_marker(target)) for target in lock.targets],
        created_by=TOOL,
        packages=packages,
        tool={TOOL: ours},
    )
    # the state the next run reads back, as packaging's reader gives it
    return PylockFile(tomli_w.dumps(document), _state(Pylock.from_dict(document)))


def target_marker(target: Target) -> Marker:
    """The environment marker that selects a target."""
    environment = target.marker_environment()
    return Marker(
        f'python_version == "{target.python}" and '
        f'sys_platform == "{environment["sys_platform"]}" and '
        f'platform_machine == "{environment["platform_machine"]}"'
    )


def _single_index(index_urls: tuple[str, ...]) -> str | None:
    """The index every file comes from, when there is only one."""
    return without_credentials(index_urls[0]) if len(index_urls) == 1 else None


def _table(**fields: Any) -> dict[str, Any]:
    """A table as ``to_dict`` writes a packaging.pylock class: its fields in their
    order (the caller's), unset ones left out, ``_`` in keys written ``-``."""
    return {key.replace("_", "-"): value for key, value in fields.items() if value is not None}


def _package(
    pin: Pin, marker: str | None, index: str | None, output_dir: PurePath
) -> dict[str, Any]:
    """A ``Package``: name, version, marker, dependencies, then vcs, directory or
    archive, or index, sdist and wheels."""
    dependencies = [{"name": dependency.name} for dependency in pin.dependencies]
    common: dict[str, Any] = {
        "name": pin.name,
        "version": str(Version(pin.version)),
        "marker": None if marker is None else str(Marker(marker)),
        "dependencies": dependencies or None,
    }
    direct = pin.direct
    if direct is None:
        sdists = [file for file in pin.files if file.kind == "sdist"]
        wheels = [file for file in pin.files if file.kind == "wheel"]
        return _table(
            **common,
            index=index,
            sdist=_file(sdists[0]) if sdists else None,
            wheels=[_file(wheel) for wheel in wheels] or None,
        )
    if direct.kind == "git":
        assert direct.commit is not None  # a git source is read before it is pinned
        vcs = _table(
            type="git",
            url=without_credentials(direct.url),
            requested_revision=direct.rev,
            commit_id=direct.commit,
        )
        return _table(**common, vcs=vcs)
    if direct.kind == "path" and direct.folder:
        return _table(**common, directory={"path": _local(direct.url, output_dir)})
    hashes = {"sha256": pin.source.sha256} if pin.source.sha256 else {}
    archive = (
        {"path": _local(direct.url, output_dir), "hashes": hashes}
        if direct.kind == "path"
        else {"url": without_credentials(direct.url), "hashes": hashes}
    )
    return _table(**common, archive=archive)


def _file(file: DistFile) -> dict[str, Any]:
    """A ``PackageSdist`` or ``PackageWheel``."""
    assert file.sha256 is not None  # only files with a digest are installable
    return _table(
        name=file.filename,
        url=without_credentials(file.url),
        size=file.size,
        hashes={"sha256": file.sha256},
    )


def _local(path: str, output_dir: PurePath) -> str:
    relative = posixpath.relpath(path, str(output_dir))
    return relative if relative.startswith("../") else f"./{relative}"


def _toml_data(values: Mapping[str, Any]) -> dict[str, Any]:
    """Values TOML can hold: ``None`` (unset) is left out."""
    return {key: value for key, value in values.items() if value is not None}


def read_pylock(path: Path) -> LockedState:
    """The state an earlier run left in ``pylock.toml``; an empty one when there is
    none.

    :raises InputFileError: for a file that cannot be read or is not a valid lock.
    """
    content = read_pylock_bytes(path)
    return LockedState() if content is None else parse_pylock(content, path)


def read_pylock_bytes(path: Path) -> bytes | None:
    """The content of ``pylock.toml``; ``None`` when there is none (nothing to keep;
    the writer reports what is in the way).

    :raises InputFileError: for a file that cannot be read.
    """
    try:
        return path.read_bytes()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    except OSError as error:
        raise InputFileError(f"cannot read {path}: {error}") from error


def parse_pylock(content: bytes, path: Path) -> LockedState:
    """The state a ``pylock.toml`` holds.

    :raises InputFileError: for a file that is not a valid lock.
    """
    return _state(load_pylock(content, path))


def _state(document: Pylock) -> LockedState:
    locked = []
    commits: dict[NormalizedName, GitPin] = {}
    for package in document.packages:
        if package.version is not None:
            locked.append(LockedPin(package.name, package.version, package.marker))
        vcs = package.vcs
        if vcs is not None and vcs.type == "git" and vcs.url is not None:
            commits[package.name] = GitPin(vcs.url, vcs.requested_revision, vcs.commit_id)
    ours = (document.tool or {}).get(TOOL)
    ours = ours if isinstance(ours, dict) else {}
    inputs = ours.get("inputs")
    return LockedState(
        locked=tuple(locked),
        commits=commits,
        inputs=inputs if isinstance(inputs, dict) else None,
        targets=_targets(ours.get("targets")),
    )


def _targets(keys: object) -> tuple[Target, ...]:
    """The targets a lock names (none for a list that is not one of target keys)."""
    if not isinstance(keys, list):
        return ()
    try:
        return tuple(Target.from_key(key) for key in keys if isinstance(key, str))
    except UsageError:
        return ()


def state_to_json(state: LockedState) -> dict[str, Any]:
    """A state as JSON data (see :func:`state_from_json`)."""
    return {
        "locked": [
            [pin.name, str(pin.version), None if pin.marker is None else str(pin.marker)]
            for pin in state.locked
        ],
        "commits": {name: [pin.url, pin.rev, pin.commit] for name, pin in state.commits.items()},
        "inputs": state.inputs,
        "targets": [target.key for target in state.targets],
    }


def state_from_json(data: dict[str, Any]) -> LockedState:
    """:raises KeyError, TypeError, ValueError: for data of another shape."""
    markers: dict[str, Marker] = {}

    def marker(text: str | None) -> Marker | None:
        if text is None:
            return None
        found = markers.get(text)
        if found is None:
            found = markers[text] = Marker(text)
        return found

    inputs = data["inputs"]
    if inputs is not None and not isinstance(inputs, dict):
        raise TypeError("the recorded inputs are not a table")
    return LockedState(
        locked=tuple(
            LockedPin(canonicalize_name(name), Version(version), marker(text))
            for name, version, text in data["locked"]
        ),
        commits={
            canonicalize_name(name): GitPin(str(url), rev, str(commit))
            for name, (url, rev, commit) in data["commits"].items()
        },
        inputs=inputs,
        targets=tuple(Target.from_key(str(key)) for key in data["targets"]),
    )
