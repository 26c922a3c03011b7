"""Import names from what a build backend packages, namespace packages, guards judged
for the target, and the import check's judgement (issue 21)."""

from __future__ import annotations

import ast

import pytest

from pypi2nix.dists.guards import condition_holds, raising_conditions
from pypi2nix.dists.modules import (
    ModuleImports,
    built_from_sdist,
    guards_its_import,
    import_names_from_sdist,
    import_names_from_wheel,
    source_imports,
)
from pypi2nix.models import (
    DJANGO_MODELS,
    IMPORT_GUARD,
    NAMESPACE_MARK,
    conditional_import_mark,
    guard_mark,
)
from pypi2nix.nix.package import imports_check_attribute
from pypi2nix.pins.imports import DJANGO_SETTINGS, for_target, judge_imports
from pypi2nix.target import Target

YT_DLP = b"""\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "yt-dlp"
dynamic = ["version"]

[tool.hatch.build.targets.sdist]
include = ["/yt_dlp", "/devscripts", "/test"]

[tool.hatch.build.targets.wheel]
packages = ["yt_dlp"]
exclude = ["/yt_dlp/**/*.md"]
"""
TREE = [
    "yt_dlp/__init__.py", "yt_dlp/extractor/__init__.py", "devscripts/__init__.py",
    "devscripts/make_lazy_extractors.py", "bundle/__init__.py", "bundle/pyinstaller.py",
    "test/__init__.py", "pyproject.toml", "setup.cfg",
]  # fmt: skip


def names(
    paths: list[str], pyproject: str = "", project: str | None = None, **files: str
) -> tuple[str, ...]:
    given = {
        "pyproject.toml": pyproject.encode(),
        **{n.replace("_", "."): t.encode() for n, t in files.items()},
    }
    return import_names_from_sdist(
        paths, files={k: v for k, v in given.items() if v}, project=project
    )


def test_a_local_tree_is_checked_by_what_its_wheel_gets() -> None:
    assert import_names_from_sdist(TREE, files={"pyproject.toml": YT_DLP}) == ("yt_dlp",)
    assert import_names_from_sdist(TREE) == ("bundle", "devscripts", "yt_dlp")  # the guess


HATCH = '[build-system]\nbuild-backend = "hatchling.build"\n'


@pytest.mark.parametrize(
    ("paths", "pyproject", "project", "expected"),
    [
        (["src/my_lib/__init__.py", "tools/x/__init__.py"], HATCH, "my-lib", ("my_lib",)),
        (["my_lib.py", "scripts/x/__init__.py"], HATCH, "My.Lib", ("my_lib",)),
        # nothing named after the project: hatch refuses to build, the folders are guessed
        (["my_lib.py", "scripts/x/__init__.py"], HATCH, "other", ("scripts.x",)),
        (["ns/my_lib/__init__.py", "other/__init__.py"], HATCH, "my-lib", ("ns.my_lib",)),
        (
            ["lib/core/__init__.py", "lib/extra.py", "misc/__init__.py"],
            HATCH + '[tool.hatch.build.targets.wheel]\nonly-include = ["lib"]\nsources = ["lib"]\n',
            "x",
            ("core", "extra"),
        ),
        (
            ["pkg/__init__.py", "helpers/__init__.py"],
            HATCH + '[tool.hatch.build]\ninclude = ["/pkg/**/*.py"]\n',
            "x",
            ("pkg",),
        ),
    ],
)
def test_hatchling(
    paths: list[str], pyproject: str, project: str, expected: tuple[str, ...]
) -> None:
    assert names(paths, pyproject, project) == expected


