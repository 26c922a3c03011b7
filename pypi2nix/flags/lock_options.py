"""The options of what is locked: the inputs, the target and index, the source
policy, and how earlier pins are kept."""

from __future__ import annotations

from pathlib import Path

from pypi2nix.flags.option import ALL_COMMANDS, GENERATE, LOCKING, Option
from pypi2nix.flags.option import in_commands as _in
from pypi2nix.options import INDEX_URL_ENVIRONMENT_VARIABLE
from pypi2nix.target import (
    DEFAULT_PYTHON,
    DEFAULT_SYSTEM,
    PYTHON_VERSIONS,
    SYSTEMS,
    UNIVERSAL_PYTHONS,
)

INPUTS = (
    Option(
        dest="files",
        groups=_in(GENERATE, "inputs"),
        nargs="*",
        type=Path,
        metavar="FILE",
        default=[],
        help="requirements files, as with -r (as pip-compile and uv take them)",
    ),
    Option(
        dest="requirement_files",
        flags=("-r", "--requirement"),
        groups=_in(GENERATE, "inputs"),
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        recorded=True,
        help="a requirements file in pip's syntax (repeatable; '-' reads standard input)",
    ),
    Option(
        dest="specs",
        flags=("-e", "--spec"),
        groups=_in(GENERATE, "inputs"),
        action="append",
        default=[],
        metavar="SPEC",
        recorded=True,
        help="a requirement given directly, e.g. -e 'requests[socks]>=2.30' (repeatable)",
    ),
    Option(
        dest="pyproject",
        flags=("--pyproject",),
        groups=_in(GENERATE, "inputs"),
        nargs="?",
        const=Path("pyproject.toml"),
        type=Path,
        metavar="PATH",
        recorded=True,
        help="lock a project: its [project] dependencies, and itself, built from its "
        "folder (PATH defaults to ./pyproject.toml)",
    ),
    Option(
        dest="extras",
        flags=("--extra",),
        groups=_in(GENERATE, "inputs"),
        action="append",
        default=[],
        metavar="NAME",
        recorded=True,
        help="with --pyproject or a lock: include one of the project's extras (repeatable)",
    ),
    Option(
        dest="all_extras",
        flags=("--all-extras",),
        groups=_in(GENERATE, "inputs"),
        action="store_true",
        recorded=True,
        help="with --pyproject or a lock: include every extra",
    ),
    Option(
        dest="groups",
        flags=("--group",),
        groups=_in(GENERATE, "inputs"),
        action="append",
        default=[],
        metavar="NAME",
        recorded=True,
        help="with --pyproject or a lock: include a dependency group (PEP 735, or the "
        "lock tool's; repeatable)",
    ),
    Option(
        dest="all_groups",
        flags=("--all-groups",),
        groups=_in(GENERATE, "inputs"),
        action="store_true",
        recorded=True,
        help="with --pyproject or a lock: include every dependency group",
    ),
    Option(
        dest="constraint_files",
        flags=("-c", "--constraint"),
        groups=_in(GENERATE, "inputs"),
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        recorded=True,
        help="a constraints file: narrows versions without adding requirements (repeatable)",
    ),
    Option(
        dest="build_constraint_files",
        flags=("--build-constraint", "--build-constraints"),
        groups={"generate": "inputs", "package": "main", "update": "main"},
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        recorded=True,
        help={
            "generate": "a constraints file for build requirements only, as pip's and uv's "
            "--build-constraint: narrows the versions of the locked build tools, of those a "
            "metadata hook installs, and of nixpkgs' tools the expressions accept "
            "(repeatable; e.g. a line Cython<3 for an sdist Cython 3 cannot build)",
            "package": "a constraints file for build requirements only, as pip's and uv's "
            "--build-constraint (repeatable)",
            "update": "build constraints to lock with instead of those recorded (repeatable)",
        },
    ),
)

