"""Fixture locks in the five formats (uv.lock, poetry.lock, Pipfile.lock, pdm.lock,
pylock.toml), made from the fixture index's files, each in a project folder with the
project file its tool reads beside it, and the bad variants each reader must refuse.

Every lock pins the same set: kappa (sdist and wheel), beta (sdist only) and gamma,
binpkg (a compiled wheel only, on Linux), linuxonly (Linux) and macshim (macOS),
gitpkg (a git commit), localdep (a local project, editable), and, when asked for,
epsilon (the extra ``fast``) and omega (the group ``dev``). ``fixtures/locks/make.py``
writes them into ``fixtures/locks/``.
"""

from __future__ import annotations

import json
import os
import subprocess
import tomllib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import tomli_w

from pypi2nix.inputs.locks.poetry import content_hash

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.support.fixture_index import IndexFile

FORMATS = ("uv", "poetry", "pipenv", "pdm", "pylock")
LOCK_NAMES = {
    "uv": "uv.lock",
    "poetry": "poetry.lock",
    "pipenv": "Pipfile.lock",
    "pdm": "pdm.lock",
    "pylock": "pylock.toml",
}
INDEX = "https://index.example.test/simple/"
LINUX, DARWIN = "sys_platform == 'linux'", "sys_platform == 'darwin'"


@dataclass(frozen=True)
class Entry:
    name: str
    version: str
    dependencies: tuple[str, ...] = ()
    marker: str | None = None  # where the project needs it
    extra: str | None = None  # the extra of the project that adds it
    group: str | None = None  # the group of the project that adds it


INDEX_ENTRIES = (
    Entry("kappa", "1.0.0"),
    Entry("beta", "1.1.0", ("gamma",)),
    Entry("gamma", "2.0.0"),
    Entry("binpkg", "1.0.0", marker=LINUX),
    Entry("linuxonly", "1.0.0", marker=LINUX),
    Entry("macshim", "1.0.0", marker=DARWIN),
    Entry("epsilon", "0.5.0", extra="fast"),
    Entry("omega", "1.0.0", ("gamma",), group="dev"),
)
GIT = Entry("gitpkg", "1.2.0", ("gamma",))
LOCAL = Entry("localdep", "0.3.0")
# What the project asks for: (name, marker) of its main dependencies.
MAIN = (
    *((e.name, e.marker) for e in INDEX_ENTRIES if not (e.extra or e.group or e.name == "gamma")),
    ("gitpkg", None),
    ("localdep", None),
)


@dataclass(frozen=True)
class Sources:
    """What the locks point at besides the index."""

    git_url: str
    git_commit: str
    files: tuple[IndexFile, ...]

    def of(self, name: str, version: str) -> list[IndexFile]:
        stem = f"{name}-{version}"
        return sorted(
            (f for f in self.files if f.project == name and f.filename.startswith(stem)),
            key=lambda f: (not f.filename.endswith(".tar.gz"), f.filename),
        )


def local_project(folder: Path, name: str, version: str, dependencies: list[str]) -> None:
    """A setuptools project with static metadata and one module."""
    (folder / name).mkdir(parents=True, exist_ok=True)
    (folder / name / "__init__.py").write_text(f'VERSION = "{version}"\n')
    document = {
        "build-system": {"requires": ["setuptools>=61"], "build-backend": "setuptools.build_meta"},
        "project": {"name": name, "version": version, "dependencies": dependencies},
        "tool": {"setuptools": {"packages": [name]}},
    }
    (folder / "pyproject.toml").write_text(tomli_w.dumps(document))


def write_all(root: Path, sources: Sources) -> dict[str, Path]:
    """Each format's project folder under ``root`` (with ``localdep`` beside them); the
    lock file of each."""
    local_project(root / "localdep", "localdep", LOCAL.version, [])
    return {fmt: WRITERS[fmt](root / fmt, sources) for fmt in FORMATS}


def _requirement(name: str, marker: str | None) -> str:
    return f"{name}; {marker}" if marker else name


