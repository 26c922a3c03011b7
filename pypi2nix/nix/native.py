"""What nixpkgs needs to build compiled code from an sdist: the Rust hooks and
vendored crates, the tools a build backend runs, and the C libraries of well-known
packages (from one table)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pypi2nix.models import Pin

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
class SourceBuild:
    """The attributes a pin built from its sdist needs beyond its Python build system
    (nixpkgs attribute paths, from ``pkgs``)."""

    native_build_inputs: tuple[str, ...] = ()
    build_inputs: tuple[str, ...] = ()
    # Rust: the crates are vendored by rustPlatform.fetchCargoVendor.
    cargo: bool = False

    @property
    def known_libraries(self) -> bool:
        return bool(self.build_inputs)


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
    )


def source_build_note(pin: Pin) -> str:
    """How a pin with compiled code is built from source, for the command's output."""
    build = source_build(pin)
    parts = []
    if build.cargo:
        parts.append("Rust: fill in cargoDeps.hash after the first build prints it")
    if build.build_inputs:
        parts.append(", ".join(build.build_inputs))
    else:
        parts.append("may need native libraries that no metadata names")
    return f"{pin.name} ({'; '.join(parts)})"
