"""The option table: every flag of every command, declared once.

The parser (:mod:`pypi2nix.parser`) is built from it, the options values
(:mod:`pypi2nix.arguments`) read their fields from what it parses, and the recorded
inputs of a lock (what ``update`` and ``--check`` need: written into ``pylock.toml``,
and shown as the ``generate`` command that makes the lock again) are the values of
its options marked ``recorded``, in :data:`RECORDED` order.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pypi2nix.options import (
    DEFAULT_BASENAME,
    DEFAULT_FETCHER,
    FETCHERS,
    INDEX_URL_ENVIRONMENT_VARIABLE,
)
from pypi2nix.store import default_cache_dir
from pypi2nix.target import DEFAULT_PYTHON, DEFAULT_SYSTEM, PYTHON_VERSIONS, SYSTEMS
from pypi2nix.threads import DEFAULT_WORKERS

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

Command = Literal["generate", "package", "update"]
Action = Literal["store", "append", "store_true", "count"]

GENERATE: tuple[Command, ...] = ("generate",)
LOCKING: tuple[Command, ...] = ("generate", "package")
ALL_COMMANDS: tuple[Command, ...] = ("generate", "package", "update")


@dataclass(frozen=True, slots=True, kw_only=True)
class Group:
    """A section of a command's ``--help``."""

    key: str
    title: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Option:
    """One flag (or positional argument, without ``flags``).

    :param dest: the name of its value, and of the options field it fills.
    :param groups: per command that takes it, the ``--help`` section it is shown in.
    :param help: its help text, or one per command.
    :param recorded: its value is one of the inputs a lock records.
    """

    dest: str
    flags: tuple[str, ...] = ()
    groups: Mapping[Command, str]
    help: str | Mapping[Command, str]
    action: Action = "store"
    type: Callable[[str], Any] | None = None
    default: Any = None
    metavar: str | None = None
    choices: tuple[str, ...] | None = None
    nargs: str | None = None
    const: Any = None
    recorded: bool = False
    # A recorded list given as one word, its items joined by this (``--no-binary a,b``).
    joined: str | None = None

    @property
    def initial(self) -> Any:
        """Its value when the command line does not give it."""
        if self.action == "store_true":
            return False
        return list(self.default) if isinstance(self.default, list) else self.default

    def help_for(self, command: Command) -> str:
        return self.help if isinstance(self.help, str) else self.help[command]

    @property
    def flag(self) -> str:
        """Its long spelling (the one a recorded command uses)."""
        return next((flag for flag in self.flags if flag.startswith("--")), self.flags[0])


def _in(commands: tuple[Command, ...], group: str) -> dict[Command, str]:
    return dict.fromkeys(commands, group)


SOURCES_DESCRIPTION = (
    "By default a release with compiled code (it publishes platform-specific wheels) is "
    'installed from its binary wheel for the target (format = "wheel"; on Linux with '
    "autoPatchelfHook and the system libraries its native code needs), and every other "
    "release is built from its sdist. NAMES are comma-separated project names or :all:; "
    "a name given on its own beats :all:."
)

GROUPS: dict[Command, tuple[Group, ...]] = {
    "generate": (
        Group(key="inputs", title="inputs"),
        Group(key="target", title="target and index"),
        Group(key="network", title="network and cache"),
        Group(
            key="sources",
            title="source policy (which file each pin is built from)",
            description=SOURCES_DESCRIPTION,
        ),
        Group(key="pins", title="pins (as pip-compile and uv lock)"),
        Group(key="output", title="output"),
    ),
    "package": (
        Group(key="main"),
        Group(key="target", title="target and index"),
        Group(key="network", title="network and cache"),
        Group(key="output", title="output"),
    ),
    "update": (
        Group(key="main"),
        Group(key="target", title="index"),
        Group(key="network", title="network and cache (project pages are always fetched afresh)"),
        Group(key="output", title="output"),
    ),
}

