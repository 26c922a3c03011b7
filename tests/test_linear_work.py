"""No input makes the work super-linear: include diamonds, self-referencing extras and
long continuation lines are each read once. Every attack runs in a child process with
512 MiB of address space and a time limit, so a regression fails instead of hanging."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.support.bounded import run_bounded

if TYPE_CHECKING:
    from pathlib import Path

# Each of these takes seconds now; before, 2^40 steps, 30! paths or 10^9 lines.
LIMIT = 10.0


def assert_finishes(code: str, *arguments: str) -> str:
    run = run_bounded(code, *arguments, seconds=LIMIT)
    assert run.returncode == 0, f"stopped after {run.seconds:.1f} s: {run.stderr[-2000:]}"
    return run.stdout


def test_a_dependency_group_include_diamond() -> None:
    """40 groups, each including the next one twice: 2^40 lines if expanded naively."""
    code = """
import tomllib
from pypi2nix.project_files import dependency_groups
groups = {f"g{i}": [f"pkg{i}", {"include-group": f"g{i + 1}"}, {"include-group": f"g{i + 1}"}]
          for i in range(40)}
groups["g40"] = ["last"]
result = dict(dependency_groups(groups, source="pyproject.toml"))
print(len(result["g0"]))
"""
    assert assert_finishes(code).strip() == "41"


def test_self_referencing_extras() -> None:
    """30 extras that each ask for all the others: 30! paths if walked naively."""
    code = """
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from pypi2nix.models import CoreMetadata
from pypi2nix.resolve.factory import Factory
from pypi2nix.target import Target
extras = [f"e{i}" for i in range(30)]
every = ",".join(extras)
requires = [Requirement(f'evil[{every}]; extra == "{e}"') for e in extras]
requires += [Requirement(f'dep{i}; extra == "{e}"') for i, e in enumerate(extras)]
metadata = CoreMetadata(name="evil", version="1", requires_dist=tuple(requires),
                        provides_extra=tuple(extras))
factory = Factory(source=None, target=Target.parse("3.11", "x86_64-linux"))
result = dict(factory.optional_dependencies(canonicalize_name("evil"), metadata))
print(len(result["e0"]))
"""
    assert assert_finishes(code).strip() == "30"


def test_an_import_with_a_quarter_million_continuation_lines() -> None:
    code = """
from pypi2nix.dists.modules import source_imports
source = b"from os import (\\n" + b"path,\\n" * 250_000 + b")\\nimport json\\n"
print(source_imports("evil/__init__.py", source))
"""
    assert assert_finishes(code).strip() == "('json', 'os')"


def test_a_requirements_include_diamond(tmp_path: Path) -> None:
    """1000 includes of a file with 1000 includes of a file with 1000 lines: 10^9
    lines if every include is read again."""
    (tmp_path / "a.txt").write_text("-r b.txt\n" * 1000)
    (tmp_path / "b.txt").write_text("-r c.txt\n" * 1000)
    (tmp_path / "c.txt").write_text("six\n" * 999 + "-c d.txt\n")
    (tmp_path / "d.txt").write_text("six<2\n")
    code = """
import sys
from pathlib import Path
from pypi2nix.inputs.requirements_txt import read_inputs
result = read_inputs([Path(sys.argv[1])], project_name=lambda path: "x")
print(len(result.requirements), len(result.constraints), len(result.sources))
"""
    assert assert_finishes(code, str(tmp_path / "a.txt")).split() == ["999", "1", "4"]
