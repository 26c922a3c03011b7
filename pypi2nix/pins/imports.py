"""Judge, without running code, whether ``pythonImportsCheck`` can import a module.

A module whose unconditional module-level imports need a distribution that is
neither in the standard library, nor the package itself, nor among its runtime
dependencies cannot be imported in a Nix build (Sphinx extensions import ``sphinx``
without declaring it, for instance). Such names are left out of the check.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from pypi2nix.dists.modules import module_files

if TYPE_CHECKING:
    from collections.abc import Callable

# At most this many module files are read to judge one import name.
MODULE_BUDGET = 6
STANDARD_LIBRARY = frozenset(sys.stdlib_module_names) | {"__future__"}


def missing_imports(
    module: str,
    imports_of: Callable[[str], tuple[str, ...] | None],
    *,
    own: frozenset[str],
    available: frozenset[str],
) -> tuple[str, ...]:
    """Top-level names that importing ``module`` needs and ``available`` lacks.

    ``imports_of(path)`` gives what the module file at ``path`` imports (``None`` when
    unknown). The package's own modules that ``module`` imports are followed, breadth
    first, up to :data:`MODULE_BUDGET` files; a module whose imports are unknown (an
    extension, or a file that was not read) is not judged.
    """
    missing: set[str] = set()
    queue = [module]
    seen: set[str] = set()
    while queue and len(seen) < MODULE_BUDGET:
        current = queue.pop(0)
        if current in seen:
            continue
        seen.add(current)
        for path in module_files(current):
            names = imports_of(path)
            if names is not None:
                tops = {name: name.split(".")[0] for name in names}
                missing |= (
                    {top for top in tops.values() if top not in own} - available - STANDARD_LIBRARY
                )
                queue.extend(
                    sorted(name for name, top in tops.items() if top in own and name not in seen)
                )
                break
    return tuple(sorted(missing))