_OUTPUT_FILES: dict[Command, str] = {
    "generate": "the output files",
    "update": "the files of the earlier generate",
}

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
        help="with --pyproject: include one of the project's extras (repeatable)",
    ),
    Option(
        dest="all_extras",
        flags=("--all-extras",),
        groups=_in(GENERATE, "inputs"),
        action="store_true",
        recorded=True,
        help="with --pyproject: include every extra",
    ),
    Option(
        dest="groups",
        flags=("--group",),
        groups=_in(GENERATE, "inputs"),
        action="append",
        default=[],
        metavar="NAME",
        recorded=True,
        help="with --pyproject: include a [dependency-groups] group (PEP 735; repeatable)",
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
)

PACKAGE_ARGUMENTS = (
    Option(
        dest="name",
        groups={"package": "main"},
        metavar="NAME[==VERSION]",
        help="the project, optionally with its version",
    ),
    Option(
        dest="package_version",
        flags=("--version",),
        groups={"package": "main"},
        metavar="VERSION",
        help="the version to package (the same as NAME==VERSION; default: the newest "
        "release that fits the target)",
    ),
)

UPDATE_ARGUMENTS = (
    Option(
        dest="names",
        groups={"update": "main"},
        nargs="*",
        metavar="NAME",
        default=[],
        help="projects to move (default: every pin)",
    ),
    Option(
        dest="dry_run",
        flags=("--dry-run",),
        groups={"update": "main"},
        action="store_true",
        help="show what would change, write nothing",
    ),
)

