"""Judge, without running code, whether ``pythonImportsCheck`` can import a module.

A module whose unconditional module-level imports need a distribution that is
neither in the standard library, nor the package itself, nor among its runtime
dependencies cannot be imported in a Nix build (Sphinx extensions import ``sphinx``
without declaring it; gguf imported ``sentencepiece``): such names are left out of
the check. So are those whose module-level ``if`` raises ImportError on the target,
or on a condition that cannot be judged, and Django apps' modules that import
Django models (only a configured project can). A Django app whose modules read
settings when imported is checked with Django's own defaults as its settings.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pypi2nix.dists.guards import condition_holds
from pypi2nix.dists.modules import module_files
from pypi2nix.models import (
    DJANGO_MODELS,
    IMPORT_GUARD,
    NAMESPACE_MARK,
    conditional_import,
    guard_condition,
    is_import_mark,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from pypi2nix.target import Target

    ImportsOf = Callable[[str], tuple[str, ...] | None]

# At most this many module files are read to judge one import name (gguf's
# __init__ imports nine of its modules, and the seventh needed sentencepiece).
MODULE_BUDGET = 48
STANDARD_LIBRARY = frozenset(sys.stdlib_module_names) | {"__future__"}
# The settings a Django app's import check runs with: Django's own defaults, a
# module every Django has (nixpkgs sets env.DJANGO_SETTINGS_MODULE for such apps).
DJANGO_SETTINGS = ("DJANGO_SETTINGS_MODULE", "django.conf.global_settings")


@dataclass(frozen=True, slots=True)
class ImportJudgement:
    """The import names to check, those left out with what they miss (module names
    and marks), and the environment the check needs."""

    checked: tuple[str, ...]
    skipped: tuple[tuple[str, tuple[str, ...]], ...]
    environment: tuple[tuple[str, str], ...] = ()


def judge_imports(
    import_names: Iterable[str],
    imports_of: ImportsOf,
    *,
    own: frozenset[str],
    available: frozenset[str],
) -> ImportJudgement:
    """Which import names ``pythonImportsCheck`` can import (see :func:`missing_imports`).

    A name whose modules import ``django`` (the pin being a Django app, with Django in
    its closure) gets Django's default settings for the check.
    """
    checked: list[str] = []
    skipped: list[tuple[str, tuple[str, ...]]] = []
    django_app = False
    for module in import_names:
        reach = _reach(module, imports_of, own)
        missing = reach.missing(available)
        if missing:
            skipped.append((module, missing))
        else:
            checked.append(module)
            django_app = django_app or "django" in reach.external_tops
    environment = (DJANGO_SETTINGS,) if django_app and "django" in available else ()
    return ImportJudgement(tuple(checked), tuple(skipped), environment)


def missing_imports(
    module: str, imports_of: ImportsOf, *, own: frozenset[str], available: frozenset[str]
) -> tuple[str, ...]:
    """Top-level names that importing ``module`` needs and ``available`` lacks, and
    the marks of what else stops it (a module-level ``raise ImportError``, Django
    models).

    ``imports_of(path)`` gives what the module file at ``path`` imports (``None`` when
    unknown). The package's own modules that ``module`` imports are followed, breadth
    first, up to :data:`MODULE_BUDGET` files; a module whose imports are unknown (an
    extension, or a file that was not read) is not judged.
    """
    return _reach(module, imports_of, own).missing(available)


def external_imports(module: str, imports_of: ImportsOf, *, own: frozenset[str]) -> frozenset[str]:
    """The dotted names of other distributions that importing ``module`` imports, as
    far as :func:`missing_imports` reads."""
    return _reach(module, imports_of, own).external


def for_target(imports_of: ImportsOf, target: Target) -> ImportsOf:
    """``imports_of`` with each condition judged for the target: a guard that cannot
    raise there is dropped, one whose condition cannot be told becomes
    :data:`~pypi2nix.models.IMPORT_GUARD`; an import needed on a condition counts
    unless the condition is false there."""

    def judged(path: str) -> tuple[str, ...] | None:
        names = imports_of(path)
        if names is None:
            return None
        kept = []
        for name in names:
            condition = guard_condition(name)
            needed = conditional_import(name)
            if condition is not None:
                holds = condition_holds(condition, target.python, target.system)
                if holds is not False:
                    kept.append(name if holds else IMPORT_GUARD)
            elif needed is not None:
                module, condition = needed
                if condition_holds(condition, target.python, target.system) is not False:
                    kept.append(module)  # needed there (or maybe: then counted as needed)
            else:
                kept.append(name)
        return tuple(kept)

    return judged


@dataclass(frozen=True, slots=True)
class _Reach:
    """What importing one module leads to, as far as was read."""

    external: frozenset[str]  # dotted names of other distributions
    marks: frozenset[str]
    own_imports: tuple[tuple[str, tuple[str, ...]], ...]  # own module -> its imports

    @property
    def external_tops(self) -> frozenset[str]:
        return frozenset(name.split(".")[0] for name in self.external)

    def missing(self, available: frozenset[str]) -> tuple[str, ...]:
        lacking = set(self.external_tops) - available - STANDARD_LIBRARY
        lacking |= self.marks - {NAMESPACE_MARK}
        if "django" in self.external_tops and self._imports_django_models():
            lacking.add(DJANGO_MODELS)
        return tuple(sorted(lacking))

    def _imports_django_models(self) -> bool:
        """``django.contrib.auth.models`` and the like, or a ``models`` module of its
        own that imports ``django.db``: defining a model needs the app registry."""
        if any(
            name.startswith("django.contrib.") and name.endswith(".models")
            for name in self.external
        ):
            return True
        return any(
            module.rpartition(".")[2] == "models"
            and any(name == "django.db" or name.startswith("django.db.") for name in names)
            for module, names in self.own_imports
        )


def _reach(module: str, imports_of: ImportsOf, own: frozenset[str]) -> _Reach:
    external: set[str] = set()
    marks: set[str] = set()
    own_imports: list[tuple[str, tuple[str, ...]]] = []
    # importing a.b runs a/__init__.py first (sphinx_tabs/__init__.py imports
    # pkg_resources, so sphinx_tabs.tabs needs it)
    parts = module.split(".")
    queue = [".".join(parts[: end + 1]) for end in range(len(parts))]
    seen: set[str] = set()
    while queue and len(seen) < MODULE_BUDGET:
        current = queue.pop(0)
        if current in seen:
            continue
        seen.add(current)
        for path in module_files(current):
            names = imports_of(path)
            if names is None:
                continue
            own_imports.append((current, names))
            marks.update(name for name in names if is_import_mark(name))
            dotted = [name for name in names if not is_import_mark(name)]
            external.update(name for name in dotted if name.split(".")[0] not in own)
            queue.extend(
                sorted(name for name in dotted if name.split(".")[0] in own and name not in seen)
            )
            break
    return _Reach(frozenset(external), frozenset(marks), tuple(own_imports))
