from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from packaging.utils import NormalizedName
from packaging.version import Version

from pypi2nix.commands.pipeline import lock
from pypi2nix.errors import ProjectNotFound, ResolutionError
from pypi2nix.index.client import HttpClient
from pypi2nix.index.repository import PackageIndex
from pypi2nix.resolve import ResolutionPolicy
from pypi2nix.resolve.graph import find_back_edges
from pypi2nix.session import LockSession
from pypi2nix.target import Target
from pypi2nix.threads import Prefetcher
from tests.support import read_inputs
from tests.support.fixture_index import INDEX_URL, IndexFile, build_wheel

if TYPE_CHECKING:
    from pathlib import Path

    from pypi2nix.models import LockGraph, RequirementSet
    from tests.support.fixture_index import FixtureIndex

PY311 = Target.parse("3.11", "x86_64-linux")


def resolve(
    *specs: str,
    target: Target = PY311,
    pre: bool = False,
    preferences: dict[NormalizedName, Version] | None = None,
) -> LockGraph:
    inputs = read_inputs(specs=specs)
    policy = ResolutionPolicy.for_inputs(inputs, pre=pre, preferences=preferences)
    return lock_with_fixture_index(inputs, target, policy)


def lock_with_fixture_index(
    inputs: RequirementSet, target: Target = PY311, policy: ResolutionPolicy | None = None
) -> LockGraph:
    session = LockSession(
        index=PackageIndex(HttpClient(retries=0), [INDEX_URL]),
        target=target,
        policy=policy or ResolutionPolicy.for_inputs(inputs),
        prefetcher=Prefetcher(1),
    )
    (graph,) = lock(inputs, session).graphs
    return graph


def versions(graph: LockGraph) -> dict[str, str]:
    return {pin.name: pin.version for pin in graph.pins}


def test_chain_extra_marker_and_runtime_setuptools(fixture_index: FixtureIndex) -> None:
    graph = resolve("alpha[fast]")
    assert versions(graph) == {
        "alpha": "1.0.0",  # not the pre-release 2.0.0b1
        "beta": "1.1.0",
        "epsilon": "0.5.0",  # through the extra
        "gamma": "2.0.0",  # 2.1.0 is yanked, 3.0.0 needs Python >= 3.14
        "setuptools": "84.2.1",
    }  # winreg-helper's marker is false on Linux: never looked up
    assert not any("winreg" in url for url in fixture_index.requests)
    alpha = graph.pin("alpha")
    assert [d.name for d in alpha.dependencies] == ["beta", "epsilon", "setuptools"]
    assert alpha.extras == ("fast",)
    assert alpha.build_system == ()  # from its wheel, which needs no build system
    assert alpha.source.filename == "alpha-1.0.0-py3-none-any.whl"
    assert alpha.import_names == ("alpha",)
    assert alpha.required_by == ("command line",)
    assert graph.pin("beta").build_system == ("flit-core",)
    assert graph.pin("beta").required_by == ("alpha",)
    assert graph.pin("setuptools").source.kind == "wheel"
    assert graph.roots == ("alpha",)


def test_without_the_extra(fixture_index: FixtureIndex) -> None:
    assert "epsilon" not in versions(resolve("alpha"))


def test_pre_releases(fixture_index: FixtureIndex) -> None:
    assert versions(resolve("alpha", pre=True))["alpha"] == "2.0.0b1"
    assert versions(resolve("alpha>=2.0.0b1"))["alpha"] == "2.0.0b1"


def test_requires_python_per_target(fixture_index: FixtureIndex) -> None:
    assert versions(resolve("gamma"))["gamma"] == "2.0.0"
    py314 = Target.parse("3.14", "x86_64-linux")
    assert versions(resolve("gamma", target=py314))["gamma"] == "3.0.0"


def test_yanked_only_when_pinned(fixture_index: FixtureIndex) -> None:
    assert versions(resolve("gamma<2.5"))["gamma"] == "2.0.0"
    assert versions(resolve("gamma==2.1.0"))["gamma"] == "2.1.0"


def test_constraints(fixture_index: FixtureIndex, tmp_path: Path) -> None:
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("gamma<2\nalpha<1\n")
    inputs = read_inputs(specs=["zeta-util"], constraint_files=[constraints])
    graph = lock_with_fixture_index(inputs)
    assert versions(graph) == {"gamma": "1.0.0", "zeta-util": "0.1.0"}  # alpha is not added