@pytest.mark.parametrize(
    ("paths", "pyproject", "expected"),
    [
        # flit: [tool.flit.module], else the project's name; a dotted name in a namespace
        (["foo_core/__init__.py", "docs_tools/__init__.py"],
         '[build-system]\nbuild-backend = "flit_core.buildapi"\n[project]\nname = "foo"\n'
         '[tool.flit.module]\nname = "foo_core"\n', ("foo_core",)),
        (["src/ns/pkg/__init__.py", "tools/__init__.py"],
         '[build-system]\nbuild-backend = "flit_core.buildapi"\n[project]\nname = "ns.pkg"\n',
         ("ns.pkg",)),
        # poetry: packages with include/from, a format without the wheel; else the name
        (["src/app/__init__.py", "extras/__init__.py", "scripts/__init__.py"],
         '[build-system]\nbuild-backend = "poetry.core.masonry.api"\n[tool.poetry]\nname = "x"\n'
         'packages = [{include = "app", from = "src"}, {include = "extras", format = "sdist"}]\n',
         ("app",)),
        (["my_tool/__init__.py", "benchmarks_x/__init__.py"],
         '[build-system]\nbuild-backend = "poetry.core.masonry.api"\n[project]\nname = "My-Tool"\n',
         ("my_tool",)),
        # pdm-backend: the packages below src/, its tests staying in the sdist
        (["src/pkg/__init__.py", "src/tests/__init__.py", "devtools/__init__.py"],
         '[build-system]\nbuild-backend = "pdm.backend"\n', ("pkg",)),
        # maturin: the extension module and its Python package
        (["python/fast/__init__.py", "bench/__init__.py", "Cargo.toml"],
         '[build-system]\nbuild-backend = "maturin"\n[project]\nname = "fast"\n'
         '[tool.maturin]\npython-source = "python"\nmodule-name = "fast._native"\n', ("fast",)),
        (["src/lib.rs", "tools/__init__.py"],
         '[build-system]\nbuild-backend = "maturin"\n[project]\nname = "rusty-thing"\n',
         ("rusty_thing",)),
        # scikit-build-core: wheel.packages
        (["src/geo/__init__.py", "cmake/__init__.py"],
         '[build-system]\nbuild-backend = "scikit_build_core.build"\n'
         '[tool.scikit-build]\nwheel.packages = ["src/geo"]\n', ("geo",)),
        # PEP 794 says it outright
        (["a/__init__.py", "b/__init__.py"], '[project]\nname = "x"\nimport-names = ["a", "_b; private"]\n',
         ("a",)),
    ],
)  # fmt: skip
def test_other_backends(paths: list[str], pyproject: str, expected: tuple[str, ...]) -> None:
    assert names(paths, pyproject) == expected


@pytest.mark.parametrize(
    ("paths", "files", "expected"),
    [
        # [tool.setuptools]: packages, find with where/include/exclude, package-dir
        (["core/__init__.py", "core/sub/__init__.py", "bundle/__init__.py"],
         {"pyproject_toml": '[tool.setuptools]\npackages = ["core", "core.sub"]\n'}, ("core",)),
        (["src/a/__init__.py", "src/a_tests/__init__.py", "b/__init__.py"],
         {"pyproject_toml": '[tool.setuptools.packages.find]\nwhere = ["src"]\nexclude = ["*tests"]\n'},
         ("a",)),
        (["lib/__init__.py", "lib/x.py", "other/__init__.py"],
         {"pyproject_toml": '[tool.setuptools]\npackages = ["mylib"]\npackage-dir = {mylib = "lib"}\n'},
         ("mylib",)),
        # setup.cfg
        (["src/pkg/__init__.py", "helpers/__init__.py"],
         {"setup_cfg": "[options]\npackages = find:\npackage_dir =\n    =src\n\n"
                       "[options.packages.find]\nwhere = src\n"}, ("pkg",)),
        (["mod_a.py", "mod_b.py", "tools/__init__.py"],
         {"setup_cfg": "[options]\npy_modules = mod_a\n"}, ("mod_a",)),
        # setuptools' discovery: the src layout, a flat layout without reserved names
        (["src/one/__init__.py", "src/two.py", "extra/__init__.py"], {}, ("one", "two")),
        (["pkg/__init__.py", "docs/conf.py", "tests/__init__.py", "tools/__init__.py",
          "my-data/x.json"], {"setup_py": "from setuptools import setup\nsetup()\n"}, ("pkg",)),
        (["solo.py", "setup.py", "noxfile.py", "conftest.py"], {}, ("solo",)),
    ],
)  # fmt: skip
def test_setuptools(paths: list[str], files: dict[str, str], expected: tuple[str, ...]) -> None:
    assert names(paths, **files) == expected


