from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import pypi2nix.nix
from pypi2nix.nix.escape import (
    is_identifier,
    nix_attribute,
    nix_comment,
    nix_select,
    nix_string,
)
from tests.support import nix

# Everything Nix can hold in a string: any code point but NUL and lone surrogates,
# with the troublemakers of Nix syntax made likely.
TRICKY = ["${", "''", '"', "\\", "$", "\n", "\r", "\t", "${x}", "''${", "\\${", "$$", "#", "/*"]
characters = st.characters(codec="utf-8", exclude_characters="\0")
nix_texts = st.lists(st.one_of(st.text(characters, max_size=8), st.sampled_from(TRICKY))).map(
    "".join
)


def test_escapes() -> None:
    assert nix_string('say "hi" \\ ${HOME} $x ${') == '"say \\"hi\\" \\\\ \\${HOME} $x \\${"'
    assert nix_string("two\nlines\tand\r") == '"two\\nlines\\tand\\r"'
    assert nix_string("nul\0byte") == '"nul\ufffdbyte"'


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("requests", "requests"),
        ("zope-interface", "zope-interface"),
        ("3to2", '"3to2"'),
        ("or", '"or"'),
        ("with", '"with"'),
        ("a.b", '"a.b"'),
        ("", '""'),
    ],
)
def test_attribute_names(name: str, expected: str) -> None:
    assert nix_attribute(name) == expected
    assert nix_select("self", name) == f"self.{expected}"
    assert is_identifier(name) == (expected == name)


@pytest.mark.nix
@pytest.mark.fuzz
@given(st.lists(nix_texts, min_size=1, max_size=40))
@example(["", "${}", "''${x}''", '\\"', "$${x}", "end$", "ünïcødé ✓ 🐍", "\\\\${x}"])
def test_strings_round_trip_through_nix(values: list[str]) -> None:
    expression = "[ " + " ".join(nix_string(value) for value in values) + " ]"
    assert nix.evaluate(expression) == values


@pytest.mark.nix
@pytest.mark.fuzz
@given(st.lists(nix_texts, min_size=1, max_size=20, unique=True))
@example(["3to2", "or", "a.b", "", "${x}", "zope-interface", "it's"])
def test_attribute_names_round_trip_through_nix(names: list[str]) -> None:
    attributes = " ".join(
        f"{nix_attribute(name)} = {json.dumps(i)};" for i, name in enumerate(names)
    )
    selected = " ".join(nix_select("set", name) for name in names)
    expression = f"let set = {{ {attributes} }}; in [ (builtins.attrNames set) [ {selected} ] ]"
    attribute_names, values = nix.evaluate(expression)
    assert sorted(attribute_names) == sorted(names)
    assert values == list(range(len(names)))


LINE_BREAKS = ["\n", "\r", "\r\n", "\x0b", "\x0c", "\x85", "\u2028", "\u2029", "\x1c", "*/"]
comment_texts = st.lists(
    st.one_of(st.text(characters, max_size=8), st.sampled_from(TRICKY + LINE_BREAKS))
).map("".join)


def test_a_comment_is_one_line_without_control_characters() -> None:
    assert nix_comment("a\nb = 2;") == "# a\\nb = 2;"
    assert nix_comment("\r\u2028\u202e\x85 \\n") == "# \\r\\u2028\\u202e\\x85 \\n"
    assert nix_comment("") == "#"
    assert nix_comment("lone \udcff surrogate") == "# lone \\udcff surrogate"


@pytest.mark.nix
@pytest.mark.fuzz
@given(st.lists(comment_texts, min_size=1, max_size=20))
@example(["\nb = 2;", "x\r  c = 3;", "\u2028d = 4;", "*/ e = 5; /*", "''${x}"])
def test_a_comment_cannot_change_the_evaluated_value(texts: list[str]) -> None:
    """Each attribute follows a comment of hostile text: the set is exactly as written."""
    body = "\n".join(f"  {nix_comment(text)}\n  a{i} = {i};" for i, text in enumerate(texts))
    assert nix.evaluate("{\n" + body + "\n}") == {f"a{i}": i for i in range(len(texts))}


def test_every_comment_is_made_by_nix_comment() -> None:
    """No renderer writes a ``#`` comment itself: a string constant (or f-string) that
    starts with ``#`` exists only in escape.py."""
    package = Path(pypi2nix.nix.__path__[0])
    offenders = []
    for module in sorted(package.glob("*.py")):
        if module.name == "escape.py":
            continue
        for node in ast.walk(ast.parse(module.read_text())):
            first = node.values[0] if isinstance(node, ast.JoinedStr) and node.values else node
            if isinstance(first, ast.Constant) and str(first.value).lstrip().startswith("#"):
                offenders.append(f"{module.name}:{first.lineno}")
    assert offenders == []
