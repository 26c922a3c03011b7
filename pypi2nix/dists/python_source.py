"""Python sources parsed with :mod:`ast`, one at a time.

In CPython 3.11, ``ast.parse`` keeps its recursion count in state shared by all
threads, so two parses at once can fail with "AST constructor recursion depth
mismatch": every parse of pypi2nix goes through :func:`parse_module`.
"""

from __future__ import annotations

import ast
import threading

_PARSE_LOCK = threading.Lock()


def parse_module(source: str | bytes) -> ast.Module:
    """:raises SyntaxError, ValueError, RecursionError, MemoryError: as ``ast.parse``."""
    with _PARSE_LOCK:
        return ast.parse(source)
