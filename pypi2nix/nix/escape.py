"""The one place where text becomes Nix syntax.

Every string that reaches a generated file goes through :func:`nix_string` (or
:func:`nix_attribute` for attribute names, :func:`nix_comment` for a ``#`` comment),
so an index string (or a cache entry) can never change the meaning of the file:
quotes, backslashes, ``${`` and control characters are escaped, and a comment never
holds a line break.
"""

from __future__ import annotations

import re
import unicodedata

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_'-]*")
_KEYWORDS = frozenset({"assert", "else", "if", "in", "inherit", "let", "or", "rec", "then", "with"})
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\ufffd"}
_NEEDS_ESCAPE = re.compile(r'["\\\n\r\t\0]|\$(?=\{)')


def nix_string(value: str) -> str:
    """A double-quoted Nix string literal that evaluates to ``value``.

    Nix strings cannot hold NUL, so a NUL becomes U+FFFD; everything else round-trips.
    """
    return '"' + _NEEDS_ESCAPE.sub(_escape, value) + '"'


def _escape(match: re.Match[str]) -> str:
    text = match[0]
    return "\\$" if text == "$" else _ESCAPES[text]


def is_identifier(name: str) -> bool:
    return _IDENTIFIER.fullmatch(name) is not None and name not in _KEYWORDS


def nix_attribute(name: str) -> str:
    """An attribute name: bare when it is a Nix identifier, else a quoted string."""
    return name if is_identifier(name) else nix_string(name)


def nix_select(base: str, name: str) -> str:
    """``base.name``, quoting the name when Nix requires it."""
    return f"{base}.{nix_attribute(name)}"


_PATH_LITERAL = re.compile(r"\.\.?(?:/[A-Za-z0-9._+-]+)*")
_ABSOLUTE_PATH_LITERAL = re.compile(r"(?:/[A-Za-z0-9._+-]+)+")


def nix_relative_path(relative: str) -> str:
    """A Nix path expression for a path relative to the file's own directory: a path
    literal (``./libs/foo``) when Nix's syntax allows one, else ``./. + "/..."``."""
    relative = relative.strip("/") or "."
    if relative in (".", ".."):
        text = relative + "/."  # a path literal needs a slash: ``./.``, ``../.``
    elif relative.startswith("../"):
        text = relative
    else:
        text = "./" + relative
    if _PATH_LITERAL.fullmatch(text):
        return text
    return f"(./. + {nix_string('/' + relative)})"


def nix_absolute_path(path: str) -> str:
    """A Nix path expression for an absolute path: a literal when Nix's syntax allows
    one, else ``/. + "/..."``."""
    if _ABSOLUTE_PATH_LITERAL.fullmatch(path):
        return path
    return f"(/. + {nix_string(path)})"


# Control and format characters, line and paragraph separators, lone surrogates.
_UNSAFE_IN_COMMENT = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def nix_comment(text: str) -> str:
    """A ``#`` comment line showing ``text``, which cannot end the comment: line breaks
    (``\\n``, ``\\r``, U+2028, ...), other control characters and invisible format
    characters are written as Python-style escapes (``\\n``, ``\\x85``, ``\\u202e``)."""
    safe = "".join(_comment_character(character) for character in text)
    return f"# {safe}".rstrip()


def _comment_character(character: str) -> str:
    if unicodedata.category(character) in _UNSAFE_IN_COMMENT:
        return character.encode("unicode_escape").decode("ascii")
    return character
