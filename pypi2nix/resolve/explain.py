"""Explain why a set of requirements cannot be satisfied, in one line."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from pypi2nix.credentials import redact_url
from pypi2nix.errors import ProjectNotFound
from pypi2nix.resolve.base import Candidate
from pypi2nix.resolve.reasons import RequiresPython
from pypi2nix.target import PYTHON_VERSIONS

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence

    from packaging.utils import NormalizedName
    from packaging.version import Version
    from resolvelib.structs import RequirementInformation

    from pypi2nix.resolve.base import Requirement
    from pypi2nix.resolve.factory import Factory

SHOWN_VERSIONS = 5


def explain_impossible(
    causes: Collection[RequirementInformation[Requirement, Candidate]], factory: Factory
) -> str:
    """One sentence per project involved: either nothing matches a requirement on
    its own, or the requirements contradict each other (and who asked for what)."""
    by_name: dict[NormalizedName, list[RequirementInformation[Requirement, Candidate]]] = {}
    for cause in causes:
        by_name.setdefault(cause.requirement.name, []).append(cause)
    sentences = [_explain_project(name, group, factory) for name, group in sorted(by_name.items())]
    return "; ".join(sentences)


def _explain_project(
    name: NormalizedName,
    causes: list[RequirementInformation[Requirement, Candidate]],
    factory: Factory,
) -> str:
    missing = factory.missing.get(name)
    if missing is not None:
        by_asker: dict[str, list[RequirementInformation[Requirement, Candidate]]] = {}
        for cause in causes:
            asker = cause.requirement.requested_by if cause.parent is None else cause.parent.name
            by_asker.setdefault(asker, []).append(cause)
        askers = ", ".join(_describe_askers(by_asker[asker]) for asker in sorted(by_asker))
        return str(ProjectNotFound(name, missing.index_urls, askers))
    for cause in causes:
        requirement = cause.requirement
        if not factory.has_candidate(requirement):
            return _no_match(name, requirement, factory)
    asked = [_describe_group(group) for group in _group_by_asker(causes).values()]
    asked += [constraint.describe() for constraint in factory.constraints.get(name, ())]
    return (
        f"conflicting requirements for {name}: {', '.join(asked)}; no version satisfies all of them"
    )


def _group_by_asker(
    causes: list[RequirementInformation[Requirement, Candidate]],
) -> dict[tuple[str, str], list[RequirementInformation[Requirement, Candidate]]]:
    """The same demand from several versions of one package is one entry."""
    groups: dict[tuple[str, str], list[RequirementInformation[Requirement, Candidate]]] = {}
    for cause in causes:
        asker = cause.requirement.requested_by if cause.parent is None else cause.parent.name
        groups.setdefault((asker, str(cause.requirement.specifier)), []).append(cause)
    return groups


def _describe_group(causes: list[RequirementInformation[Requirement, Candidate]]) -> str:
    requirement = causes[0].requirement
    if len({cause.parent.version for cause in causes if cause.parent is not None}) < 2:
        return requirement.describe()
    constraint = str(requirement.specifier) or "any version"
    return f"{constraint} (from {_describe_askers(causes)})"


def _describe_askers(causes: list[RequirementInformation[Requirement, Candidate]]) -> str:
    """Who asked: the releases of one package (``app 1.0.0 to 3.0.0``), or the input."""
    parents = sorted({cause.parent.version for cause in causes if cause.parent is not None})
    parent = causes[0].parent
    if parent is None:
        return causes[0].requirement.requested_by
    if len(parents) < 2:
        return f"{parent.name} {parents[0]}"
    return f"{parent.name} {parents[0]} to {parents[-1]}"


def _no_match(name: NormalizedName, requirement: Requirement, factory: Factory) -> str:
    wanted = (
        f"matches {requirement.describe()}"
        if requirement.specifier
        else (f"can be used (required by {requirement.requested_by})")
    )
    head = f"no version of {name} {wanted}"
    versions = factory.versions(name)
    matching = [v for v in versions if requirement.is_satisfied_by_version(v)]
    if matching:
        allow_pre = factory.allows_pre_releases(name, [requirement])
        verdicts = [
            (version, _why_not(version, requirement, factory, allow_pre)) for version in matching
        ]
        reasons = [f"{version} {verdict}" for version, verdict in verdicts]
        return f"{head}: {_listing(reasons)}{_other_python(verdicts, factory)}"
    direct = factory.direct.get(name)
    if direct is not None:
        where = redact_url(direct.source.describe())
        return f"{head}: its only source, {where}, holds {direct.metadata.version}"
    if not versions:
        return f"{head}: the project has no files"
    return f"{head}: the index has {_listing([str(v) for v in versions])}"


def _why_not(
    version: Version, requirement: Requirement, factory: Factory, allow_pre: bool
) -> object:
    """The reason the factory recorded for ruling the version out."""
    verdict = factory.evaluate(requirement.name, version, [requirement], allow_pre=allow_pre)
    return "cannot be used" if isinstance(verdict, Candidate) else verdict


def _other_python(verdicts: Sequence[tuple[Version, object]], factory: Factory) -> str:
    """When the newest version is ruled out only by its Requires-Python: the
    ``--python`` that would lock it (the oldest that pypi2nix locks for and it allows)."""
    newest = verdicts[0][1]
    if not isinstance(newest, RequiresPython):
        return ""
    for python in PYTHON_VERSIONS:
        target = dataclasses.replace(factory.target, python=python)
        if python != factory.target.python and target.allows_python(newest.specifier):
            return f"; --python {python} would lock it"
    return ""


def _listing(items: Sequence[str]) -> str:
    shown = ", ".join(items[:SHOWN_VERSIONS])
    more = len(items) - SHOWN_VERSIONS
    return f"{shown} and {more} more" if more > 0 else shown
