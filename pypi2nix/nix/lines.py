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


def conditional_list_attribute(
    name: str, items: Sequence[str], conditional: Sequence[tuple[str, Sequence[str]]]
) -> list[str]:
    """``name = [ ... ] ++ lib.optionals (CONDITION) [ ... ];``: the items, then each
    group of items that only holds under its condition (a Nix expression)."""
    if not conditional:
        return list_attribute(name, items)
    lines = [f"{name} =", *indent(_list(items))]
    for condition, group in conditional:
        lines.append(f"  ++ lib.optionals ({condition}) " + _list(group)[0])
        lines.extend(indent(_list(group)[1:]))
    lines[-1] += ";"
    return lines


def _list(items: Sequence[str]) -> list[str]:
    inline = f"[ {' '.join(items)} ]"
    if not items:
        return ["[ ]"]
    if len(items) == 1 and len(inline) <= MAX_INLINE_LIST:
        return [inline]
    return ["[", *indent(items), "]"]
