"""The README, CI script and docs say what the code does."""

from __future__ import annotations

import argparse
import re

import pytest

from pypi2nix.parser import build_parser
from tests.support.fixture_index import ROOT

README = (ROOT / "README.md").read_text()


def readme_commands() -> list[str]:
    first_block = README.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in first_block.splitlines() if line and not line.startswith("#")]


def test_readme_opens_with_the_two_setup_commands() -> None:
    example, tests = readme_commands()
    assert example.startswith(
        "pip install . && pypi2nix generate -r docs/examples/requirements.txt"
    )
    assert (ROOT / "docs" / "examples" / "requirements.txt").is_file()
    assert "python -m pytest" in tests
    assert "nix-bin" in tests


def test_ci_runs_the_readme_test_command_with_nix_required() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    _, tests = readme_commands()
    assert re.search(rf"^{re.escape(tests)}$", ci, re.MULTILINE)
    assert "export PYPI2NIX_REQUIRE_NIX=1" in ci


@pytest.mark.parametrize("command", ["generate", "package", "update", "tree"])
def test_docs_cover_every_flag(command: str) -> None:
    text = (ROOT / "docs" / f"{command}.md").read_text()
    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for action in commands.choices[command]._actions:
        for option in action.option_strings:
            if option not in ("-h", "--help"):
                assert f"`{option}" in text, option


def test_readme_links_exist() -> None:
    for link in re.findall(r"\]\(((?:docs|\.ci)/[^)#]+)", README):
        assert (ROOT / link).exists(), link
