"""Metadata no static file gives: run the sdist's PEP 517 build backend, as pip and uv
do, in an isolated environment that holds only its build requirements (the wheels a
:class:`BuildEnvironment` gives), with a time limit. The answer is cached by the
sdist's sha256 (the ``built`` entries of the store), so each sdist is built once.

The backend implements :class:`pypi2nix.resolve.MetadataBuilder`; what it needs from
the rest (files, and the wheels of an environment) it is given, as the protocols
below."""

from __future__ import annotations

import contextlib
import logging
import sys
import tempfile
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from pypi2nix.backend.diagnosis import explain_failure
from pypi2nix.backend.environment import install_wheels, installed_tools, make_interpreter
from pypi2nix.backend.metadata_file import read_metadata_file
from pypi2nix.backend.runner import HookFailed, HookRunner, HookTimedOut
from pypi2nix.backend.sandbox import (
    Sandbox,
    View,
    find_sandbox,
    interpreter_folders,
    system_hidden,
)
from pypi2nix.backend.unpack import unpack_sdist
from pypi2nix.dists.archive import ArchiveError
from pypi2nix.dists.metadata import metadata_fields, release_metadata
from pypi2nix.errors import MetadataError, Pypi2NixError
from pypi2nix.options import DEFAULT_BUILD_TIMEOUT
from pypi2nix.threads import Memo

if TYPE_CHECKING:
    from collections.abc import Sequence

    from packaging.utils import NormalizedName

    from pypi2nix.dists.sdist import BuildRequest, SdistContents
    from pypi2nix.models import CoreMetadata, DistFile
    from pypi2nix.options import SandboxMode
    from pypi2nix.store import Store

__all__ = ["BuildEnvironment", "Download", "MetadataBuilder"]

logger = logging.getLogger(__name__)

MAX_SDIST_BYTES = 512 * 1024 * 1024
# PEP 517: what a frontend uses for an sdist that names no build system.
LEGACY_REQUIRES = ("setuptools>=40.8.0",)
LEGACY_BACKEND = "setuptools.build_meta:__legacy__"
MAX_EXTRA_REQUIREMENTS = 1000
_HOOKS = threading.Lock()


KIND = "built"


class BuildFailed(MetadataError):
    """The build backend did not give metadata."""


class Download(Protocol):
    """A file of the index, whole, checked against its sha256."""

    def __call__(self, file: DistFile, limit: int) -> bytes: ...


class BuildEnvironment(Protocol):
    """The wheels that install build requirements for the interpreter that runs the
    backend."""

    def __call__(self, requirements: Sequence[str]) -> Sequence[DistFile]:
        """:raises Pypi2NixError: when they cannot be resolved."""
        ...


