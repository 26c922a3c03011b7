"""Marker evaluation for a target: the extras a requirement's marker adds it for."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hypothesis import given
from hypothesis import strategies as st
from packaging.markers import Marker

from pypi2nix.target import Target, targets_marker, universal_targets

if TYPE_CHECKING:
    import pytest

TARGET = Target(python="3.11", system="x86_64-linux")
OPERATORS = ["==", "!=", "<", "<=", ">", ">=", "in", "not in"]

comparisons = st.one_of(
    st.builds(
        lambda operator, extra: f'extra {operator} "{extra}"',
        st.sampled_from(OPERATORS),
        st.sampled_from(["a", "B", "c_d", "c", "", "a b"]),
    ),
    st.builds(lambda extra: f'"{extra}" == extra', st.sampled_from(["a", "b"])),
    st.sampled_from(['python_version >= "3.10"', 'python_version < "3.8"']),
)
markers = st.recursive(
    comparisons,
    lambda inner: st.builds(
        lambda left, joiner, right: f"({left}) {joiner} ({right})",
        inner,
        st.sampled_from(["and", "or"]),
        inner,
    ),
    max_leaves=5,
)


@given(markers)
def test_extras_adding_agrees_with_evaluating_every_extra(text: str) -> None:
    marker = Marker(text)
    named = ["a", "b", "c-d", "other"]
    expected = (
        []
        if TARGET.evaluates(marker)
        else [extra for extra in named if TARGET.evaluates(marker, extra=extra)]
    )
    assert TARGET.extras_adding(marker, named) == expected


def test_extras_adding_evaluates_only_the_extras_the_marker_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    evaluated: list[object] = []
    original = Marker.evaluate

    def counting(self: Marker, *args: object, **kwargs: object) -> bool:
        evaluated.append(args)
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Marker, "evaluate", counting)
    extras = [f"extra-{number}" for number in range(200)]
    marker = Marker('python_version >= "3.9" and extra == "extra-7"')
    assert TARGET.extras_adding(marker, extras) == ["extra-7"]
    assert len(evaluated) <= 2  # the plain release, and the one extra named


def test_extras_adding_a_marker_that_holds_without_extras_adds_nothing() -> None:
    assert TARGET.extras_adding(Marker('python_version >= "3.9"'), ["a"]) == []
    assert TARGET.extras_adding(None, ["a"]) == []


def test_a_requirement_asks_its_specifier_once_per_version(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from packaging.specifiers import SpecifierSet
    from packaging.utils import NormalizedName
    from packaging.version import Version

    from pypi2nix.resolve.base import Requirement

    asked: list[object] = []
    original = SpecifierSet.contains

    def counting(self: SpecifierSet, item: object, *args: object, **kwargs: object) -> bool:
        asked.append(item)
        return original(self, item, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(SpecifierSet, "contains", counting)
    name = NormalizedName("thing")
    requirement = Requirement(
        name=name, specifier=SpecifierSet(">=1"), requested_by="", spelled=name
    )
    for _ in range(3):
        assert requirement.is_satisfied_by_version(Version("1.2"))
        assert not requirement.is_satisfied_by_version(Version("0.9"))
    assert asked == [Version("1.2"), Version("0.9")]


@given(st.sets(st.sampled_from(universal_targets(None)), min_size=1))
def test_a_marker_of_targets_holds_on_those_targets_and_no_other(chosen: set[Target]) -> None:
    among = universal_targets(None)
    marker = targets_marker(chosen, among)
    for target in among:
        environment = {**target.marker_environment(), "extra": ""}
        holds = marker is None or Marker(marker).evaluate(environment)
        assert holds == (target in chosen), (marker, target)
