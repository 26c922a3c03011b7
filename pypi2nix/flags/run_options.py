"""The options of how a command runs: its own arguments, the network and cache, and
its output."""

from __future__ import annotations

from pathlib import Path

from pypi2nix.flags.option import ALL_COMMANDS, GENERATE, LOCKING, Command, Option
from pypi2nix.flags.option import in_commands as _in
from pypi2nix.options import (
    DEFAULT_BASENAME,
    DEFAULT_BUILD_TIMEOUT,
    DEFAULT_FETCHER,
    FETCHERS,
    SANDBOX_MODES,
)
from pypi2nix.store import default_cache_dir
from pypi2nix.threads import DEFAULT_WORKERS

_OUTPUT_FILES: dict[Command, str] = {
    "generate": "the output files",
    "update": "the files of the earlier generate",
    "tree": "the files of the earlier generate",
}
_READ_FILES: tuple[Command, ...] = ("generate", "update", "tree")
# The options every command takes.
_EVERY_COMMAND: tuple[Command, ...] = (*ALL_COMMANDS, "tree")

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

_BUILD_GROUPS: dict[Command, str] = {"generate": "sources", "package": "main", "update": "main"}


def seconds(text: str) -> float:
    """A positive number of seconds."""
    value = float(text)
    if not value > 0 or value == float("inf"):
        raise ValueError(text)
    return value


BUILDS = (
    Option(
        dest="sandbox",
        flags=("--sandbox",),
        groups=_BUILD_GROUPS,
        choices=SANDBOX_MODES,
        default="auto",
        help="how a build backend run for metadata is contained: in a sandbox (no network, "
        "the system read-only, an empty home, its processes ended with it) when the system "
        "can make one, else as pip runs it, said once (auto, the default); in a sandbox or "
        "not at all (require); as pip runs it (off). See docs/security.md",
    ),
    Option(
        dest="build_timeout",
        flags=("--build-timeout",),
        groups=_BUILD_GROUPS,
        type=seconds,
        default=DEFAULT_BUILD_TIMEOUT,
        metavar="SECONDS",
        help=f"stop a build backend hook, and every process it started, after this long "
        f"(default: {DEFAULT_BUILD_TIMEOUT:.0f})",
    ),
)

OUTPUT = (
    Option(
        dest="output_dir",
        flags=("-O", "--output-dir"),
        groups=_in(_READ_FILES, "output"),
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
        groups=_in(_READ_FILES, "output"),
        default=DEFAULT_BASENAME,
        metavar="NAME",
        help={
            **{
                command: f"name stem of {files}: NAME.nix, NAME_override.nix, "
                "NAME_frozen.txt (default: requirements)"
                for command, files in _OUTPUT_FILES.items()
            },
            "tree": "name stem of the files of the earlier generate: the lock read is "
            "pylock.NAME.toml (default: requirements, whose lock is pylock.toml)",
        },
    ),
    Option(
        dest="output_file",
        flags=("-o", "--output-file"),
        groups={"generate": "output"},
        type=Path,
        metavar="FILE",
        help="pip-compile's and uv's flag: pypi2nix writes four files, named by -O and "
        "--basename; -o FILE says which of those to give instead",
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
        groups=_in(_EVERY_COMMAND, "output"),
        action="count",
        default=0,
        help={
            **dict.fromkeys(
                ALL_COMMANDS,
                "say more: -v names the pins from wheels and from source, skipped "
                "requirements, retries and build backends run, and prints the traceback of "
                "an error; -vv adds debug output, every request among it",
            ),
            "tree": "print the traceback of an error",
        },
    ),
    Option(
        dest="quiet",
        flags=("-q", "--quiet"),
        groups=_in(_EVERY_COMMAND, "output"),
        action="store_true",
        help="print nothing but errors (no progress)",
    ),
)
