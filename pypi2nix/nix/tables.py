"""Mappings from Python packaging names to nixpkgs attribute names."""

from __future__ import annotations

# Build requirements whose nixpkgs attribute is not simply their PEP 503 name.
# Every other build requirement maps to its normalized name, which is nixpkgs'
# naming rule for Python packages.
BUILD_SYSTEM_ATTRIBUTES: dict[str, str] = {
    "oldest-supported-numpy": "numpy",
    "poetry": "poetry-core",
    "setuptools-scm-git-archive": "setuptools-scm",
}


def build_system_attribute(name: str) -> str:
    """The attribute of a build requirement in nixpkgs' Python package set."""
    return BUILD_SYSTEM_ATTRIBUTES.get(name, name)


# Shared libraries a binary wheel may need from the system (by the name before
# ".so"), and the nixpkgs attribute that has them: what autoPatchelfHook searches.
SYSTEM_LIBRARIES: dict[str, str] = {
    "libstdc++": "stdenv.cc.cc.lib", "libgcc_s": "stdenv.cc.cc.lib",
    "libgomp": "stdenv.cc.cc.lib", "libatomic": "stdenv.cc.cc.lib",
    "libquadmath": "stdenv.cc.cc.lib", "libgfortran": "gfortran.cc.lib",
    "libz": "zlib", "libbz2": "bzip2", "liblzma": "xz", "libzstd": "zstd",
    "libexpat": "expat", "libffi": "libffi", "libssl": "openssl", "libcrypto": "openssl",
    "libcrypt": "libxcrypt", "libuuid": "libuuid", "libsqlite3": "sqlite",
    "libxml2": "libxml2", "libxslt": "libxslt", "libexslt": "libxslt",
    "libjpeg": "libjpeg", "libpng16": "libpng", "libtiff": "libtiff",
    "libfreetype": "freetype", "libfontconfig": "fontconfig", "libpq": "libpq",
    "libyaml-0": "libyaml", "libGL": "libGL", "libEGL": "libGL", "libOpenGL": "libGL",
    "libglib-2.0": "glib", "libgobject-2.0": "glib", "libgthread-2.0": "glib",
    "libgio-2.0": "glib", "libX11": "xorg.libX11", "libXext": "xorg.libXext",
    "libXrender": "xorg.libXrender", "libICE": "xorg.libICE", "libSM": "xorg.libSM",
    "libxcb": "xorg.libxcb", "libasound": "alsa-lib", "libdbus-1": "dbus",
    "libnuma": "numactl", "libxkbcommon": "libxkbcommon", "libudev": "udev",
    "libtbb": "tbb", "libtbbmalloc": "tbb", "libgdal": "gdal", "libgeos_c": "geos",
    "libproj": "proj", "libhdf5": "hdf5", "libcairo": "cairo", "libpango-1.0": "pango",
    # The RDMA and HPC transports of NVIDIA's wheels (nvidia-cufile, nvidia-nvshmem).
    # nixpkgs' own libcufile and libnvshmem (pkgs/development/cuda-modules/packages/)
    # link them all (libnvshmem's with* flags default to true) rather than ignore them.
    # rdma-core builds every verbs provider (libmlx5, ...) into its lib/.
    "libibverbs": "rdma-core", "librdmacm": "rdma-core", "libibumad": "rdma-core",
    "libmlx5": "rdma-core", "libmlx4": "rdma-core", "libefa": "rdma-core",
    "libmana": "rdma-core", "libfabric": "libfabric", "libpmix": "pmix",
    "libucp": "ucx", "libucs": "ucx", "libuct": "ucx", "libucm": "ucx",
}  # fmt: skip

# Libraries whose name alone says too little (MPICH's libmpi.so.12 is not Open MPI's
# libmpi.so.40), by their whole soname.
SYSTEM_SONAMES: dict[str, str] = {
    "libmpi.so.40": "openmpi",
    "liboshmem.so.40": "openmpi",
}

# Libraries that exist only where the program runs (the GPU driver's): never in the
# build, so autoPatchelfHook is told to leave them.
DRIVER_LIBRARIES = frozenset(
    {"libcuda", "libnvidia-ml", "libnvcuvid", "libnvidia-encode", "libnvidia-opticalflow"}
)


def library_stem(soname: str) -> str:
    """``libstdc++.so.6`` -> ``libstdc++``."""
    return soname.split(".so", 1)[0]


def system_library_attribute(soname: str) -> str | None:
    """The nixpkgs attribute (a dotted path from ``pkgs``) that has a shared library."""
    return SYSTEM_SONAMES.get(soname) or SYSTEM_LIBRARIES.get(library_stem(soname))


def is_driver_library(soname: str) -> bool:
    return library_stem(soname) in DRIVER_LIBRARIES