class MetadataBuilder:
    """Reads an sdist's metadata by running its build backend.

    :param store: where the answers are kept (by the sdist's sha256).
    :param download: how the sdist and the wheels of its environment are fetched.
    :param environment: the wheels of its build requirements.
    :param allowed: False for ``--no-build``: refuse, naming the flag.
    :param sandbox: ``--sandbox``: auto, require or off.
    :param timeout: seconds each backend hook may run.
    :param python: the target's Python (named when an sdist cannot run on it).
    """

    def __init__(
        self,
        store: Store,
        download: Download,
        environment: BuildEnvironment,
        *,
        allowed: bool = True,
        sandbox: SandboxMode = "auto",
        timeout: float = DEFAULT_BUILD_TIMEOUT,
        python: str = f"{sys.version_info.major}.{sys.version_info.minor}",
    ) -> None:
        self.store = store
        self.download = download
        self.environment = environment
        self.allowed = allowed
        self.sandbox = sandbox
        self.timeout = timeout
        self.python = python
        # The projects whose metadata was asked of a build backend.
        self.built: set[NormalizedName] = set()
        # What ran in this run, one line each (its sdist, and whether sandboxed).
        self.runs: list[str] = []
        self._answers: Memo[str, CoreMetadata] = Memo()
        self._lock = threading.Lock()

    def __call__(self, request: BuildRequest) -> CoreMetadata:
        """:raises MetadataError: when building is refused or fails."""
        metadata = self._answers.get(request.sdist.url, lambda: self._metadata(request))
        with self._lock:
            self.built.add(request.name)
        return metadata

    def _metadata(self, request: BuildRequest) -> CoreMetadata:
        name, version, sdist, contents = (
            request.name,
            request.version,
            request.sdist,
            request.contents,
        )
        if not self.allowed:
            raise MetadataError(
                name,
                version,
                f"{sdist.filename}: its dependencies are only declared in setup.py, and "
                "--no-build forbids running its build backend to read them: run without "
                f"--no-build, or use its wheel with --only-binary {name} if it has one",
            )
        key = str(sdist.sha256)
        cached = self.store.read_json(KIND, key)
        if cached is not None and isinstance(cached.get("fields"), dict):
            return release_metadata(
                cached["fields"], project=name, version=version, filename=sdist.filename
            )
        sandbox = self._sandbox(name, version, sdist)
        logger.info("%s: running its build backend for its metadata", sdist.filename)
        fields = self._build(sdist, contents, name, version, sandbox)
        metadata = release_metadata(fields, project=name, version=version, filename=sdist.filename)
        self.store.write_json(KIND, key, {"kind": "built", "fields": fields})
        return metadata

    def _sandbox(self, name: str, version: str, sdist: DistFile) -> Sandbox | None:
        """The sandbox the hooks run in, or none (said once, or refused)."""
        if self.sandbox == "off":
            self._ran(f"{sdist.filename}", "not sandboxed: --sandbox=off")
            return None
        found = find_sandbox()
        if found.tool is not None:
            self._ran(sdist.filename, "sandboxed")
            return found
        if self.sandbox == "require":
            raise MetadataError(
                name,
                version,
                f"{sdist.filename}: its build backend must run for its metadata, and no "
                f"sandbox can be made here ({found.reason}); --sandbox=require forbids "
                "running it without one",
            )
        _say_no_sandbox(found.reason)
        self._ran(sdist.filename, f"not sandboxed: {found.reason}")
        return None

    def _ran(self, filename: str, how: str) -> None:
        with self._lock:
            self.runs.append(f"ran the build backend of {filename} for its metadata, {how}")

    def _build(
        self,
        sdist: DistFile,
        contents: SdistContents,
        name: str,
        version: str,
        sandbox: Sandbox | None,
    ) -> dict[str, Any]:
        requires, backend, backend_path = _build_system(contents)
        data = self.download(sdist, MAX_SDIST_BYTES)
        with tempfile.TemporaryDirectory(prefix="pypi2nix-build-") as temporary:
            work = Path(temporary)
            try:
                source = unpack_sdist(data, sdist.filename, work / "source")
            except ArchiveError as error:  # in the words of the index's own reads
                reason = f"cannot read the sdist ({error})"
                raise MetadataError(sdist.filename, "", reason) from error
            site = work / "site"
            self._install(requires, site, name, version)
            hidden = system_hidden(*([] if self.store.root is None else [self.store.root]))
            runner = HookRunner(
                site=site, home=work / "home", work=work, timeout=self.timeout,
                sandbox=sandbox, view=View(readable=interpreter_folders(), hidden=hidden),
            )  # fmt: skip
            caller = _hook_caller(source, backend, backend_path, work / "venv", runner)
            metadata_dir = work / "metadata"
            metadata_dir.mkdir()
            try:
                found = self._run_hooks(caller, site, name, version, metadata_dir)
                return metadata_fields(read_metadata_file(metadata_dir, found))
            except HookTimedOut as error:
                reason = f"the build backend of {sdist.filename} {error} (--build-timeout)"
                raise BuildFailed(name, version, f"{reason}; it was stopped") from error
            except HookFailed as error:
                tools = installed_tools(site, first=_names(requires))
                found = explain_failure(error.output, tools=tools, python=self.python)
                reason = f"its build backend failed: {error}" if found is None else found
                raise BuildFailed(name, version, reason) from error
            except Pypi2NixError:
                raise
            except Exception as error:  # the backend's own exception, re-raised by the hooks
                raise BuildFailed(name, version, f"its build backend failed: {error}") from error

    def _run_hooks(
        self, caller: Any, site: Path, name: str, version: str, metadata_dir: Path
    ) -> object:
        """The hooks' answer: the name of the ``.dist-info`` folder they wrote."""
        # The hooks re-raise the backend's warnings in this process; the warnings
        # machinery is process-wide, so one build at a time records them.
        with _HOOKS, warnings.catch_warnings(record=True) as caught:
            extra = caller.get_requires_for_build_wheel()
            if extra:
                self._install(_requirements(extra), site, name, version)
            found = caller.prepare_metadata_for_build_wheel(str(metadata_dir))
        for warning in caught:
            logger.debug("%s", warning.message)
        return found

    def _install(self, requires: Sequence[str], site: Path, name: str, version: str) -> None:
        try:
            wheels = self.environment(requires)
        except Pypi2NixError as error:
            reason = f"cannot set up its build requirements ({error})"
            raise BuildFailed(name, version, reason) from error
        install_wheels((self.download(wheel, MAX_SDIST_BYTES) for wheel in wheels), site)