def test_a_flat_layout_setuptools_refuses_is_guessed() -> None:
    """Two top-level packages in a flat layout: setuptools stops the build."""
    assert names(["one/__init__.py", "bundle/__init__.py"]) == ("bundle", "one")


PKGUTIL = b"from pkgutil import extend_path\n__path__ = extend_path(__path__, __name__)\n"
PKG_RESOURCES = b"__import__('pkg_resources').declare_namespace(__name__)\n"


def test_a_namespace_package_stands_for_the_packages_below_it() -> None:
    assert NAMESPACE_MARK in (source_imports("backports/__init__.py", PKGUTIL) or ())
    assert NAMESPACE_MARK in (source_imports("zope/__init__.py", PKG_RESOURCES) or ())
    assert NAMESPACE_MARK not in (source_imports("plain.py", PKGUTIL) or ())
    wheel = ["backports/__init__.py", "backports/termsize/__init__.py", "backports/termsize/x.py",
             "backports/lru.py", "x-1.dist-info/RECORD"]  # fmt: skip
    imports = ModuleImports(sources={"backports/__init__.py": PKGUTIL})
    assert import_names_from_wheel(wheel, imports_of=imports.of) == (
        "backports.lru",
        "backports.termsize",
    )
    assert import_names_from_wheel(wheel) == ("backports",)  # its source unknown
    paste = ["paste/__init__.py", *(f"paste/{name}.py" for name in "abcd")]
    own_tree = ModuleImports(sources={"paste/__init__.py": PKG_RESOURCES})
    assert import_names_from_wheel(paste, imports_of=own_tree.of) == ("paste",)
    lonely = ModuleImports(sources={"ns/__init__.py": PKGUTIL})
    assert import_names_from_wheel(["ns/__init__.py"], imports_of=lonely.of) == ("ns",)
    sdist = ["setup.py", "backports/__init__.py", "backports/termsize/__init__.py"]
    named = import_names_from_sdist(sdist, top_level_txt=b"backports\n", imports_of=imports.of)
    assert named == ("backports.termsize",)


def test_a_wheel_name_the_sdist_lacks_is_not_checked() -> None:
    sdist = ["setup.py", "backports/__init__.py", "backports/termsize/__init__.py",
             "lib/inner/__init__.py", "src/_speedups.c"]  # fmt: skip
    wheel_names = ["backports.termsize", "inner", "termsize_backports", "_speedups"]
    assert built_from_sdist(wheel_names, sdist) == ("backports.termsize", "inner", "_speedups")


BS4 = b"""\
import sys
if sys.version_info.major < 3:
    raise ImportError("Python 3 only")
"""
PYSOCKS = b"""\
import os, sys
if os.name == "nt" and sys.version_info < (3, 0):
    try:
        import win_inet_pton
    except ImportError:
        raise ImportError("To run PySocks on Windows you must install win_inet_pton")
"""
BRANCHES = b"""\
import sys
if sys.platform == "win32":
    import winreg
elif sys.platform.startswith("linux"):
    pass
else:
    raise ImportError("Windows and Linux only")

def later():
    if True:
        raise ImportError("not at import time")
"""


