"""Nix text, line by line: indentation and list attributes."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

INDENT = "  "
MAX_INLINE_LIST = 80


def indent(lines: Sequence[str], levels: int = 1) -> list[str]:
    prefix = INDENT * levels
    return [prefix + line if line else line for line in lines]


def list_attribute(name: str, items: Sequence[str]) -> list[str]:
    """``name = [ ... ];`` inline when short, one item per line otherwise."""
    if not items:
        return [f"{name} = [ ];"]
    inline = f"{name} = [ {' '.join(items)} ];"
    if len(items) == 1 and len(inline) <= MAX_INLINE_LIST:
        return [inline]
    return [f"{name} = [", *indent(items), "];"]
