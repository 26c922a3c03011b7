"""Resolver cases written as data (``tests/resolver_cases/*.json``), run over a
release source held in memory, as resolvelib's own functional tests do.

A case gives an ``index`` (project -> version -> requires, requires_python, yanked,
extras), what is ``requested`` (and optionally ``constraints``, ``preferences``,
``pre``, ``python``), and either the ``resolved`` versions (with the ``broken``
cycle edges) or the ``error`` message. ``also`` lists variations over the same
index. A ``"#"`` key says what the case is about.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import NormalizedName
from packaging.version import Version

from pypi2nix.errors import Origin, Pypi2NixError
from pypi2nix.models import InputRequirement, RequirementSet
from pypi2nix.resolve import ResolutionPolicy, resolve
from pypi2nix.target import Target
from tests.support.memory_source import MemorySource

CASES = Path(__file__).parent / "resolver_cases"


def variations(path: Path) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    case = json.loads(path.read_text())
    index = case.pop("index")
    others = case.pop("also", [])
    return [
        (f"{path.stem}-{number}", index, variation)
        for number, variation in enumerate([case, *others])
    ]


ALL = [item for path in sorted(CASES.glob("*.json")) for item in variations(path)]


def entries(lines: list[str], origin: str | None) -> tuple[InputRequirement, ...]:
    return tuple(
        InputRequirement(requirement=Requirement(line), origin=Origin(origin, None, line))
        for line in lines
    )


def run(index: dict[str, Any], case: dict[str, Any]) -> dict[str, Any]:
    inputs = RequirementSet(
        requirements=entries(case["requested"], None),
        constraints=entries(case.get("constraints", []), "constraint"),
    )
    target = Target.parse(case.get("python", "3.11"), "x86_64-linux")
    preferences = {NormalizedName(n): Version(v) for n, v in case.get("preferences", {}).items()}
    policy = ResolutionPolicy.for_inputs(
        inputs, pre=case.get("pre", False), preferences=preferences
    )
    try:
        resolution = resolve(inputs.requirements, MemorySource(index), target, policy)
    except Pypi2NixError as error:
        return {"error": str(error)}
    outcome: dict[str, Any] = {
        "resolved": {
            name: str(release.candidate.version) for name, release in resolution.releases.items()
        }
    }
    if "broken" in case:
        outcome["broken"] = [[e.dependent, e.dependency] for e in resolution.broken_edges]
    return outcome


@pytest.mark.parametrize(("name", "index", "case"), ALL, ids=[item[0] for item in ALL])
def test_resolver_case(name: str, index: dict[str, Any], case: dict[str, Any]) -> None:
    expected = {key: case[key] for key in ("resolved", "error", "broken") if key in case}
    assert expected, f"{name} says neither what resolves nor what fails"
    assert run(index, case) == expected


def test_there_are_cases() -> None:
    assert len(ALL) >= 15
