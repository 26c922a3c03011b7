from __future__ import annotations

import pytest

from pypi2nix.dists.modules import (
    import_names_from_sdist,
    import_names_from_wheel,
    provided_names,
    source_imports,
)


@pytest.mark.parametrize(
    ("project", "paths", "expected"),
    [
        ("six", ["six.py", "six-1.17.0.dist-info/RECORD"], ("six",)),
        (
            "attrs",
            ["attr/__init__.py", "attrs/__init__.py", "attrs-25.dist-info/RECORD"],
            ("attr", "attrs"),
        ),
        (
            "black",
            ["black/__init__.py", "blackd/__init__.py", "_black_version.py"],
            ("black", "blackd"),  # blackd leaves the check when aiohttp is not a dependency
        ),
        (
            "nvidia-cuda-cupti-cu13",
            [
                "nvidia/cu13/lib/libcupti.so.13",
                "nvidia/cu13/lib/libnvperf_host.so",
                "nvidia/cu13/lib/libcheckpoint.so",
                "nvidia/cu13/include/cupti.h",
            ],
            (),
        ),
        (
            "nvidia-cuda-cupti-cu12",
            [
                "nvidia/cuda_cupti/__init__.py",
                "nvidia/cuda_cupti/lib/__init__.py",
                "nvidia/cuda_cupti/lib/libnvperf_host.so",
            ],
            ("nvidia.cuda_cupti",),
        ),
        (
            "nsext",
            [
                "ns/fast.cpython-312-x86_64-linux-gnu.so",
                "ns/plain.so",
                "ns/win.cp312-win_amd64.pyd",
            ],
            ("ns.fast", "ns.win"),
        ),
        ("oldext", ["oldext.so"], ("oldext",)),
        ("PyYAML", ["yaml/__init__.py", "_yaml/__init__.py"], ("yaml",)),
        ("beautifulsoup4", ["bs4/__init__.py", "bs4/element.py"], ("bs4",)),
        (
            "zope.interface",
            ["zope/interface/__init__.py", "zope.interface-6-nspkg.pth"],
            ("zope.interface",),
        ),
        ("cffi", ["cffi/__init__.py", "_cffi_backend.cpython-311-x86_64-linux-gnu.so"], ("cffi",)),
        ("fastlib", ["_fastlib.abi3.so"], ("_fastlib",)),
        ("3dmath", ["3dmath-1.0.data/purelib/dmath3/__init__.py"], ("dmath3",)),
        ("types-requests", ["requests-stubs/__init__.pyi"], ()),
        (
            "tools",
            ["tests/__init__.py", "docs/conf.py", "tool_a/__init__.py", "tool_b.py"],
            ("tool_a", "tool_b"),
        ),
    ],
)
def test_wheel_import_names(project: str, paths: list[str], expected: tuple[str, ...]) -> None:
    del project  # the names come from the files alone
    assert import_names_from_wheel(paths) == expected


def test_sdist_import_names() -> None:
    six = ["six.py", "setup.py", "test_six.py", "conftest.py", "documentation/index.rst"]
    assert import_names_from_sdist(six) == ("six",)
    src_layout = ["src/foo/__init__.py", "tests/test_x.py", "tests/__init__.py", "setup.py"]
    assert import_names_from_sdist(src_layout) == ("foo",)
    flat = ["pkg/__init__.py", "examples/demo.py", "noxfile.py"]
    assert import_names_from_sdist(flat) == ("pkg",)


def test_sdist_top_level_txt_wins() -> None:
    names = import_names_from_sdist(["lib/whatever.py"], top_level_txt=b"demo_core\n_private\n")
    assert names == ("demo_core",)


def test_source_imports() -> None:
    source = b"""
from __future__ import annotations
import os, json as j
import xml.etree.ElementTree
from . import helpers
from .sub import thing
from ..sibling import other
from mypkg.inner import x
import requests
try:
    import yaml
except ImportError:
    yaml = None
if TYPE_CHECKING:
    import attr
def later():
    import numpy
"""
    assert source_imports("mypkg/sub2/__init__.py", source) == (
        "__future__",
        "json",
        "mypkg.inner",
        "mypkg.sibling",
        "mypkg.sub2.helpers",
        "mypkg.sub2.sub",
        "os",
        "requests",
        "xml.etree.ElementTree",
    )
    assert source_imports("src/mypkg/mod.py", b"from . import x\nfrom .y import z\n") == (
        "mypkg.x",
        "mypkg.y",
    )
    assert source_imports("old.py", b"print 'python 2'\nimport foo bar\n") is None
    assert source_imports("plain.py", b"x = 1\n  import indented\n") == ()


def test_provided_names() -> None:
    paths = [
        "a/__init__.py",
        "b.py",
        "_c.cpython-311-x86_64-linux-gnu.so",
        "ns/x/__init__.py",
        "d-1.dist-info/RECORD",
        "e.pth",
    ]
    assert provided_names(paths) == {"a", "b", "_c", "ns"}


