"""The option table: every flag of every command, declared once.

The parser (:mod:`pypi2nix.parser`) is built from it, the options values
(:mod:`pypi2nix.arguments`) read their fields from what it parses, and the recorded
inputs of a lock (what ``update`` and ``--check`` need: written into ``pylock.toml``,
and shown as the ``generate`` command that makes the lock again) are the values of
its options marked ``recorded``, in :data:`RECORDED` order.
"""

from __future__ import annotations

from typing import Any

from pypi2nix.flags.lock_options import INPUTS, PINS, SOURCES, TARGET
from pypi2nix.flags.option import Command, Group, Option
from pypi2nix.flags.run_options import (
    BUILDS,
    NETWORK,
    OUTPUT,
    PACKAGE_ARGUMENTS,
    UPDATE_ARGUMENTS,
)
from pypi2nix.flags.tree_options import TREE_ARGUMENTS

__all__ = ["GROUPS", "OPTIONS", "Command", "Group", "Option", "defaults", "options_of"]

SOURCES_DESCRIPTION = (
    "By default each pin is installed from a wheel the target can install, as pip and uv "
    'install it (format = "wheel"; a binary wheel on Linux with autoPatchelfHook and the '
    "system libraries its native code needs), and built from its sdist only when its "
    "release has no such wheel. NAMES are comma-separated project names or :all:; a "
    "name given on its own beats :all:."
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
    "tree": (
        Group(key="main"),
        Group(
            key="target",
            title="target",
            description="A lock made for several Pythons or systems has a graph for each.",
        ),
        Group(key="output", title="lock and output"),
    ),
}

OPTIONS: tuple[Option, ...] = (
    *INPUTS,
    *PACKAGE_ARGUMENTS,
    *UPDATE_ARGUMENTS,
    *TREE_ARGUMENTS,
    *TARGET,
    *NETWORK,
    *SOURCES,
    *PINS,
    *BUILDS,
    *OUTPUT,
)

# The recorded inputs, in the order a recorded command names them.
RECORDED: tuple[str, ...] = (
    "requirement_files", "constraint_files", "build_constraint_files", "specs", "pyproject",
    "extras", "all_extras", "groups", "all_groups", "python", "system", "universal", "pre",
    "no_binary", "only_binary", "no_build", "index_url", "extra_index_url", "fetcher",
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