_SAID = threading.Event()


def _say_no_sandbox(reason: str) -> None:
    """The notice that hooks run unsandboxed, once per process."""
    if not _SAID.is_set():
        _SAID.set()
        logger.warning(
            "no sandbox can be made for build backends here (%s): they run as pip runs "
            "them, as your user; --sandbox=require makes this an error, --no-build "
            "refuses to run them",
            reason,
        )


def _requirements(extra: object) -> tuple[str, ...]:
    """What ``get_requires_for_build_wheel`` added: requirement strings, checked.

    :raises HookFailed: for anything else.
    """
    if not isinstance(extra, list) or len(extra) > MAX_EXTRA_REQUIREMENTS:
        raise HookFailed("get_requires_for_build_wheel did not give a list of requirements")
    texts = []
    for item in extra:
        try:
            texts.append(str(Requirement(item)) if isinstance(item, str) else None)
        except InvalidRequirement:
            texts.append(None)
        if texts[-1] is None:
            raise HookFailed(
                f"get_requires_for_build_wheel gave {str(item)[:200]!r}, not a requirement"
            )
    return tuple(text for text in texts if text is not None)


def _names(requirements: Sequence[str]) -> set[str]:
    names: set[str] = set()
    for text in requirements:
        with contextlib.suppress(InvalidRequirement):
            names.add(canonicalize_name(Requirement(text).name))
    return names


def _build_system(contents: SdistContents) -> tuple[tuple[str, ...], str, list[str] | None]:
    """``[build-system]`` requires, backend and backend-path, or PEP 517's defaults."""
    pyproject = contents.pyproject
    requires = None if pyproject is None else pyproject.build_requires
    texts = LEGACY_REQUIRES if requires is None else tuple(str(item) for item in requires)
    if pyproject is None or pyproject.build_backend is None:
        return texts, LEGACY_BACKEND, None
    backend_path = None if pyproject.backend_path is None else list(pyproject.backend_path)
    return texts, pyproject.build_backend, backend_path


def _hook_caller(
    source: Path, backend: str, backend_path: list[str] | None, venv: Path, runner: HookRunner
) -> Any:
    from pyproject_hooks import BuildBackendHookCaller

    python = make_interpreter(venv)
    return BuildBackendHookCaller(
        str(source),
        backend,
        backend_path=backend_path,
        runner=runner,
        python_executable=str(python),
    )