def test_guards_are_recorded_with_their_conditions() -> None:
    assert source_imports("bs4/__init__.py", BS4) == (
        guard_mark("sys.version_info.major < 3"),
        "sys",
    )
    conditions = raising_conditions(ast.parse(BRANCHES))
    assert conditions == ["not sys.platform == 'win32' and (not sys.platform.startswith('linux'))"]
    # an ImportError raised again when an import fails: that import is needed there
    assert raising_conditions(ast.parse(PYSOCKS)) == []
    windows = "os.name == 'nt' and sys.version_info < (3, 0)"
    assert source_imports("socks.py", PYSOCKS) == (
        conditional_import_mark("win_inet_pton", windows),
        "os",
        "sys",
    )
    # the native reader's question: could it raise on any target pypi2nix locks for?
    assert not guards_its_import(BS4)
    assert not guards_its_import(PYSOCKS)
    assert guards_its_import(BRANCHES)  # on darwin
    assert guards_its_import(b'if "psycopg" not in sys.modules:\n    raise ImportError\n')


LINUX = ("3.12", "x86_64-linux")
DARWIN = ("3.13", "aarch64-darwin")


@pytest.mark.parametrize(
    ("condition", "linux", "darwin"),
    [
        ("sys.version_info.major < 3", False, False),
        ("sys.version_info[0] == 2", False, False),
        ("sys.version_info[:2] < (3, 13)", True, False),
        ("sys.version_info >= (3, 13)", False, True),
        ("sys.version_info > (3, 12)", True, True),  # (3, 12, x, ...) > (3, 12)
        ("sys.version_info < (3, 12, 4)", None, False),  # the micro version is not known
        ("sys.platform != 'win32'", True, True),
        ("sys.platform.startswith(('linux', 'freebsd'))", True, False),
        ("platform.system() == 'Darwin'", False, True),
        ("os.name == 'nt' or sys.maxsize <= 2**32", False, False),
        ("sys.implementation.name != 'cpython'", False, False),
        ("'psycopg' not in sys.modules", None, None),
        ("PY2 and os.name == 'nt'", False, False),  # one known operand decides
        ("PY2 or os.name == 'nt'", None, None),
        ("", None, None),  # too long to keep
    ],
)
def test_conditions_are_judged_for_the_target(
    condition: str, linux: bool | None, darwin: bool | None
) -> None:
    assert condition_holds(condition, *LINUX) is linux
    assert condition_holds(condition, *DARWIN) is darwin


def scanned(sources: dict[str, bytes]) -> ModuleImports:
    return ModuleImports(sources=sources)


def test_a_guard_is_kept_only_where_it_may_raise() -> None:
    imports = scanned({"w/__init__.py": b"import sys\nif sys.platform != 'win32':\n    raise ImportError\n",
                       "b/__init__.py": BS4, "u/__init__.py": b"if FLAG:\n    raise ImportError\n"})  # fmt: skip
    judged = for_target(imports.of, Target(*LINUX))
    judgement = judge_imports(["b", "u", "w"], judged, own=frozenset("buw"), available=frozenset())
    assert judgement.checked == ("b",)
    assert judgement.skipped == (
        ("u", (IMPORT_GUARD,)),
        ("w", (guard_mark("sys.platform != 'win32'"),)),
    )
    lines = imports_check_attribute(judgement.checked, judgement.skipped)
    assert lines[1] == (
        "# pythonImportsCheck leaves out w: it raises ImportError at import time on this "
        "target (if sys.platform != 'win32')."
    )


NUMPY = b"""\
try:
    __NUMPY_SETUP__
except NameError:
    __NUMPY_SETUP__ = False
if __NUMPY_SETUP__:
    pass
else:
    try:
        from numpy.__config__ import show_config
    except ImportError as e:
        raise ImportError("do not import numpy from its source tree") from e
    from . import _core
"""


