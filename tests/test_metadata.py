from __future__ import annotations

import pytest

from pypi2nix.dists.metadata import (
    parse_core_metadata,
    parse_egg_info_requires,
    parse_setup_cfg_requires,
)
from pypi2nix.project_files import MetadataParseError, dependency_groups, parse_pyproject
from tests.support.fixture_index import FIXTURES


def names(requirements: object) -> list[str]:
    assert isinstance(requirements, tuple)
    return [str(requirement) for requirement in requirements]


def test_recorded_wheel_metadata() -> None:
    data = (FIXTURES / "recorded" / "six-1.17.0-py2.py3-none-any.whl.metadata").read_bytes()
    metadata = parse_core_metadata(data)
    assert (metadata.name, metadata.version) == ("six", "1.17.0")
    assert metadata.summary == "Python 2 and 3 compatibility utilities"
    assert metadata.requires_dist == ()
    assert "License :: OSI Approved :: MIT License" in metadata.classifiers


def test_core_metadata_fields() -> None:
    metadata = parse_core_metadata(
        b"Metadata-Version: 2.4\nName: Demo\nVersion: 1.0\nSummary: s\n"
        b"License-Expression: MIT OR Apache-2.0\n"
        b"Project-URL: Source, https://example.test/src\n"
        b"Requires-Dist: a>=1\nRequires-Dist: b; extra == 'x'\nRequires-Dist: c (>=2)\n"
        b"Requires-Dist: not a requirement!!\nProvides-Extra: x\nDynamic: License\n"
    )
    assert names(metadata.requires_dist) == ["a>=1", 'b; extra == "x"', "c>=2"]
    assert metadata.project_urls == (("Source", "https://example.test/src"),)
    assert metadata.license_expression == "MIT OR Apache-2.0"
    assert metadata.provides_extra == ("x",)
    assert metadata.has_static_dependencies


@pytest.mark.parametrize(
    ("header", "static"),
    [
        (b"Metadata-Version: 2.1\n", False),
        (b"Metadata-Version: 2.2\n", True),
        (b"Metadata-Version: 2.2\nDynamic: Requires-Dist\n", False),
        (b"Metadata-Version: two\n", False),
    ],
)
def test_static_dependencies_need_metadata_2_2(header: bytes, static: bool) -> None:
    metadata = parse_core_metadata(header + b"Name: demo\nVersion: 1\n")
    assert metadata.has_static_dependencies is static


def test_metadata_without_a_name() -> None:
    with pytest.raises(MetadataParseError):
        parse_core_metadata(b"Metadata-Version: 2.1\nSummary: nameless\n")


def test_egg_info_requires() -> None:
    requires = parse_egg_info_requires(
        b"a>=1\n\n[socks]\nPySocks\n[:python_version < '3']\nb\n[x:sys_platform == 'win32']\nc\n",
        source="demo",
    )
    assert names(requires) == [
        "a>=1",
        'PySocks; extra == "socks"',
        'b; python_version < "3"',
        'c; extra == "x" and sys_platform == "win32"',
    ]


def test_setup_cfg_static_and_dynamic() -> None:
    static = parse_setup_cfg_requires(
        b"[options]\ninstall_requires =\n    a>=1  # why\n    b\n"
        b"[options.extras_require]\nfast = c; python_version >= '3.8'\n",
        source="demo",
    )
    assert names(static) == ["a>=1", "b", 'c; python_version >= "3.8" and extra == "fast"']
    dynamic = b"[options]\ninstall_requires = file: requirements.txt\n"
    assert parse_setup_cfg_requires(dynamic, source="demo") is None
    assert parse_setup_cfg_requires(b"[metadata]\nname = demo\n", source="demo") is None


def test_pyproject_build_requires_and_dependencies() -> None:
    facts = parse_pyproject(
        b'[build-system]\nrequires = ["hatchling", "hatch-vcs; python_version > \'3\'"]\n'
        b'[project]\ndependencies = ["a"]\n[project.optional-dependencies]\nx = ["b"]\n',
        source="demo",
    )
    assert names(facts.build_requires) == ["hatchling", 'hatch-vcs; python_version > "3"']
    assert names(facts.dependencies) == ["a", 'b; extra == "x"']
    assert parse_pyproject(b"[build-system]\nrequires = []\n", source="d").build_requires == ()
    no_table = parse_pyproject(b"[tool.black]\nline-length = 1\n", source="demo")
    assert no_table.build_requires is None
    assert no_table.dependencies is None
    dynamic = parse_pyproject(b'[project]\ndynamic = ["dependencies"]\n', source="demo")
    assert dynamic.dependencies is None


def test_invalid_pyproject() -> None:
    with pytest.raises(MetadataParseError, match="not valid TOML"):
        parse_pyproject(b"[build-system\n", source="demo")


def test_dependency_groups_with_includes() -> None:
    groups = dependency_groups(
        {
            "Test": ["pytest>=8", {"include-group": "typing"}],
            "typing": ["mypy", {"include-group": "base"}],
            "base": ["attrs"],
        },
        source="demo",
    )
    assert [(group, names(requirements)) for group, requirements in groups] == [
        ("base", ["attrs"]),
        ("test", ["pytest>=8", "mypy", "attrs"]),
        ("typing", ["mypy", "attrs"]),
    ]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"a": [{"include-group": "a"}]}, "'a' includes itself"),
        ({"a": [{"include-group": "b"}], "b": [{"include-group": "a"}]}, "includes itself"),
        ({"a": [{"include-group": "missing"}]}, "'missing' is not defined"),
        ({"a": "pytest"}, "duplicated or not a list"),
        ({"a": [], "A": []}, "duplicated or not a list"),
        ({"a": [{"include": "b"}]}, "invalid entry"),
        (["a"], "not a table"),
    ],
)
def test_malformed_dependency_groups(table: object, message: str) -> None:
    with pytest.raises(MetadataParseError, match=message):
        dependency_groups(table, source="demo")


def test_a_malformed_group_table_does_not_fail_the_pyproject() -> None:
    facts = parse_pyproject(
        b'[build-system]\nrequires = ["flit_core"]\n[dependency-groups]\na = [{include-group = "a"}]\n',
        source="demo",
    )
    assert names(facts.build_requires) == ["flit_core"]
    assert facts.dependency_groups == ()


def test_hatch_build_hooks_add_their_dependencies() -> None:
    from pypi2nix.project_files import parse_pyproject

    document = b"""[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"
[tool.hatch.build.hooks.custom]
dependencies = ["babel"]
[tool.hatch.build.targets.wheel.hooks.mypyc]
enable-by-default = false
dependencies = ["mypy>=1"]
"""
    facts = parse_pyproject(document, source="pyproject.toml")
    assert facts.build_requires is not None
    assert [str(requirement) for requirement in facts.build_requires] == ["hatchling", "babel"]


def test_a_requirement_string_is_parsed_once_per_run() -> None:
    from pypi2nix.project_files import PyprojectFacts, parse_requirement_lines

    lines = ["setuptools>=61", "wheel ; python_version >= '3.8'"]
    first = parse_requirement_lines(lines, source="a")
    second = parse_requirement_lines(lines, source="b")
    assert [str(r) for r in first] == ["setuptools>=61", 'wheel; python_version >= "3.8"']
    assert all(a is b for a, b in zip(first, second, strict=True))
    facts = PyprojectFacts.from_json(
        {"build_requires": lines, "dependencies": None, "build_backend": None,
         "backend_path": None, "dependency_groups": []}
    )  # fmt: skip
    assert facts.build_requires is not None
    assert all(a is b for a, b in zip(facts.build_requires, first, strict=True))
