"""What compiled code built from source gets in the output: Rust hooks and vendored
crates, the tools of its build backend, and the C libraries of well-known packages."""

from __future__ import annotations

import dataclasses

from pypi2nix.nix import nixpkgs
from pypi2nix.nix.names import OVERLAY_NAMES
from pypi2nix.nix.native import source_build, source_build_note
from pypi2nix.nix.package import package_expression
from tests.test_render import pin


def test_setuptools_rust_gets_cargo_and_keeps_its_python_attribute() -> None:
    rust = pin("demo", "demo-1.0.tar.gz", build_system=("setuptools", "setuptools-rust"))
    text = "\n".join(package_expression(rust, OVERLAY_NAMES, fetcher="fetchurl"))
    assert "build-system = [\n    super.setuptools\n    super.setuptools-rust\n  ];" in text
    assert (
        "nativeBuildInputs = [\n    pkgs.rustPlatform.cargoSetupHook\n    pkgs.cargo\n"
        "    pkgs.rustc\n  ];"
    ) in text
    assert "cargoDeps = pkgs.rustPlatform.fetchCargoVendor {" in text


def test_known_c_libraries_and_backend_tools() -> None:
    lxml = source_build(pin("lxml", "lxml-1.0.tar.gz", build_system=("cython", "setuptools")))
    assert lxml.native_build_inputs == ("libxml2.dev", "libxslt.dev")
    assert lxml.build_inputs == ("libxml2", "libxslt", "zlib")
    assert not lxml.cargo
    pyzmq = source_build(pin("pyzmq", "pyzmq-1.0.tar.gz", build_system=("scikit-build-core",)))
    assert pyzmq.native_build_inputs == ("cmake", "ninja", "pkg-config")
    assert pyzmq.build_inputs == ("zeromq",)
    assert source_build(pin("lxml", "lxml-1.0-cp311-cp311-manylinux_2_17_x86_64.whl")) == (
        source_build(pin("other", "other-1.0.tar.gz"))
    )  # a wheel is not built


def test_notes_say_what_was_added_or_what_may_be_missing() -> None:
    crypto = pin("cryptography", "c-1.0.tar.gz", build_system=("maturin", "cffi"))
    assert source_build_note(crypto) == (
        "cryptography (Rust: fill in cargoDeps.hash after the first build prints it; openssl)"
    )
    unknown = pin("mystery", "mystery-1.0.tar.gz")
    assert source_build_note(unknown) == (
        "mystery (may need native libraries that no metadata names)"
    )


def test_nixpkgs_style_takes_the_top_level_packages_as_arguments() -> None:
    crypto = pin("cryptography", "cryptography-1.0.tar.gz", build_system=("maturin", "cffi"))
    text = nixpkgs.render_nixpkgs_package(
        crypto, tests=nixpkgs.Tests(inputs=None), fetcher="fetchurl"
    )
    head = text[: text.index("}:")]
    for argument in ("openssl,", "pkg-config,", "rustPlatform,", "cffi,"):
        assert f"  {argument}\n" in head
    assert "maturin" not in head
    assert "nativeBuildInputs = [\n    rustPlatform.cargoSetupHook\n" in text
    assert "hash = lib.fakeHash;" in text


def test_a_backend_that_moved_is_patched_as_nixpkgs_does() -> None:
    old = pin("pytzdata", "pytzdata-1.0.tar.gz", build_backend="poetry.masonry.api")
    text = "\n".join(package_expression(old, OVERLAY_NAMES, fetcher="fetchurl"))
    assert (
        "postPatch = ''\n"
        '    substituteInPlace pyproject.toml --replace-fail "poetry.masonry.api" '
        '"poetry.core.masonry.api"\n'
        "  '';"
    ) in text


MPLSETUPCFG = [
    "# Built against nixpkgs' FreeType and Qhull, which its build would download.",
    "env.MPLSETUPCFG = pkgs.writeText \"mplsetup.cfg\" ''",
    "[libs]",
    "system_freetype = true",
    "system_qhull = true",
    "'';",
]


def test_matplotlib_of_setuptools_uses_the_system_freetype_and_qhull() -> None:
    old = pin("matplotlib", "matplotlib-3.5.3.tar.gz", version="3.5.3")
    lines = package_expression(old, OVERLAY_NAMES, fetcher="fetchurl")
    start = lines.index("  " + MPLSETUPCFG[1])
    assert lines[start - 1 : start + 5] == [
        "  " + line if index in (0, 1, 5) else "    " + line
        for index, line in enumerate(MPLSETUPCFG)
    ]
    text = "\n".join(lines)
    assert "nativeBuildInputs = [ pkgs.pkg-config ];" in text
    assert "buildInputs = [\n    pkgs.freetype\n    pkgs.qhull\n  ];" in text
    assert "mesonFlags" not in text
    # Its version comes from setuptools-scm, which setup_requires names.
    assert "build-system = [\n    super.setuptools\n    super.setuptools-scm\n  ];" in text


def test_matplotlib_of_meson_passes_the_options_nixpkgs_passes() -> None:
    new = pin(
        "matplotlib",
        "matplotlib-3.9.0.tar.gz",
        version="3.9.0",
        build_system=("meson-python", "numpy", "pybind11", "setuptools-scm"),
    )
    text = "\n".join(package_expression(new, OVERLAY_NAMES, fetcher="fetchurl"))
    assert (
        "mesonFlags = [\n"
        '    "-Dsystem-freetype=true"\n'
        '    "-Dsystem-qhull=true"\n'
        '    "-Db_lto=false"\n'
        "  ];"
    ) in text
    assert (
        "nativeBuildInputs = [\n    pkgs.meson\n    pkgs.ninja\n    pkgs.pkg-config\n  ];" in text
    )
    assert "buildInputs = [\n    pkgs.freetype\n    pkgs.qhull\n  ];" in text
    assert "MPLSETUPCFG" not in text
    assert text.count("super.setuptools-scm") == 1  # declared, not added again


def test_matplotlib_settings_follow_the_release_and_the_source() -> None:
    assert source_build(pin("matplotlib", "m-3.8.4.tar.gz", version="3.8.4")).settings is not None
    assert source_build(pin("matplotlib", "m-3.9.0rc1.tar.gz", version="3.9.0rc1")).settings
    wheel = pin("matplotlib", "matplotlib-3.5.3-cp311-cp311-manylinux_2_17_x86_64.whl")
    assert source_build(dataclasses.replace(wheel, version="3.5.3")).settings is None
    assert source_build(pin("other", "other-3.5.3.tar.gz", version="3.5.3")).settings is None


def test_nixpkgs_style_takes_write_text_for_the_setup_file() -> None:
    old = pin("matplotlib", "matplotlib-3.5.3.tar.gz", version="3.5.3")
    text = nixpkgs.render_nixpkgs_package(old, tests=nixpkgs.Tests(inputs=None), fetcher="fetchurl")
    head = text[: text.index("}:")]
    for argument in ("freetype,", "pkg-config,", "qhull,", "setuptools-scm,", "writeText,"):
        assert f"  {argument}\n" in head
    assert "  env.MPLSETUPCFG = writeText \"mplsetup.cfg\" ''\n    [libs]\n" in text
