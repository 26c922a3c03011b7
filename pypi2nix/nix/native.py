"""Native code in nixpkgs: what building compiled code from an sdist needs (the Rust
hooks and vendored crates, the tools a build backend runs, the C libraries of
well-known packages, from one table), and what a Linux binary wheel needs
(autoPatchelfHook and the system libraries its ELF files name)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from pypi2nix.filenames import is_linux_binary_wheel
from pypi2nix.nix.escape import nix_comment, nix_string
from pypi2nix.nix.lines import indent, list_attribute
from pypi2nix.nix.tables import is_driver_library, system_library_attribute
from pypi2nix.project_files import MOVED_BACKENDS

if TYPE_CHECKING:
    from collections.abc import Iterable

    from pypi2nix.models import Pin
    from pypi2nix.nix.names import Names

# Build requirements that are not Python attributes in nixpkgs: the tool comes from a
# hook instead (maturin is pkgs.maturin, brought by rustPlatform.maturinBuildHook).
NOT_PYTHON_ATTRIBUTES = frozenset({"maturin"})

# Build backend (a build requirement) -> nixpkgs tools its build runs.
_BACKEND_TOOLS: dict[str, tuple[str, ...]] = {
    "maturin": ("rustPlatform.cargoSetupHook", "rustPlatform.maturinBuildHook"),
    "setuptools-rust": ("rustPlatform.cargoSetupHook", "cargo", "rustc"),
    "scikit-build-core": ("cmake", "ninja"),
    "scikit-build": ("cmake", "ninja"),
    "meson-python": ("meson", "ninja", "pkg-config"),
}
_RUST_BACKENDS = frozenset({"maturin", "setuptools-rust"})

# Project -> (nativeBuildInputs, buildInputs) for the most used packages with C code.
SOURCE_LIBRARIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "cffi": (("pkg-config",), ("libffi",)),
    "cryptography": (("pkg-config",), ("openssl",)),
    "h5py": (("pkg-config",), ("hdf5",)),
    "lxml": (("libxml2.dev", "libxslt.dev"), ("libxml2", "libxslt", "zlib")),
    "matplotlib": (("pkg-config",), ("freetype", "qhull")),
    "mysqlclient": (("pkg-config",), ("libmysqlclient",)),
    "numpy": (("pkg-config",), ("blas", "lapack")),
    "pillow": (
        ("pkg-config",),
        ("freetype", "lcms2", "libjpeg", "libtiff", "libwebp", "openjpeg", "zlib"),
    ),
    "psycopg-c": (("libpq.pg_config",), ("libpq",)),
    "psycopg2": (("libpq.pg_config",), ("libpq",)),
    "pycairo": (("pkg-config",), ("cairo",)),
    "pycurl": (("curl.dev",), ("curl", "openssl")),
    "pygobject": (("pkg-config", "gobject-introspection"), ("cairo", "glib")),
    "pynacl": ((), ("libsodium",)),
    "python-ldap": ((), ("openldap", "cyrus_sasl")),
    "pyyaml": ((), ("libyaml",)),
    "pyzmq": (("pkg-config",), ("zeromq",)),
    "scipy": (("gfortran", "pkg-config"), ("blas", "lapack")),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class BuildSettings:
    """Settings nixpkgs gives a package's own build, for the releases ``releases``
    admits: a configuration file an environment variable names, and meson options
    (nixpkgs' ``mesonFlags``, which meson-python's hook passes as ``-Csetup-args``)."""

    releases: str
    why: str
    # (environment variable, file name, file text): the variable names the file.
    files: tuple[tuple[str, str, str], ...] = ()
    meson_flags: tuple[str, ...] = ()
    # Python build tools (nixpkgs attributes) its build uses that its sdist does not
    # declare where a build-system table would (setup.py's setup_requires).
    build_tools: tuple[str, ...] = ()


# Project -> the settings of its build, by release, as nixpkgs' expression has them.
# matplotlib downloads FreeType and Qhull at build time unless told to use the system's
# (pkgs/development/python-modules/matplotlib/default.nix): up to 3.8 its setup.py
# reads mplsetup.cfg from MPLSETUPCFG, from 3.9 its meson build takes options.
SOURCE_SETTINGS: dict[str, tuple[BuildSettings, ...]] = {
    "matplotlib": (
        BuildSettings(
            "<3.9.dev0",
            "Built against nixpkgs' FreeType and Qhull, which its build would download.",
            # Its version comes from setuptools-scm (0.0.0 without it).
            build_tools=("setuptools-scm",),
            files=(
                (
                    "MPLSETUPCFG",
                    "mplsetup.cfg",
                    "[libs]\nsystem_freetype = true\nsystem_qhull = true\n",
                ),
            ),
        ),
        BuildSettings(
            ">=3.9.dev0",  # its pre-releases too
            "Built against nixpkgs' FreeType and Qhull, which its build would download;"
            " without LTO, as nixpkgs builds it.",
            meson_flags=("-Dsystem-freetype=true", "-Dsystem-qhull=true", "-Db_lto=false"),
        ),
    ),
}


def build_settings(name: str, version: str) -> BuildSettings | None:
    """The settings nixpkgs gives this release's build, if the table has some."""
    try:
        release = Version(version)
    except InvalidVersion:
        return None
    for settings in SOURCE_SETTINGS.get(name, ()):
        if SpecifierSet(settings.releases).contains(release, prereleases=True):
            return settings
    return None


