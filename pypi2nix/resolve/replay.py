"""Replaying preferred versions instead of searching: when every project the
requirements reach has a preferred version (the pins of an earlier target of the same
lock, or of the earlier lock) and those versions satisfy every requirement on this
target, they are the answer resolvelib would give, with none of its search.

resolvelib, given the same preferences, tries the preferred version of each project
first (:meth:`Factory.iter_candidates`); when each such version is a candidate and
meets every requirement that reaches it, nothing ever conflicts, so it pins exactly
these versions and its result holds what :func:`replay` builds here: each
identifier's candidate and each requirement with the candidate that made it. Any
doubt (a project with no preference, a preferred version the requirements or the
target rule out, a pre-release the policy would not pin) gives ``None``, and the
caller runs resolvelib.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resolvelib.resolvers import Criterion, RequirementInformation, Result
from resolvelib.structs import DirectedGraph

from pypi2nix.resolve.base import Candidate

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pypi2nix.resolve.base import Requirement
    from pypi2nix.resolve.factory import Factory

    Information = RequirementInformation[Requirement, Candidate]


def replay(
    roots: Sequence[Requirement], factory: Factory
) -> Result[Requirement, Candidate, str] | None:
    """resolvelib's result for the roots when the factory's preferred versions hold
    together on its target, else ``None``. Reads what resolvelib would (each reached
    release's files and metadata), and nothing more."""
    preferences = factory.policy.preferences
    information: dict[str, list[Information]] = {}
    mapping: dict[str, Candidate] = {}
    queue: list[Information] = [RequirementInformation(root, None) for root in roots]
    while queue:
        pair = queue.pop()
        requirement = pair.requirement
        identifier = requirement.identifier
        information.setdefault(identifier, []).append(pair)
        if identifier in mapping:
            continue
        version = preferences.get(requirement.name)
        if version is None or not requirement.is_satisfied_by_version(version):
            return None
        candidate = factory.evaluate(
            requirement.name, version, [requirement], extras=requirement.extras, allow_pre=True
        )
        if not isinstance(candidate, Candidate):
            return None
        mapping[identifier] = candidate
        dependencies = reversed(factory.dependencies(candidate))
        queue.extend(RequirementInformation(dependency, candidate) for dependency in dependencies)
    return _checked(mapping, information, factory)


def _checked(
    mapping: dict[str, Candidate], information: dict[str, list[Information]], factory: Factory
) -> Result[Requirement, Candidate, str] | None:
    """The result, when each candidate meets every requirement that reached it and is
    one the policy pins for them all (its yanked files, a pre-release); the candidate
    as those requirements make it (a yanked file stays only for a ``==`` pin)."""
    graph: DirectedGraph[str | None] = DirectedGraph()
    graph.add(None)
    for identifier in mapping:
        graph.add(identifier)
    criteria = {}
    for identifier, pairs in information.items():
        requirements = [pair.requirement for pair in pairs]
        first = mapping[identifier]
        if not all(r.is_satisfied_by_version(first.version) for r in requirements):
            return None
        name = first.name
        allow_pre = not first.version.is_prerelease or factory.allows_pre_releases(
            name, requirements
        )
        candidate = factory.evaluate(
            name, first.version, requirements, extras=first.extras, allow_pre=allow_pre
        )
        if candidate != first:  # ruled out, or other files once every demand is known
            return None
        criteria[identifier] = Criterion([candidate], pairs, [])
        for pair in pairs:
            graph.connect(None if pair.parent is None else pair.parent.identifier, identifier)
    return Result(mapping=mapping, graph=graph, criteria=criteria)
