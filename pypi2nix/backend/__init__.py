"""Metadata no static file gives: run the sdist's PEP 517 build backend, as pip and uv
do, in an isolated environment that holds only its build requirements (the wheels a
:class:`BuildEnvironment` gives), with a time limit. The answer is cached by the
sdist's sha256 (the ``built`` entries of the store), so each sdist is built once.

The backend implements :class:`pypi2nix.resolve.MetadataBuilder`; what it needs from
the rest (files, and the wheels of an environment) it is given, as the protocols
below."""

from __future__ import annotations

import logging
import os
import subprocess
import tempfile
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pypi2nix.backend.environment import install_wheels, make_interpreter
from pypi2nix.backend.unpack import unpack_sdist
from pypi2nix.dists.archive import ArchiveError
from pypi2nix.dists.metadata import metadata_fields, release_metadata
from pypi2nix.errors import MetadataError, Pypi2NixError
from pypi2nix.threads import Memo

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from packaging.utils import NormalizedName

    from pypi2nix.dists.sdist import BuildRequest, SdistContents
    from pypi2nix.models import CoreMetadata, DistFile
    from pypi2nix.store import Store

__all__ = ["BuildEnvironment", "Download", "MetadataBuilder"]

logger = logging.getLogger(__name__)

MAX_SDIST_BYTES = 512 * 1024 * 1024
# PEP 517: what a frontend uses for an sdist that names no build system.
LEGACY_REQUIRES = ("setuptools>=40.8.0",)
LEGACY_BACKEND = "setuptools.build_meta:__legacy__"
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
    :param timeout: seconds each backend hook may run.
    """

    def __init__(
        self,
        store: Store,
        download: Download,
        environment: BuildEnvironment,
        *,
        allowed: bool = True,
        timeout: float = 300,
    ) -> None:
        self.store = store
        self.download = download
        self.environment = environment
        self.allowed = allowed
        self.timeout = timeout
        # The projects whose metadata was asked of a build backend.
        self.built: set[NormalizedName] = set()
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
        logger.info("%s: running its build backend for its metadata", sdist.filename)
        fields = self._build(sdist, contents, name, version)
        self.store.write_json(KIND, key, {"kind": "built", "fields": fields})
        return release_metadata(fields, project=name, version=version, filename=sdist.filename)

    def _build(
        self, sdist: DistFile, contents: SdistContents, name: str, version: str
    ) -> dict[str, Any]:
        requires, backend, backend_path = _build_system(contents)
        data = self.download(sdist, MAX_SDIST_BYTES)
        with tempfile.TemporaryDirectory(prefix="pypi2nix-build-") as temporary:
            work = Path(temporary)
            try:
                source = unpack_sdist(data, sdist.filename, work / "source")
            except ArchiveError as error:
                raise BuildFailed(
                    name, version, f"cannot unpack {sdist.filename}: {error}"
                ) from error
            site = work / "site"
            self._install(requires, site, name, version)
            runner = _Runner(site, work / "home", self.timeout)
            python = make_interpreter(work / "venv")
            caller = _hook_caller(source, backend, backend_path, python, runner)
            try:
                # The hooks re-raise the backend's warnings in this process; the warnings
                # machinery is process-wide, so one build at a time records them.
                with _HOOKS, warnings.catch_warnings(record=True) as caught:
                    extra = caller.get_requires_for_build_wheel()
                    if extra:
                        self._install(tuple(extra), site, name, version)
                    metadata_dir = work / "metadata"
                    metadata_dir.mkdir()
                    found = caller.prepare_metadata_for_build_wheel(str(metadata_dir))
                for warning in caught:
                    logger.debug("%s: %s", sdist.filename, warning.message)
            except _HookFailed as error:
                raise BuildFailed(name, version, f"its build backend failed: {error}") from error
            except Exception as error:  # the backend's own exception, re-raised by the hooks
                raise BuildFailed(name, version, f"its build backend failed: {error}") from error
            return metadata_fields((metadata_dir / found / "METADATA").read_bytes())

    def _install(self, requires: Sequence[str], site: Path, name: str, version: str) -> None:
        try:
            wheels = self.environment(requires)
        except Pypi2NixError as error:
            reason = f"cannot set up its build requirements ({error})"
            raise BuildFailed(name, version, reason) from error
        install_wheels((self.download(wheel, MAX_SDIST_BYTES) for wheel in wheels), site)


def _build_system(contents: SdistContents) -> tuple[tuple[str, ...], str, list[str] | None]:
    """``[build-system]`` requires, backend and backend-path, or PEP 517's defaults."""
    pyproject = contents.pyproject
    requires = None if pyproject is None else pyproject.build_requires
    texts = LEGACY_REQUIRES if requires is None else tuple(str(item) for item in requires)
    if pyproject is None or pyproject.build_backend is None:
        return texts, LEGACY_BACKEND, None
    backend_path = None if pyproject.backend_path is None else list(pyproject.backend_path)
    return texts, pyproject.build_backend, backend_path


class _HookFailed(Exception):
    pass


class _Runner:
    """Runs a backend hook in the environment: only the build requirements on the path,
    a private home, a time limit."""

    def __init__(self, site: Path, home: Path, timeout: float) -> None:
        self.site, self.home, self.timeout = site, home, timeout

    def __call__(
        self,
        cmd: Sequence[str],
        cwd: str | None = None,
        extra_environ: Mapping[str, str] | None = None,
    ) -> None:
        self.home.mkdir(exist_ok=True)
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "PYTHONPATH": str(self.site),
            "PYTHONNOUSERSITE": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "SOURCE_DATE_EPOCH": "315532800",
            **(extra_environ or {}),
        }
        try:
            result = subprocess.run(
                list(cmd), cwd=cwd, env=environment, capture_output=True, text=True,
                timeout=self.timeout, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired as error:
            raise _HookFailed(f"it ran for more than {self.timeout:.0f} s") from error
        if result.returncode != 0:
            lines = [line for line in result.stderr.splitlines() if line.strip()]
            raise _HookFailed(lines[-1] if lines else f"exit status {result.returncode}")


def _hook_caller(
    source: Path, backend: str, backend_path: list[str] | None, python: Path, runner: _Runner
) -> Any:
    from pyproject_hooks import BuildBackendHookCaller

    return BuildBackendHookCaller(
        str(source),
        backend,
        backend_path=backend_path,
        runner=runner,
        python_executable=str(python),
    )
