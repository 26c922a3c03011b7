"""pythonImportsCheck never fails a build that would work (issue 21), and checks what
can be checked: the fixture index's Django apps, a module that needs an extra's
dependency, modules guarded by conditions, a namespace package, and a local project
whose tree holds folders its wheel does not.

Each package is built in the Nix stand-in, whose imports check sees the derivation's
environment as nixpkgs' pythonImportsCheckPhase does.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import pytest
import responses

from pypi2nix.cli import main
from tests.support import nix, package_block, preserved_logging
from tests.support.doc_blocks import ROOT, blocks, shows
from tests.support.fixture_index import INDEX_URL, FixtureIndex

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.fixture_index import IndexFile

PACKAGES = [
    "django-tablekit", "django-modelkit", "tokenkit", "guardkit", "backports-termsize",
    "tabkit", "plugkit-user",
]  # fmt: skip
BUILT = [*PACKAGES, "plugkit", "plugkit-tools"]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory, fixture_files: list[IndexFile]) -> Path:
    output = tmp_path_factory.mktemp("import-checks")
    roots = [argument for name in PACKAGES for argument in ("-e", name)]
    index = FixtureIndex(list(fixture_files))
    with preserved_logging(), responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        index.register(mock)
        arguments = ["generate", *roots, "-i", INDEX_URL, "--python", "3.11", "-O", str(output)]
        arguments += ["--no-binary", "backports.termsize"]  # built from its sdist
        assert main([*arguments, "-q"]) == 0
    return output


def block(generated: Path, name: str) -> str:
    return package_block((generated / "requirements.nix").read_text(), name)


def test_a_django_app_is_checked_with_djangos_default_settings(generated: Path) -> None:
    tablekit = block(generated, "django-tablekit")
    assert 'pythonImportsCheck = [ "tablekit" ];' in tablekit
    assert 'env.DJANGO_SETTINGS_MODULE = "django.conf.global_settings";' in tablekit
    assert "# A Django app: pythonImportsCheck imports it with Django's default settings" in (
        tablekit
    )
    assert "DJANGO_SETTINGS_MODULE" not in block(generated, "django")  # not an app


def test_the_docs_show_a_django_apps_check(generated: Path) -> None:
    """The excerpt in docs/output.md is what generate writes."""
    excerpt = next(
        block
        for block in blocks(ROOT / "docs" / "output.md")
        if block.marker is not None and "django-tablekit" in block.marker.what
    )
    lines = block(generated, "django-tablekit").splitlines()
    assert shows(excerpt.text, "\n".join(line.strip() for line in lines), excerpt=True)


def test_a_module_importing_django_models_is_left_out(generated: Path) -> None:
    modelkit = block(generated, "django-modelkit")
    assert "pythonImportsCheck = [ ];" in modelkit
    assert (
        "# pythonImportsCheck leaves out modelkit: it imports Django models, which only a "
        "configured Django project can import."
    ) in modelkit
    assert "env." not in modelkit  # nothing is checked


def test_a_module_needing_an_extras_dependency_is_left_out(generated: Path) -> None:
    """tokenkit's __init__ imports eight modules; the one needing piecetok comes after
    the six files the check used to read."""
    tokenkit = block(generated, "tokenkit")
    assert "pythonImportsCheck = [ ];" in tokenkit
    assert (
        "# pythonImportsCheck leaves out tokenkit: it imports piecetok (extra spm, not "
        "asked for), not among its dependencies."
    ) in tokenkit


def test_guards_are_judged_for_the_target(generated: Path) -> None:
    guardkit = block(generated, "guardkit")
    assert (
        'pythonImportsCheck = [\n        "guardkit"\n        "guardkit_socks"\n      ];' in guardkit
    )
    assert (
        "# pythonImportsCheck leaves out guardkit_windows: it raises ImportError at import "
        "time on this target (if sys.platform != 'win32')."
    ) in guardkit


def test_a_namespace_package_is_checked_by_its_own_package(generated: Path) -> None:
    """The wheel (built from an older tree) ships termsize_backports, the sdist the pin
    is built from does not; backports is a pkgutil namespace."""
    termsize = block(generated, "backports-termsize")
    assert 'pythonImportsCheck = [ "backports.termsize" ];' in termsize


def test_a_module_below_a_package_needing_an_undeclared_project_is_left_out(
    generated: Path,
) -> None:
    """Importing tabkit.tabs runs tabkit/__init__.py, whose unindented
    ``__import__("pkg_resources")`` needs setuptools (sphinx-tabs 3.2.0)."""
    tabkit = block(generated, "tabkit")
    assert "pythonImportsCheck = [ ];" in tabkit
    assert (
        "# pythonImportsCheck leaves out tabkit.tabs: it imports pkg_resources, not among "
        "its dependencies."
    ) in tabkit


def test_a_module_inside_another_distributions_package_is_left_out(generated: Path) -> None:
    """arclet-alconna-tools installs arclet/alconna/tools/ into arclet-alconna's regular
    package, so it cannot be imported from the store paths of a build (found by the
    live check of real locks); nor can a module that imports it."""
    assert 'pythonImportsCheck = [ "kits.plug" ];' in block(generated, "plugkit")
    tools = block(generated, "plugkit-tools")
    assert "pythonImportsCheck = [ ];" in tools
    assert (
        "# pythonImportsCheck leaves out kits.plug.tools: it is a module inside kits.plug, a "
        "package of plugkit, so it imports only where both are installed in one "
        "site-packages (python.withPackages does that)."
    ) in tools
    assert (
        "# pythonImportsCheck leaves out plugkit_user: it imports kits.plug.tools, a module "
        "inside kits.plug, a package of plugkit,"
    ) in block(generated, "plugkit-user")


@pytest.mark.nix
@pytest.mark.parametrize("package", BUILT)
def test_each_package_builds_with_its_import_check(
    nixpkgs: Path, generated: Path, package: str
) -> None:
    nix.build_attribute(generated / "requirements.nix", nixpkgs, f"packages.{package}")


def build_error(nixpkgs: Path, generated: Path, expression: str) -> str:
    """The error of building ``expression`` (``r`` is the generated file), which must fail."""
    with pytest.raises(AssertionError) as failure:
        nix.build(
            f"let pkgs = import {nixpkgs} {{ }}; "
            f"r = import {generated}/requirements.nix {{ inherit pkgs; }}; in {expression}"
        )
    return str(failure.value)


@pytest.mark.nix
def test_the_stand_ins_django_fails_as_djangos_does(nixpkgs: Path, generated: Path) -> None:
    """Without the settings module the app's import raises ImproperlyConfigured; with
    it, importing models raises AppRegistryNotReady: what the check must avoid."""
    unset = build_error(
        nixpkgs,
        generated,
        "r.packages.django-tablekit.overridePythonAttrs (old: { env = { }; })",
    )
    assert "ImproperlyConfigured: Requested setting" in unset
    models = build_error(
        nixpkgs,
        generated,
        "r.packages.django-modelkit.overridePythonAttrs (old: { pythonImportsCheck = "
        '[ "modelkit" ]; env.DJANGO_SETTINGS_MODULE = "django.conf.global_settings"; })',
    )
    assert "AppRegistryNotReady: Apps aren't loaded yet." in models


LOCAL_PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "ytdl"
version = "1.0.0"
description = "A project whose tree holds folders its wheel leaves out, as yt-dlp's"
license = "Unlicense"

[tool.setuptools.packages.find]
include = ["ytdl*"]
"""