@dataclass(frozen=True, slots=True)
class SourceBuild:
    """The attributes a pin built from its sdist needs beyond its Python build system
    (nixpkgs attribute paths, from ``pkgs``)."""

    native_build_inputs: tuple[str, ...] = ()
    build_inputs: tuple[str, ...] = ()
    # Rust: the crates are vendored by rustPlatform.fetchCargoVendor.
    cargo: bool = False
    settings: BuildSettings | None = None


def source_build(pin: Pin) -> SourceBuild:
    """What building the pin's sdist needs in nixpkgs (nothing for a wheel)."""
    if pin.source.kind != "sdist":
        return SourceBuild()
    tools: list[str] = []
    for requirement in sorted(pin.build_system):
        tools.extend(_BACKEND_TOOLS.get(requirement, ()))
    native, libraries = SOURCE_LIBRARIES.get(pin.name, ((), ()))
    return SourceBuild(
        native_build_inputs=tuple(dict.fromkeys([*tools, *native])),
        build_inputs=libraries,
        cargo=any(requirement in _RUST_BACKENDS for requirement in pin.build_system),
        settings=build_settings(pin.name, pin.version),
    )


def extra_build_tools(pin: Pin) -> tuple[str, ...]:
    """Python build tools the table gives a pin built from its sdist, beyond those it
    declares (nixpkgs attributes)."""
    build = source_build(pin)
    if build.settings is None:
        return ()
    declared = set(pin.build_system)
    return tuple(tool for tool in build.settings.build_tools if tool not in declared)


def system_functions(build: SourceBuild) -> tuple[str, ...]:
    """The top-level nixpkgs functions the build's attributes call (``writeText``)."""
    return ("writeText",) if build.settings is not None and build.settings.files else ()


def source_build_note(pin: Pin, where: str = "") -> str:
    """How a pin with compiled code is built from source, for the command's output
    (``where``: the targets it is built on, when not on all)."""
    build = source_build(pin)
    parts = []
    if build.cargo:
        parts.append("Rust: fill in cargoDeps.hash after the first build prints it")
    if build.build_inputs:
        parts.append(", ".join(build.build_inputs))
    else:
        parts.append("may need native libraries that no metadata names")
    return f"{pin.name}{where} ({'; '.join(parts)})"


def source_build_attributes(pin: Pin, names: Names) -> list[str]:
    """The tools, C libraries and vendored Rust crates that building compiled code
    from the sdist needs in nixpkgs, and the patch for a backend that moved."""
    build = source_build(pin)
    lines: list[str] = []
    moved = MOVED_BACKENDS.get(pin.build_backend or "")
    if moved is not None:
        lines += [
            nix_comment(f"Its build backend moved to {moved[1]}; patched as nixpkgs does."),
            "postPatch = ''",
            f'  substituteInPlace pyproject.toml --replace-fail "{pin.build_backend}" "{moved[0]}"',
            "'';",
        ]
    if build.native_build_inputs:
        native = [names.system(path) for path in build.native_build_inputs]
        lines += list_attribute("nativeBuildInputs", native)
    if build.build_inputs:
        lines += list_attribute("buildInputs", [names.system(path) for path in build.build_inputs])
    if build.settings is not None:
        lines += _settings_attributes(build.settings, names)
    if build.cargo:
        lines += [
            nix_comment("The hash of the vendored crates is not known before a first build: that"),
            nix_comment("build fails and prints it; put it here (or in your overrides)."),
            f"cargoDeps = {names.system('rustPlatform.fetchCargoVendor')} {{",
            *indent(["inherit pname version src;", f"hash = {names.lib}.fakeHash;"]),
            "};",
        ]
    return lines