def _pep508_main(sources: Sources, local: str) -> list[str]:
    found = []
    for name, marker in MAIN:
        if name == "gitpkg":
            found.append(f"gitpkg @ git+{sources.git_url}@{sources.git_commit}")
        elif name == "localdep":
            found.append(f"localdep @ {local}")
        else:
            found.append(_requirement(name, marker))
    return found


def _hash(file: IndexFile) -> str:
    return f"sha256:{file.sha256}"


# uv.lock


def _uv(folder: Path, sources: Sources) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    dependencies = [_requirement(n, m) for n, m in MAIN]
    local_project(folder, "lockapp", "0.1.0", dependencies)
    document = tomli_w_load(folder / "pyproject.toml")
    document["project"]["optional-dependencies"] = {"fast": ["epsilon"]}
    document["dependency-groups"] = {"dev": ["omega"]}
    document["tool"]["uv"] = {
        "sources": {
            "gitpkg": {"git": sources.git_url, "rev": sources.git_commit},
            "localdep": {"path": "../localdep", "editable": True},
        }
    }
    (folder / "pyproject.toml").write_text(tomli_w.dumps(document))
    registry = {"registry": INDEX}
    packages: list[dict[str, Any]] = []
    for entry in INDEX_ENTRIES:
        files = sources.of(entry.name, entry.version)
        package: dict[str, Any] = {"name": entry.name, "version": entry.version, "source": registry}
        if entry.dependencies:
            package["dependencies"] = [{"name": d} for d in entry.dependencies]
        sdists = [f for f in files if not f.filename.endswith(".whl")]
        if sdists:
            package["sdist"] = _uv_file(sdists[0])
        wheels = [f for f in files if f.filename.endswith(".whl")]
        if wheels:
            package["wheels"] = [_uv_file(f) for f in wheels]
        packages.append(package)
    packages.append(
        {
            "name": "gitpkg",
            "version": GIT.version,
            "source": {"git": f"{sources.git_url}?rev={sources.git_commit}#{sources.git_commit}"},
            "dependencies": [{"name": "gamma"}],
        }
    )
    packages.append(
        {"name": "localdep", "version": LOCAL.version, "source": {"editable": "../localdep"}}
    )
    packages.append(
        {
            "name": "lockapp",
            "version": "0.1.0",
            "source": {"editable": "."},
            "dependencies": [{"name": n, **({"marker": m} if m else {})} for n, m in MAIN],
            "optional-dependencies": {"fast": [{"name": "epsilon"}]},
            "dev-dependencies": {"dev": [{"name": "omega"}]},
            "metadata": {
                "requires-dist": [{"name": n, **({"marker": m} if m else {})} for n, m in MAIN]
                + [{"name": "epsilon", "marker": "extra == 'fast'"}],
                "requires-dev": {"dev": [{"name": "omega"}]},
            },
        }
    )
    document = {
        "version": 1,
        "revision": 3,
        "requires-python": ">=3.11",
        "package": sorted(packages, key=lambda p: p["name"]),
    }
    return _write(folder / "uv.lock", tomli_w.dumps(document))


def _uv_file(file: IndexFile) -> dict[str, Any]:
    return {"url": file.url, "hash": _hash(file), "size": len(file.data)}


def tomli_w_load(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text())


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


# poetry.lock


def poetry_pyproject(sources: Sources) -> dict[str, Any]:
    dependencies: dict[str, Any] = {"python": "^3.11"}
    for name, marker in MAIN:
        if name == "gitpkg":
            dependencies[name] = {"git": sources.git_url, "rev": sources.git_commit}
        elif name == "localdep":
            dependencies[name] = {"path": "../localdep", "develop": True}
        else:
            dependencies[name] = {"version": "*", "markers": marker} if marker else "*"
    dependencies["epsilon"] = {"version": "*", "optional": True}
    return {
        "build-system": {"requires": ["poetry-core"], "build-backend": "poetry.core.masonry.api"},
        "tool": {
            "poetry": {
                "name": "lockapp",
                "version": "0.1.0",
                "description": "",
                "authors": [],
                "package-mode": False,
                "dependencies": dependencies,
                "extras": {"fast": ["epsilon"]},
                "group": {"dev": {"dependencies": {"omega": "*"}}},
            }
        },
    }


