"""Judge, without running code, whether ``pythonImportsCheck`` can import a module.

A module whose unconditional module-level imports need a distribution that is
neither in the standard library, nor the package itself, nor among its runtime
dependencies cannot be imported in a Nix build (Sphinx extensions import ``sphinx``
without declaring it, for instance). Such names are left out of the check.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from pypi2nix.index.facts import module_files, module_imports

if TYPE_CHECKING:
    from collections.abc import Callable

# At most this many module files are read to judge one import name.
MODULE_BUDGET = 6
STANDARD_LIBRARY = frozenset(sys.stdlib_module_names) | {"__future__"}


def missing_imports(
    module: str,
    read: Callable[[str], bytes | None],
    *,
    own: frozenset[str],
    available: frozenset[str],
) -> tuple[str, ...]:
    """Top-level names that importing ``module`` needs and ``available`` lacks.

    Follows the package's own modules that ``module`` imports, breadth first, up to
    :data:`MODULE_BUDGET` files; a module that cannot be read (an extension, say)
    or parsed is not judged.
    """
    missing: set[str] = set()
    queue = [module]
    seen: set[str] = set()
    while queue and len(seen) < MODULE_BUDGET:
        current = queue.pop(0)
        if current in seen:
            continue
        seen.add(current)
        for path, is_package in zip(module_files(current), (True, False), strict=True):
            source = read(path)
            if source is not None:
                imports = module_imports(source, current, is_package=is_package, own=own)
                if imports is not None:
                    missing |= imports.external - available - STANDARD_LIBRARY - own
                    queue.extend(sorted(imports.internal - seen))
                break
    return tuple(sorted(missing))