def _settings_attributes(settings: BuildSettings, names: Names) -> list[str]:
    """The table's settings of a build: ``env`` for its files, ``mesonFlags``."""
    lines = [nix_comment(settings.why)]
    for variable, filename, text in settings.files:
        # The table's own text: no ``${`` or ``''`` to escape in an indented string.
        lines += [
            f"env.{variable} = {names.system('writeText')} {nix_string(filename)} ''",
            *indent(text.splitlines()),
            "'';",
        ]
    if settings.meson_flags:
        lines += list_attribute("mesonFlags", [nix_string(flag) for flag in settings.meson_flags])
    return lines


def binary_wheel_attributes(pin: Pin, names: Names) -> list[str]:
    """``autoPatchelfHook`` for a Linux binary wheel, so its native code finds nixpkgs'
    libraries instead of those of a manylinux system."""
    if not is_linux_binary_wheel(pin.source.filename):
        return []
    attributes, left_out, unknown = split_system_libraries(pin)
    lines = [
        nix_comment(
            "A binary wheel: autoPatchelfHook points its native code at nixpkgs' libraries."
        ),
        f"nativeBuildInputs = [ {names.auto_patchelf} ];",
    ]
    if not pin.libraries_known:
        lines.append(
            nix_comment(
                "Too large to be searched for the libraries it needs: add those the build "
                "reports missing to buildInputs in your overrides."
            )
        )
    if attributes:
        lines += list_attribute("buildInputs", [names.system(path) for path in attributes])
    lines += [
        nix_comment(
            f"Needs {library}, which pypi2nix cannot map to a nixpkgs package: add the package "
            "that has it to buildInputs in your overrides."
        )
        for library in unknown
    ]
    if left_out:
        lines += [nix_comment(f"{library}: {why}.") for library, why in left_out]
        ignored = [nix_string(library) for library, _ in left_out]
        lines += list_attribute("autoPatchelfIgnoreMissingDeps", ignored)
    return lines


def split_system_libraries(
    pin: Pin,
) -> tuple[list[str], list[tuple[str, str]], list[str]]:
    """A binary wheel's needs: the nixpkgs attributes that have them, those left to run
    time (with why), and those pypi2nix cannot place."""
    attributes: set[str] = set()
    left_out: list[tuple[str, str]] = []
    unknown: list[str] = []
    for library in pin.system_libraries:
        attribute = system_library_attribute(library)
        if attribute is not None:
            attributes.add(attribute)
        elif is_driver_library(library):
            left_out.append((library, "the GPU driver's, found where the program runs"))
        else:
            unknown.append(library)
    left_out += [
        (library, f"shipped by {provider}, which loads it at run time")
        for library, provider in pin.libraries_from_dependencies
    ]
    return sorted(attributes), sorted(left_out), unknown


def native_libraries(name: str, wheel: bool, system_libraries: Iterable[str]) -> list[str]:
    """The native libraries the output gives a pin, as ``buildInputs`` names them
    (nixpkgs attribute paths; a library no attribute is known for, by its soname):
    those of the table for a pin built from source, those its system libraries map to
    for a binary wheel (the GPU driver's, found where the program runs, left out)."""
    if not wheel:
        return list(SOURCE_LIBRARIES.get(name, ((), ()))[1])
    attributes: set[str] = set()
    unknown: list[str] = []
    for library in system_libraries:
        attribute = system_library_attribute(library)
        if attribute is not None:
            attributes.add(attribute)
        elif not is_driver_library(library):
            unknown.append(library)
    return [*sorted(attributes), *unknown]