def _poetry(folder: Path, sources: Sources) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    pyproject = poetry_pyproject(sources)
    (folder / "pyproject.toml").write_text(tomli_w.dumps(pyproject))
    packages: list[dict[str, Any]] = []
    for entry in INDEX_ENTRIES:
        package: dict[str, Any] = {
            "name": entry.name,
            "version": entry.version,
            "description": "",
            "optional": entry.extra is not None,
            "python-versions": "*",
            "files": [
                {"file": f.filename, "hash": _hash(f)}
                for f in sources.of(entry.name, entry.version)
            ],
        }
        if entry.dependencies:
            package["dependencies"] = dict.fromkeys(entry.dependencies, "*")
        packages.append(package)
    packages.append(
        {
            "name": "gitpkg", "version": GIT.version, "description": "", "optional": False,
            "python-versions": "*", "files": [], "dependencies": {"gamma": "*"},
            "source": {"type": "git", "url": sources.git_url, "reference": sources.git_commit, "resolved_reference": sources.git_commit},
        }
    )  # fmt: skip
    packages.append(
        {
            "name": "localdep", "version": LOCAL.version, "description": "", "optional": False,
            "python-versions": "*", "files": [], "develop": True,
            "source": {"type": "directory", "url": "../localdep"},
        }
    )  # fmt: skip
    document = {
        "package": sorted(packages, key=lambda p: p["name"]),
        "extras": {"fast": ["epsilon"]},
        "metadata": {
            "lock-version": "2.0",
            "python-versions": "^3.11",
            "content-hash": content_hash(pyproject),
        },
    }
    return _write(folder / "poetry.lock", tomli_w.dumps(document))


# Pipfile.lock


def _pipenv(folder: Path, sources: Sources) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    packages: dict[str, Any] = {}
    for name, marker in MAIN:
        if name == "gitpkg":
            packages[name] = {"git": sources.git_url, "ref": sources.git_commit}
        elif name == "localdep":
            packages[name] = {"path": "../localdep", "editable": True}
        else:
            packages[name] = {"version": "*", "markers": marker} if marker else "*"
    pipfile = {
        "source": [{"name": "fixture", "url": INDEX, "verify_ssl": True}],
        "packages": packages,
        "dev-packages": {"omega": "*"},
    }
    (folder / "Pipfile").write_text(tomli_w.dumps(pipfile))
    default: dict[str, Any] = {}
    develop: dict[str, Any] = {}
    for entry in INDEX_ENTRIES:
        if entry.extra:
            continue
        locked: dict[str, Any] = {
            "hashes": [_hash(f) for f in sources.of(entry.name, entry.version)],
            "index": "fixture",
            "version": f"=={entry.version}",
        }
        if entry.marker:
            locked["markers"] = entry.marker
        (develop if entry.group else default)[entry.name] = locked
    develop["gamma"] = default["gamma"]
    default["gitpkg"] = {"git": sources.git_url, "ref": sources.git_commit}
    default["localdep"] = {"editable": True, "path": "../localdep"}
    document = {
        "_meta": {
            "hash": {"sha256": "0" * 64},
            "pipfile-spec": 6,
            "requires": {"python_version": "3.11"},
            "sources": [{"name": "fixture", "url": INDEX, "verify_ssl": True}],
        },
        "default": dict(sorted(default.items())),
        "develop": dict(sorted(develop.items())),
    }
    return _write(folder / "Pipfile.lock", json.dumps(document, indent=4, sort_keys=True) + "\n")


# pdm.lock