TARGET = (
    Option(
        dest="python",
        flags=("--python", "--python-version"),
        groups=_in(LOCKING, "target"),
        action="append",
        default=[],
        metavar="X.Y",
        recorded=True,
        help={
            command: f"Python version to lock for: {', '.join(PYTHON_VERSIONS)} (default: "
            f"{DEFAULT_PYTHON}, nixpkgs' python3); sets the markers and the default "
            "interpreter" + ("" if command == "package" else "; repeatable: the lock covers each")
            for command in LOCKING
        },
    ),
    Option(
        dest="system",
        flags=("--system",),
        groups=_in(LOCKING, "target"),
        action="append",
        default=[],
        metavar="SYSTEM",
        recorded=True,
        help={
            command: f"Nix system to lock for: {', '.join(SYSTEMS)} (default: "
            f"{DEFAULT_SYSTEM}); sets the platform markers and the wheel tags"
            + (
                ""
                if command == "package"
                else "; repeatable: the lock covers every "
                "combination of the Pythons and systems given"
            )
            for command in LOCKING
        },
    ),
    Option(
        dest="universal",
        flags=("--universal",),
        groups=_in(GENERATE, "target"),
        action="store_true",
        recorded=True,
        help=f"lock for the four systems ({', '.join(SYSTEMS)}) and every Python from "
        f"{UNIVERSAL_PYTHONS[0]} that nixpkgs ships ({', '.join(UNIVERSAL_PYTHONS)}) and "
        "the project's requires-python allows; one requirements.nix serves them all",
    ),
    Option(
        dest="pre",
        flags=("--pre",),
        groups=_in(LOCKING, "target"),
        action="store_true",
        recorded=True,
        help="allow pre-releases (they are also allowed for a "
        "requirement whose specifier names one, and where no final release matches)",
    ),
    Option(
        dest="index_url",
        flags=("-i", "--index-url"),
        groups=_in(ALL_COMMANDS, "target"),
        metavar="URL",
        recorded=True,
        help={
            command: "Simple API root of the package index (default: "
            + (
                "the one recorded in the earlier lock"
                if command == "update"
                else f"the public index, or ${INDEX_URL_ENVIRONMENT_VARIABLE}, or an "
                "--index-url line in a requirements file"
            )
            + ")"
            for command in ALL_COMMANDS
        },
    ),
    Option(
        dest="extra_index_url",
        flags=("--extra-index-url",),
        groups=_in(ALL_COMMANDS, "target"),
        action="append",
        default=[],
        metavar="URL",
        recorded=True,
        help="another index whose files are added to the main one's (repeatable)",
    ),
    Option(
        dest="find_links",
        flags=("-f", "--find-links"),
        groups=_in(ALL_COMMANDS, "target"),
        action="append",
        default=[],
        metavar="DIR",
        help="a folder of wheels and sdists whose files are added to the index's, pinned "
        "with their sha256 and written as local paths (repeatable; recorded as "
        "--extra-index-url file:///DIR/)",
    ),
)

SOURCES = (
    Option(
        dest="no_binary",
        joined=",",
        flags=("--no-binary",),
        groups=_in(GENERATE, "sources"),
        action="append",
        default=[],
        metavar="NAMES",
        recorded=True,
        help="build these from their sdist (compiled code too: see docs/overriding.md for "
        "the native libraries it may need); a release without an sdist is not used",
    ),
    Option(
        dest="only_binary",
        joined=",",
        flags=("--only-binary",),
        groups=_in(GENERATE, "sources"),
        action="append",
        default=[],
        metavar="NAMES",
        recorded=True,
        help="install these from a wheel for the target; a release without one is not used",
    ),
    Option(
        dest="no_build",
        flags=("--no-build",),
        groups=_in(GENERATE, "sources"),
        action="store_true",
        recorded=True,
        help="never run a package's build backend: an sdist whose dependencies only its "
        "setup.py knows is then an error (by default its PEP 517 metadata hook runs, in an "
        "isolated environment of its build requirements, as pip and uv do)",
    ),
    Option(
        dest="prefer_wheels",
        flags=("--prefer-wheels",),
        groups=_in(GENERATE, "sources"),
        action="store_true",
        help="accepted and ignored: every pin that has a wheel for the target is "
        "installed from it, by default",
    ),
)

PINS = (
    Option(
        dest="upgrade",
        flags=("-U", "--upgrade"),
        groups=_in(GENERATE, "pins"),
        action="store_true",
        help="let every pin move to the newest allowed version (as 'pypi2nix update')",
    ),
    Option(
        dest="upgrade_packages",
        flags=("-P", "--upgrade-package"),
        groups=_in(GENERATE, "pins"),
        action="append",
        default=[],
        metavar="NAME",
        help="let this pin move (repeatable; as 'pypi2nix update NAME')",
    ),
    Option(
        dest="dry_run",
        flags=("--dry-run",),
        groups=_in(GENERATE, "pins"),
        action="store_true",
        help="lock and show what would change, write nothing",
    ),
    Option(
        dest="check",
        flags=("--check",),
        groups=_in(GENERATE, "pins"),
        action="store_true",
        help="write nothing; exit with status 1 when the files are not up to date with the "
        "inputs (for CI)",
    ),
)