def test_a_module_that_raises_importerror_on_a_condition_is_not_judged() -> None:
    from pypi2nix.dists.modules import source_imports
    from pypi2nix.models import IMPORT_GUARD, guard_mark
    from pypi2nix.nix.package import imports_check_attribute
    from pypi2nix.pins.imports import for_target
    from pypi2nix.target import Target

    guarded = b'import sys\n\nif "psycopg" not in sys.modules:\n    raise ImportError("first")\n'
    scanned = source_imports("psycopg_binary/__init__.py", guarded)
    assert scanned == (guard_mark("'psycopg' not in sys.modules"), "sys")
    judged = for_target({"p/__init__.py": scanned}.get, Target("3.12", "x86_64-linux"))
    assert judged("p/__init__.py") == (IMPORT_GUARD, "sys")  # sys.modules: not known
    # an import whose ImportError is raised again is needed (black's blackd needs aiohttp)
    required = b"try:\n    import x\n    from .y import z\nexcept ImportError:\n    raise ImportError('no x')\n"
    assert source_imports("a/__init__.py", required) == ("a.y", "x")
    optional = b"try:\n    import x\nexcept ImportError:\n    x = None\nraise ImportError\n"
    assert source_imports("a/__init__.py", optional) == ()
    lines = imports_check_attribute((), (("psycopg_binary", (IMPORT_GUARD,)),))
    assert lines[0] == (
        "# pythonImportsCheck leaves out psycopg_binary: it raises ImportError at import "
        "time on a condition pypi2nix cannot judge."
    )


def test_setup_py_literal_lists_name_what_an_sdist_installs() -> None:
    from pypi2nix.dists.modules import import_names_from_sdist

    # uWSGI: a C server whose sdist has contrib/ and plugins/ folders of scripts it
    # does not install; setup.py says which module it does.
    setup_py = (
        b"from setuptools import setup\nsetup(name='uWSGI', py_modules=['uwsgidecorators'])\n"
    )
    names = ["setup.py", "uwsgiconfig.py", "uwsgidecorators.py", "contrib/runuwsgi.py",
             "plugins/airbrake/uwsgiplugin.py", "t/core/readline/__init__.py"]  # fmt: skip
    assert import_names_from_sdist(names, files={"setup.py": setup_py}) == ("uwsgidecorators",)
    assert "uwsgidecorators" not in import_names_from_sdist(names)  # the guess, without it
    packages = (
        b"import setuptools\nsetuptools.setup(packages=['foo', 'foo.sub'], py_modules=('bar',))\n"
    )
    tree = ["setup.py", "bar.py", "foo/__init__.py", "foo/sub/__init__.py", "other/__init__.py"]
    assert import_names_from_sdist(tree, files={"setup.py": packages}) == ("bar", "foo")
    guessed = ("bar", "foo", "other")  # only running setup.py could tell
    for unknown in (
        b"from setuptools import setup\nsetup(**options)\n",
        b"def main():\n    setup(py_modules=['x'])\n",
        b"setup(py_modules=['x'])\nsetup(py_modules=['y'])\n",
        b"setup(py_modules=[NAME])\n",
        b"setup(packages=find_packages(where=SOURCE))\n",
        b"setup(ext_modules=[Extension('fast', ['fast.c'])])\n",
        b"def broken(:\n",
    ):
        found_names = import_names_from_sdist(tree, files={"setup.py": unknown})
        assert found_names == guessed[1:], unknown
    # under `if __name__ == "__main__":` and with find_packages' literal arguments
    found = b"if __name__ == '__main__':\n    setup(packages=find_packages(exclude=['other']))\n"
    assert import_names_from_sdist(tree, files={"setup.py": found}) == ("foo",)


def test_the_cached_facts_of_a_guarded_module_pass_the_cache_checks() -> None:
    """A wheel whose module raises ImportError on a condition (bs4) is kept in the cache:
    before, its entry failed the checks, so every run read the wheel again and an
    ``--offline`` run failed."""
    from pypi2nix.dists.modules import ModuleImports
    from pypi2nix.dists.wheel import WheelFacts
    from pypi2nix.index.entries import valid_wheel_facts
    from pypi2nix.models import guard_mark

    guarded = b'import sys\n\nif "x" not in sys.modules:\n    raise ImportError("first")\n'
    imports = ModuleImports(sources={"bs4/__init__.py": guarded})
    assert imports.of("bs4/__init__.py") == (guard_mark("'x' not in sys.modules"), "sys")
    facts = WheelFacts(
        metadata={"name": "bs4", "version": "1"}, names=("bs4/__init__.py",), imports=imports
    )
    assert valid_wheel_facts(facts.to_json())
    assert not valid_wheel_facts(
        {**facts.to_json(), "imports": {"bs4/__init__.py": ["not a name"]}}
    )
