"""The shape of the option table: an option, a --help section, the commands."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

Command = Literal["generate", "package", "update", "tree"]
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


def in_commands(commands: tuple[Command, ...], group: str) -> dict[Command, str]:
    return dict.fromkeys(commands, group)
