"""Read nixpkgs' license list and write what pypi2nix and the stand-in take from it:
the attribute names (``tests/nixpkgs/licenses.txt``) and each SPDX id's attribute
(``pypi2nix/nix/spdx_licenses.py``).

    python -m tests.nixpkgs.read_licenses NIXPKGS_LIB "where it was read from"

NIXPKGS_LIB is nixpkgs' ``lib`` folder (of a nixpkgs checkout, or of
nix-community/nixpkgs.lib, which mirrors it); the file is evaluated with
``nix-instantiate``, so the data is what Nix sees, not what a pattern matched. A
deprecated license keeps its name in the list but gives no SPDX id: its id is a
deprecated SPDX form (``GPL-2.0``) that :mod:`pypi2nix.nix.licenses` reads as the
current one.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression

ROOT = Path(__file__).resolve().parents[2]
NAMES = ROOT / "tests" / "nixpkgs" / "licenses.txt"
TABLE = ROOT / "pypi2nix" / "nix" / "spdx_licenses.py"

# licenses.nix needs only these two functions of lib.
_EVALUATE = """
let
  lib = {{ mapAttrs = builtins.mapAttrs; optionalAttrs = c: a: if c then a else {{ }}; }};
  licenses = import {path} {{ inherit lib; }};
in
builtins.mapAttrs (name: value: {{
  spdx = value.spdxId or null;
  deprecated = value.deprecated or false;
}}) licenses
"""

_HEADER = '''"""nixpkgs' ``lib.licenses`` attribute of each SPDX id: every license and license
exception of nixpkgs' list that has an ``spdxId`` and is not deprecated, the id as
``packaging`` writes it.

Written by ``python -m tests.nixpkgs.read_licenses`` (refresh it that way, not by
hand) from {source}
"""

from __future__ import annotations

NIXPKGS_SPDX: dict[str, str] = {{
'''


def licenses_file(lib: Path) -> Path:
    """The file that holds the list (it moved into ``lib/licenses/`` in 2025)."""
    moved = lib / "licenses" / "licenses.nix"
    return moved if moved.exists() else lib / "licenses.nix"


def read(lib: Path) -> dict[str, dict[str, object]]:
    expression = _EVALUATE.format(path=licenses_file(lib).resolve())
    output = subprocess.run(
        ["nix-instantiate", "--eval", "--strict", "--json", "--expr", expression],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    licenses: dict[str, dict[str, object]] = json.loads(output)
    return licenses


def canonical_id(spdx: str) -> str:
    """The id as packaging writes it: a license's, or an exception's (which stands only
    after WITH); one packaging does not know stays as nixpkgs writes it."""
    for expression, prefix in ((spdx, ""), (f"MIT WITH {spdx}", "MIT WITH ")):
        try:
            return canonicalize_license_expression(expression).removeprefix(prefix)
        except InvalidLicenseExpression:
            continue
    return spdx


def spdx_table(licenses: dict[str, dict[str, object]]) -> dict[str, str]:
    """SPDX id -> attribute, for the licenses and exceptions that are not deprecated."""
    table: dict[str, str] = {}
    for name, facts in sorted(licenses.items()):
        spdx = facts["spdx"]
        if not isinstance(spdx, str) or facts["deprecated"]:
            continue
        canonical = canonical_id(spdx)
        if canonical in table:
            raise SystemExit(f"{canonical} is both {table[canonical]} and {name}")
        table[canonical] = name
    return table


def write(licenses: dict[str, dict[str, object]], source: str) -> None:
    NAMES.write_text("".join(f"{name}\n" for name in sorted(licenses)))
    table = spdx_table(licenses)
    lines = [
        f"    {json.dumps(spdx)}: {json.dumps(name)},\n" for spdx, name in sorted(table.items())
    ]
    TABLE.write_text(_HEADER.format(source=source) + "".join(lines) + "}\n")


if __name__ == "__main__":
    write(read(Path(sys.argv[1])), sys.argv[2])
