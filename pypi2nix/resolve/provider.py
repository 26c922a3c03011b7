"""The resolvelib provider: a thin adapter over :class:`Factory`.

As in pip, the provider only implements the API resolvelib asks for:
``find_matches`` and ``is_satisfied_by`` belong to requirements,
``get_dependencies`` to candidates, and the factory does the work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from resolvelib import AbstractProvider

from pypi2nix.resolve.base import Candidate, Requirement

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

    from resolvelib.structs import RequirementInformation

    from pypi2nix.resolve.factory import Factory

    _Information = RequirementInformation[Requirement, Candidate]


class Provider(AbstractProvider[Requirement, Candidate, str]):
    def __init__(self, factory: Factory) -> None:
        self.factory = factory

    def identify(self, requirement_or_candidate: Requirement | Candidate) -> str:
        return requirement_or_candidate.identifier

    def get_preference(
        self,
        identifier: str,
        resolutions: Mapping[str, Candidate],
        candidates: Mapping[str, Iterator[Candidate]],
        information: Mapping[str, Iterator[_Information]],
        backtrack_causes: Sequence[_Information],
    ) -> Any:
        """Decide pinned (``==``) projects first, then those behind a conflict, then roots;
        the identifier breaks ties so the order never depends on timing."""
        infos = list(information[identifier])
        pinned = any(info.requirement.pinned_versions for info in infos)
        causes = {cause.requirement.name for cause in backtrack_causes}
        is_root = any(info.parent is None for info in infos)
        name = identifier.partition("[")[0]
        return (not pinned, name not in causes, not is_root, identifier)

    def find_matches(
        self,
        identifier: str,
        requirements: Mapping[str, Iterator[Requirement]],
        incompatibilities: Mapping[str, Iterator[Candidate]],
    ) -> Callable[[], Iterator[Candidate]]:
        """Lazily, newest first: resolvelib usually needs only the first few."""
        wanted = list(requirements[identifier])
        incompatible = [candidate.version for candidate in incompatibilities[identifier]]
        return lambda: self.factory.iter_candidates(identifier, wanted, incompatible)

    def is_satisfied_by(self, requirement: Requirement, candidate: Candidate) -> bool:
        return requirement.is_satisfied_by(candidate)

    def get_dependencies(self, candidate: Candidate) -> Iterable[Requirement]:
        return self.factory.dependencies(candidate)