@pytest.fixture
def local_project(tmp_path: Path) -> Path:
    folder = tmp_path / "ytdl-tree"
    for package in ("ytdl", "ytdl/extractor", "devscripts", "bundle"):
        (folder / package).mkdir(parents=True)
        (folder / package / "__init__.py").write_text(f'NAME = "{package}"\n')
    (folder / "pyproject.toml").write_text(LOCAL_PYPROJECT)
    return folder


def test_a_local_project_is_checked_by_what_its_backend_packages(
    fixture_index: FixtureIndex, local_project: Path
) -> None:
    with contextlib.chdir(local_project):
        assert main(["generate", "-i", INDEX_URL, "--python", "3.11", "-q", "--pyproject",
                     "pyproject.toml"]) == 0  # fmt: skip
    text = (local_project / "requirements.nix").read_text()
    assert 'pythonImportsCheck = [ "ytdl" ];' in package_block(text, "ytdl")


@pytest.mark.nix
def test_a_local_project_builds_with_its_import_check(
    fixture_index: FixtureIndex, local_project: Path, nixpkgs: Path
) -> None:
    with contextlib.chdir(local_project):
        assert main(["generate", "-i", INDEX_URL, "--python", "3.11", "-q", "--pyproject",
                     "pyproject.toml"]) == 0  # fmt: skip
    nix.build_attribute(local_project / "requirements.nix", nixpkgs, "packages.ytdl")
