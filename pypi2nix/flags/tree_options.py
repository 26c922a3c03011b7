"""The options of ``pypi2nix tree``: which target of the lock, and what to draw."""

from __future__ import annotations

from pypi2nix.flags.option import Option
from pypi2nix.target import PYTHON_VERSIONS, SYSTEMS


def depth(text: str) -> int:
    """A number of levels: 0 or more."""
    value = int(text)
    if value < 0:
        raise ValueError(text)
    return value


TREE_ARGUMENTS = (
    Option(
        dest="depth",
        flags=("--depth", "-d"),
        groups={"tree": "main"},
        type=depth,
        metavar="N",
        help="draw N levels below the top-level requirements (0: those only; default: all)",
    ),
    Option(
        dest="invert",
        flags=("--invert",),
        groups={"tree": "main"},
        metavar="NAME",
        help="why NAME is in the lock: the tree from NAME up through the pins that need it "
        "to the top-level requirements",
    ),
    Option(
        dest="tree_python",
        flags=("--python",),
        groups={"tree": "target"},
        metavar="X.Y",
        help=f"the Python of the target to draw, for a lock made for several "
        f"({', '.join(PYTHON_VERSIONS)}; default: the machine's when the lock has it, "
        "else the first locked)",
    ),
    Option(
        dest="tree_system",
        flags=("--system",),
        groups={"tree": "target"},
        metavar="SYSTEM",
        help=f"the Nix system of the target to draw ({', '.join(SYSTEMS)}; default: the "
        "machine's when the lock has it, else the first locked)",
    ),
)
