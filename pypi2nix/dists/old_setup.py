"""Old ``setup.py`` files that cannot run on today's Python: one that opens files with
mode ``'U'`` (removed in Python 3.11; pylibmc 1.6.1 opens its README so). Pure: the
file's bytes, or a build's output, in; a flag or a reason out."""

from __future__ import annotations

import re

# open("README.rst", "rU"), io.open(name, mode="U"), codecs.open(name, 'Ur', ...)
_OPENS_MODE_U = re.compile(
    rb"""open\s*\([^()]*?,\s*(?:mode\s*=\s*)?[bru]?['"][rwabxt+]*U[rwabxt+]*['"]"""
)
MODE_U_REMOVED_IN = (3, 11)


def opens_mode_u(setup_py: bytes | None) -> bool:
    """Whether the setup.py opens a file with mode 'U'."""
    return setup_py is not None and _OPENS_MODE_U.search(setup_py) is not None


def runs_mode_u(python: str) -> bool:
    """Whether a setup.py that opens files with mode 'U' fails on this Python."""
    try:
        version = tuple(int(part) for part in python.split(".")[:2])
    except ValueError:
        return True
    return version >= MODE_U_REMOVED_IN


def mode_u_reason(python: str, error: str | None = None) -> str:
    """Why the sdist cannot be built for the target's Python, and what to do.

    :param error: the error line its build printed, when it ran.
    """
    shown = f" ({error})" if error else ""
    if runs_mode_u(python):
        return (
            f"its setup.py cannot run on Python {python}, the target's: it opens files "
            f"with mode 'U', which Python 3.11 removed{shown}; pin a release made for "
            f"Python {python}, or use its wheel if it has one"
        )
    return (
        f"its setup.py opens files with mode 'U', which Python 3.11 removed{shown}, and "
        f"its build backend ran on a later Python than the target's {python}: run "
        f"pypi2nix with Python {python}, or pin another release"
    )