def _pdm(folder: Path, sources: Sources) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    local_project(
        folder, "lockapp", "0.1.0", _pep508_main(sources, "file:///${PROJECT_ROOT}/../localdep")
    )
    document = tomli_w_load(folder / "pyproject.toml")
    document["project"]["optional-dependencies"] = {"fast": ["epsilon"]}
    document["dependency-groups"] = {"dev": ["omega"]}
    (folder / "pyproject.toml").write_text(tomli_w.dumps(document))
    packages: list[dict[str, Any]] = []
    for entry in INDEX_ENTRIES:
        packages.append(
            {
                "name": entry.name,
                "version": entry.version,
                "groups": [entry.group or "default"],
                "dependencies": list(entry.dependencies),
                "files": [
                    {"file": f.filename, "hash": _hash(f)}
                    for f in sources.of(entry.name, entry.version)
                ],
            }
        )
    packages.append(
        {"name": "gitpkg", "version": GIT.version, "groups": ["default"], "git": sources.git_url,
         "revision": sources.git_commit, "dependencies": ["gamma"]}
    )  # fmt: skip
    packages.append(
        {"name": "localdep", "version": LOCAL.version, "groups": ["default"], "path": "../localdep", "editable": True}
    )  # fmt: skip
    document = {
        "metadata": {
            "groups": ["default", "dev", "fast"],
            "strategy": ["inherit_metadata"],
            "lock_version": "4.5.0",
            "content_hash": "sha256:" + "0" * 64,
        },
        "package": sorted(packages, key=lambda p: p["name"]),
    }
    return _write(folder / "pdm.lock", tomli_w.dumps(document))


# pylock.toml


def _pylock(folder: Path, sources: Sources) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    packages: list[dict[str, Any]] = []
    for entry in INDEX_ENTRIES:
        files = sources.of(entry.name, entry.version)
        package: dict[str, Any] = {"name": entry.name, "version": entry.version, "index": INDEX}
        marker = entry.marker
        if entry.extra:
            marker = f"'{entry.extra}' in extras"
        if entry.group:
            marker = f"'{entry.group}' in dependency_groups"
        if marker:
            package["marker"] = marker
        for file in files:
            data = {
                "name": file.filename,
                "url": file.url,
                "size": len(file.data),
                "hashes": {"sha256": file.sha256},
            }
            if file.filename.endswith(".whl"):
                package.setdefault("wheels", []).append(data)
            else:
                package["sdist"] = data
        packages.append(package)
    packages.append(
        {"name": "gitpkg", "version": GIT.version,
         "vcs": {"type": "git", "url": sources.git_url, "commit-id": sources.git_commit}}
    )  # fmt: skip
    packages.append(
        {"name": "localdep", "version": LOCAL.version, "directory": {"path": "../localdep", "editable": True}}
    )  # fmt: skip
    document = {
        "lock-version": "1.0",
        "created-by": "fixtures/locks/make.py",
        "requires-python": ">=3.11",
        "extras": ["fast"],
        "dependency-groups": ["dev"],
        "default-groups": [],
        "packages": sorted(packages, key=lambda p: p["name"]),
    }
    return _write(folder / "pylock.toml", tomli_w.dumps(document))


WRITERS: dict[str, Callable[[Path, Sources], Path]] = {
    "uv": _uv,
    "poetry": _poetry,
    "pipenv": _pipenv,
    "pdm": _pdm,
    "pylock": _pylock,
}


GIT_ENVIRONMENT = {
    "GIT_AUTHOR_NAME": "Fixture", "GIT_AUTHOR_EMAIL": "fixture@example.test",
    "GIT_COMMITTER_NAME": "Fixture", "GIT_COMMITTER_EMAIL": "fixture@example.test",
    "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z",
    "GIT_CONFIG_NOSYSTEM": "1",
}  # fmt: skip


def git_project(folder: Path) -> str:
    """gitpkg in a git repository of one commit (the same commit every time)."""
    local_project(folder, GIT.name, GIT.version, list(GIT.dependencies))

    def git(*arguments: str) -> str:
        result = subprocess.run(
            ["git", "-C", str(folder), *arguments],
            capture_output=True,
            text=True,
            env={**os.environ, **GIT_ENVIRONMENT},
            check=True,
        )
        return result.stdout.strip()

    git("init", "--quiet", "--initial-branch", "main")
    git("add", ".")
    git("commit", "--quiet", "-m", "release")
    return git("rev-parse", "HEAD")


def make(root: Path, files: list[IndexFile]) -> dict[str, Path]:
    """The git repository of gitpkg, then every format's project and lock under
    ``root``; the lock of each format."""
    repository = root / "repos" / "gitpkg"
    commit = git_project(repository)
    sources = Sources(git_url=repository.as_uri(), git_commit=commit, files=tuple(files))
    return write_all(root, sources)