def test_an_import_needed_on_a_condition_counts_unless_it_is_false_there() -> None:
    """numpy's else branch re-raises a failed import: no guard, its import is needed."""
    on_linux = PYSOCKS.replace(
        b'os.name == "nt" and sys.version_info < (3, 0)', b'sys.platform == "linux"'
    )
    imports = scanned(
        {"numpy/__init__.py": NUMPY, "socks.py": PYSOCKS, "lin/__init__.py": on_linux}
    )
    judged = for_target(imports.of, Target(*LINUX))
    assert judged("numpy/__init__.py") == ("numpy.__config__",)  # condition unknown
    assert judged("socks.py") == ("os", "sys")  # never on the target
    own = frozenset({"numpy", "socks", "lin"})
    judgement = judge_imports(["lin", "numpy", "socks"], judged, own=own, available=frozenset())
    assert judgement.checked == ("numpy", "socks")
    assert judgement.skipped == (("lin", ("win_inet_pton",)),)  # needed on Linux


def test_a_django_app_gets_djangos_default_settings() -> None:
    imports = scanned({
        "app/__init__.py": b"from django.conf import settings\nfrom . import views\n",
        "app/views.py": b"X = 1\n",
        "withmodels/__init__.py": b"from .models import Tag\n",
        "withmodels/models.py": b"from django.db import models\n",
        "auth_user/__init__.py": b"from django.contrib.auth.models import User\n",
        "plain/__init__.py": b"import json\n",
    })  # fmt: skip
    own = frozenset({"app", "withmodels", "auth_user", "plain"})
    with_django = judge_imports(
        ["app", "auth_user", "plain", "withmodels"],
        imports.of,
        own=own,
        available=frozenset({"django"}),
    )
    assert with_django.checked == ("app", "plain")
    assert with_django.skipped == (
        ("auth_user", (DJANGO_MODELS,)),
        ("withmodels", (DJANGO_MODELS,)),
    )
    assert with_django.environment == (DJANGO_SETTINGS,)
    undeclared = judge_imports(["app", "plain"], imports.of, own=own, available=frozenset())
    assert undeclared.skipped == (("app", ("django",)),)  # a Django plugin not declaring it
    assert undeclared.environment == ()
    no_app = judge_imports(["plain"], imports.of, own=own, available=frozenset({"django"}))
    assert no_app.environment == ()
    lines = imports_check_attribute(["app"], environment=with_django.environment)
    assert lines[-1] == 'env.DJANGO_SETTINGS_MODULE = "django.conf.global_settings";'


def test_the_module_imported_last_is_judged_too() -> None:
    """gguf's __init__ imports nine modules; vocab needed sentencepiece."""
    modules = ["constants", "gguf", "lazy", "metadata", "quants", "reader", "utility", "writer"]
    init = "".join(f"from .{name} import *\n" for name in [*modules, "vocab"])
    sources = {f"gguf/{name}.py": b"import numpy\n" for name in modules}
    sources["gguf/__init__.py"] = init.encode()
    sources["gguf/vocab.py"] = b"from sentencepiece import SentencePieceProcessor\n"
    judgement = judge_imports(
        ["gguf"], scanned(sources).of, own=frozenset({"gguf"}), available=frozenset({"numpy"})
    )
    assert judgement.skipped == (("gguf", ("sentencepiece",)),)
    lines = imports_check_attribute((), judgement.skipped, optional=(("spm", ("sentencepiece",)),))
    assert lines[0] == (
        "# pythonImportsCheck leaves out gguf: it imports sentencepiece (extra spm, not asked "
        "for), not among its dependencies."
    )


def test_the_cache_checks_accept_the_marks() -> None:
    from pypi2nix.dists.wheel import WheelFacts
    from pypi2nix.index.entries import valid_wheel_facts

    imports = scanned({"backports/__init__.py": PKGUTIL, "bs4/__init__.py": BS4})
    assert imports.of("backports/__init__.py") == (NAMESPACE_MARK, "pkgutil")
    assert imports.of("bs4/__init__.py") == (guard_mark("sys.version_info.major < 3"), "sys")
    facts = WheelFacts(metadata={"name": "x", "version": "1"}, names=(), imports=imports)
    assert valid_wheel_facts(facts.to_json())