def test_cycle_is_broken_deterministically(fixture_index: FixtureIndex) -> None:
    for roots in (("cyc-a",), ("cyc-a", "cyc-b")):
        graph = resolve(*roots)
        assert [(e.dependent, e.dependency) for e in graph.broken_edges] == [("cyc-b", "cyc-a")]
        cyc_b = graph.pin("cyc-b")
        assert cyc_b.dependencies == ()
        assert [(d.name, d.spelled) for d in cyc_b.dropped_dependencies] == [("cyc-a", ("cyc-a",))]
        assert [d.name for d in graph.pin("cyc-a").dependencies] == ["cyc-b"]
    graph = resolve("cyc-b")
    assert [(e.dependent, e.dependency) for e in graph.broken_edges] == [("cyc-a", "cyc-b")]


def test_back_edges() -> None:
    n = NormalizedName
    edges = {n("a"): [n("b")], n("b"): [n("c")], n("c"): [n("a"), n("b")], n("d"): [n("d")]}
    assert find_back_edges(edges, [n("a"), n("d")]) == [("c", "a"), ("c", "b"), ("d", "d")]
    assert find_back_edges(edges, [n("c"), n("d")]) == [("b", "c"), ("d", "d")]


def test_markers_on_roots(fixture_index: FixtureIndex) -> None:
    graph = resolve("gamma", 'alpha; sys_platform == "win32"')
    assert set(versions(graph)) == {"gamma"}


def test_unknown_project(fixture_index: FixtureIndex, tmp_path: Path) -> None:
    with pytest.raises(ProjectNotFound, match=r"'nope' \(required by command line\)"):
        resolve("nope")
    (tmp_path / "PKG-INFO").write_text(
        "Metadata-Version: 2.1\nName: needy\nVersion: 1.0\nRequires-Dist: not-on-the-index\n"
    )
    (tmp_path / "needy.py").write_text("")
    wheel = build_wheel(tmp_path, "needy-1.0-py3-none-any.whl")
    fixture_index.files.append(IndexFile("needy", "needy-1.0-py3-none-any.whl", wheel))
    # needy has no older release to fall back to: the error still names what is missing
    with pytest.raises(ResolutionError, match=r"'not-on-the-index' \(required by needy 1.0\)"):
        resolve("needy")


def test_impossible_pin_lists_what_exists(fixture_index: FixtureIndex) -> None:
    with pytest.raises(ResolutionError) as caught:
        resolve("gamma==0.0.0")
    assert str(caught.value) == (
        "no version of gamma matches ==0.0.0 (from command line): "
        "the index has 3.0.0, 2.1.0, 2.0.0, 1.0.0"
    )


def test_impossible_pin_says_why_a_matching_version_was_skipped(
    fixture_index: FixtureIndex,
) -> None:
    with pytest.raises(ResolutionError) as caught:
        resolve("gamma>=3")
    assert str(caught.value) == (
        "no version of gamma matches >=3 (from command line): 3.0.0 requires Python >=3.14; "
        "--python 3.14 would lock it"
    )


def test_a_pre_release_is_pinned_when_no_final_release_matches(fixture_index: FixtureIndex) -> None:
    assert versions(resolve("alpha>1.0.0"))["alpha"] == "2.0.0b1"
    assert versions(resolve("alpha"))["alpha"] == "1.0.0"


def test_conflict_names_every_requirement(fixture_index: FixtureIndex) -> None:
    with pytest.raises(ResolutionError) as caught:
        resolve("gamma<2", "beta")
    assert str(caught.value) == (
        "conflicting requirements for gamma: <2 (from command line), "
        ">=2 (from beta 1.1.0); no version satisfies all of them"
    )


def test_preferences_keep_an_existing_pin(fixture_index: FixtureIndex) -> None:
    graph = resolve("gamma<3", preferences={NormalizedName("gamma"): Version("1.0.0")})
    assert versions(graph) == {"gamma": "1.0.0"}


def test_user_hashes_restrict_the_files(fixture_index: FixtureIndex, tmp_path: Path) -> None:
    (wheel,) = [f for f in fixture_index.files if f.filename == "gamma-2.0.0-py3-none-any.whl"]
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"gamma==2.0.0 --hash=sha256:{wheel.sha256}\n")
    graph = lock_with_fixture_index(read_inputs([requirements]))
    gamma = graph.pin("gamma")
    assert gamma.source.filename == "gamma-2.0.0-py3-none-any.whl"
    assert gamma.hashes == (wheel.sha256,)


def test_imports_check_leaves_out_modules_with_undeclared_imports(
    fixture_index: FixtureIndex,
) -> None:
    graph = resolve("kappa")
    kappa = graph.pin("kappa")
    assert kappa.import_names == ()
    assert kappa.skipped_imports == (("kappa", ("gamma",)),)
    assert resolve("kappa", "gamma").pin("kappa").skipped_imports == (("kappa", ("gamma",)),)
