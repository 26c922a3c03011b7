"""Replaying preferred versions (:mod:`pypi2nix.resolve.replay`): when they hold
together, the resolution is resolvelib's, down to who asked for what; when anything
rules one out, resolvelib decides."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from packaging.utils import NormalizedName
from packaging.version import Version

import pypi2nix.resolve
from pypi2nix.models import RequirementSet
from pypi2nix.resolve import Resolution, ResolutionPolicy, resolve
from pypi2nix.resolve.replay import replay as real_replay
from pypi2nix.target import Target
from tests.support.memory_source import MemorySource
from tests.test_resolver_cases import ALL, entries

if TYPE_CHECKING:
    from collections.abc import Mapping

RESOLVING = [item for item in ALL if "resolved" in item[2]]


def _resolve(
    index: dict[str, Any],
    case: dict[str, Any],
    preferences: Mapping[str, str],
    monkeypatch: pytest.MonkeyPatch,
    *,
    replaying: bool,
) -> tuple[Resolution, bool]:
    """The resolution, and whether the replay gave it."""
    inputs = RequirementSet(
        requirements=entries(case["requested"], None),
        constraints=entries(case.get("constraints", []), "constraint"),
    )
    target = Target.parse(case.get("python", "3.11"), "x86_64-linux")
    policy = ResolutionPolicy.for_inputs(
        inputs,
        pre=case.get("pre", False),
        preferences={NormalizedName(n): Version(v) for n, v in preferences.items()},
    )
    held = []

    def replay(*args: Any) -> Any:
        result = real_replay(*args) if replaying else None
        held.append(result is not None)
        return result

    monkeypatch.setattr(pypi2nix.resolve, "replay", replay)
    resolution = resolve(inputs.requirements, MemorySource(index), target, policy)
    return resolution, any(held)


@pytest.mark.parametrize(("name", "index", "case"), RESOLVING, ids=[i[0] for i in RESOLVING])
def test_the_pins_of_a_resolution_replay_to_it(
    name: str, index: dict[str, Any], case: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each resolving case, preferring its own answer: the replay holds and gives
    what resolvelib gives with the same preferences (releases, edges, requesters)."""
    wanted = {**case.get("preferences", {}), **case["resolved"]}
    searched, _ = _resolve(index, case, wanted, monkeypatch, replaying=False)
    replayed, held = _resolve(index, case, wanted, monkeypatch, replaying=True)
    assert held
    assert replayed == searched
    assert {n: str(r.candidate.version) for n, r in replayed.releases.items()} == case["resolved"]


INDEX = {
    "app": {"1.0": {"requires": ["lib>=1", "extra[fast]"]}},
    "lib": {"1.0": {}, "2.0": {}, "3.0": {"yanked": True}, "4.0b1": {}},
    "extra": {
        version: {"extras": ["fast"], "requires": ['speedup; extra == "fast"']}
        for version in ("1.0", "2.0")
    },
    "speedup": {"0.5": {}, "1.0": {"requires_python": ">=3.12"}},
}
CASE = {"requested": ["app"]}
PINS = {"app": "1.0", "lib": "1.0", "extra": "1.0", "speedup": "0.5"}


def test_an_extra_and_its_project_replay_together(monkeypatch: pytest.MonkeyPatch) -> None:
    replayed, held = _resolve(INDEX, CASE, PINS, monkeypatch, replaying=True)
    searched, _ = _resolve(INDEX, CASE, PINS, monkeypatch, replaying=False)
    assert held
    assert replayed == searched
    assert replayed.releases[NormalizedName("extra")].extras == ("fast",)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"speedup": None}, {"speedup": "0.5"}),  # no preference: resolvelib picks
        ({"lib": "0.1"}, {"lib": "2.0"}),  # not a version of it
        ({"speedup": "1.0"}, {"speedup": "0.5"}),  # its requires-python rules it out
        ({"lib": "3.0"}, {"lib": "2.0"}),  # yanked, and no == names it
        ({"lib": "4.0b1"}, {"lib": "2.0"}),  # a pre-release, and a final release fits
    ],
)
def test_a_preference_that_does_not_hold_leaves_it_to_resolvelib(
    change: dict[str, str | None], expected: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    preferences = {
        name: version for name, version in {**PINS, **change}.items() if version is not None
    }
    resolution, held = _resolve(INDEX, CASE, preferences, monkeypatch, replaying=True)
    assert not held
    versions = {n: str(r.candidate.version) for n, r in resolution.releases.items()}
    assert versions == {**PINS, **expected}


def test_a_requirement_reached_later_that_rules_out_a_preference(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The preference met the first requirement on it, not a later one: resolvelib."""
    index = {**INDEX, "app": {"1.0": {"requires": ["lib", "other"]}}, "other": {"1.0": {
        "requires": ["lib>=2"]
    }}}  # fmt: skip
    preferences = {"app": "1.0", "lib": "1.0", "other": "1.0"}
    resolution, held = _resolve(index, CASE, preferences, monkeypatch, replaying=True)
    assert not held
    assert str(resolution.releases[NormalizedName("lib")].candidate.version) == "2.0"