TARGET = (
    Option(
        dest="python",
        flags=("--python", "--python-version"),
        groups=_in(LOCKING, "target"),
        default=DEFAULT_PYTHON,
        metavar="X.Y",
        recorded=True,
        help=f"Python version to lock for: {', '.join(PYTHON_VERSIONS)} (default: "
        f"{DEFAULT_PYTHON}, nixpkgs' python3); sets the markers and the default interpreter",
    ),
    Option(
        dest="system",
        flags=("--system",),
        groups=_in(LOCKING, "target"),
        default=DEFAULT_SYSTEM,
        metavar="SYSTEM",
        recorded=True,
        help=f"Nix system to lock for: {', '.join(SYSTEMS)} (default: {DEFAULT_SYSTEM}); "
        "sets the platform markers and the wheel tags",
    ),
    Option(
        dest="pre",
        flags=("--pre",),
        groups=_in(LOCKING, "target"),
        action="store_true",
        recorded=True,
        help="allow pre-releases (they are also allowed for a "
        "requirement whose specifier names one)",
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
                "the one recorded in BASENAME_frozen.txt"
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
)

NETWORK = (
    Option(
        dest="cache_dir",
        flags=("--cache-dir",),
        groups=_in(ALL_COMMANDS, "network"),
        type=Path,
        metavar="DIR",
        help=f"where to keep project pages and file facts (default: {default_cache_dir()})",
    ),
    Option(
        dest="no_cache",
        flags=("--no-cache",),
        groups=_in(ALL_COMMANDS, "network"),
        action="store_true",
        help="neither read nor write the on-disk cache",
    ),
    Option(
        dest="offline",
        flags=("--offline",),
        groups=_in(ALL_COMMANDS, "network"),
        action="store_true",
        help="use only the cache, never the network; fails naming what the cache lacks",
    ),
    Option(
        dest="refresh",
        flags=("--refresh",),
        groups=_in(LOCKING, "network"),
        action="store_true",
        help="fetch every project page again, even when the cached copy is still fresh",
    ),
    Option(
        dest="workers",
        flags=("--workers",),
        groups=_in(ALL_COMMANDS, "network"),
        type=int,
        default=DEFAULT_WORKERS,
        metavar="N",
        help=f"threads that fetch from the index (default: {DEFAULT_WORKERS}; 1: no threads)",
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
        recorded=True,
        help="install every pin that has a wheel for the target from that wheel, and "
        "build the others from their sdist",
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

OUTPUT = (
    Option(
        dest="output_dir",
        flags=("-O", "--output-dir"),
        groups={"generate": "output", "update": "output"},
        type=Path,
        default=Path(),
        metavar="DIR",
        help={
            command: f"directory of {files} (default: the current directory)"
            for command, files in _OUTPUT_FILES.items()
        },
    ),
    Option(
        dest="basename",
        flags=("--basename",),
        groups={"generate": "output", "update": "output"},
        default=DEFAULT_BASENAME,
        metavar="NAME",
        help={
            command: f"name stem of {files}: NAME.nix, NAME_override.nix, NAME_frozen.txt "
            "(default: requirements)"
            for command, files in _OUTPUT_FILES.items()
        },
    ),
    Option(
        dest="output",
        flags=("-o", "--output"),
        groups={"package": "output"},
        type=Path,
        metavar="FILE",
        help="where to write the expression (default: NAME/default.nix, NAME normalized "
        "as nixpkgs names its attributes)",
    ),
    Option(
        dest="with_tests",
        flags=("--with-tests",),
        groups={"package": "output"},
        action="store_true",
        help="run the tests: nativeCheckInputs = [ pytestCheckHook ... ] from the "
        "package's test extra, or else its test dependency group (doCheck = false with a "
        "comment when it has neither)",
    ),
    Option(
        dest="fetcher",
        flags=("--fetcher",),
        groups=_in(LOCKING, "output"),
        choices=FETCHERS,
        default=DEFAULT_FETCHER,
        recorded=True,
        help="how sources are fetched: fetchPypi for files of the public index and "
        "fetchurl otherwise (auto, the default); fetchPypi wherever its URL scheme names "
        "the file, for indexes that mirror the public one (fetchpypi); always fetchurl",
    ),
    Option(
        dest="generate_hashes",
        flags=("--generate-hashes",),
        groups=_in(GENERATE, "output"),
        action="store_true",
        help="accepted for pip-compile's sake and ignored: hashes are always written",
    ),
    Option(
        dest="verbose",
        flags=("-v", "--verbose"),
        groups=_in(ALL_COMMANDS, "output"),
        action="count",
        default=0,
        help="say more: -v names the pins from wheels and from source, skipped requirements, "
        "retries and build backends run, and prints the traceback of an error; -vv adds "
        "debug output, every request among it",
    ),
    Option(
        dest="quiet",
        flags=("-q", "--quiet"),
        groups=_in(ALL_COMMANDS, "output"),
        action="store_true",
        help="print nothing but errors (no progress)",
    ),
)

OPTIONS: tuple[Option, ...] = (
    *INPUTS,
    *PACKAGE_ARGUMENTS,
    *UPDATE_ARGUMENTS,
    *TARGET,
    *NETWORK,
    *SOURCES,
    *PINS,
    *OUTPUT,
)

# The recorded inputs, in the order a recorded command names them.
RECORDED: tuple[str, ...] = (
    "requirement_files", "constraint_files", "specs", "pyproject", "extras", "all_extras",
    "groups", "python", "system", "pre", "no_binary", "only_binary", "prefer_wheels",
    "no_build", "index_url", "extra_index_url", "fetcher",
)  # fmt: skip


def defaults(command: Command) -> dict[str, Any]:
    """The values of a command's options when none is given."""
    return {option.dest: option.initial for option in options_of(command)}


def options_of(command: Command) -> tuple[Option, ...]:
    """The options a command takes, in table order."""
    return tuple(option for option in OPTIONS if command in option.groups)


def recorded_options() -> tuple[Option, ...]:
    """The recorded options of ``generate``, in :data:`RECORDED` order."""
    by_dest = {option.dest: option for option in options_of("generate") if option.recorded}
    return tuple(by_dest[dest] for dest in RECORDED)
