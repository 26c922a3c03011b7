# A stand-in for the small part of nixpkgs that pypi2nix's output uses. Test-only.
#
#   import ./tests/nixpkgs {
#     hostPython = "/usr/bin/python3";   # builds run with this interpreter
#     pythonVersion = "3.11";            # its version: the set is pkgs.python311
#     baseWheels = ./base-wheels.json;   # the "nixpkgs" packages: build tools as wheels
#     servedUrls = ./served-urls.json;   # the URLs the files host answers (see
#                                        # fetchers.nix); null: any
#     system = "aarch64-darwin";         # stdenv.hostPlatform.system (default: this one)
#     otherPythons = [ "3.12" ];         # more interpreters, pkgs.python312: they run
#   }                                    # the host's Python too, so evaluate only
{
  hostPython,
  pythonVersion,
  baseWheels,
  filesHost ? "files.example.test",
  servedUrls ? null,
  system ? builtins.currentSystem,
  otherPythons ? [ ],
}:
let
  lib = import ./lib.nix;
  # The base wheels are served too, at the stand-in's own path for them.
  baseUrls = map (info: "https://${filesHost}/base/${info.file}") (
    builtins.attrValues (builtins.fromJSON (builtins.readFile baseWheels))
  );
  served =
    if servedUrls == null then
      null
    else
      builtins.listToAttrs (
        map (url: {
          name = url;
          value = true;
        }) (builtins.fromJSON (builtins.readFile servedUrls) ++ baseUrls)
      );
  fetchers = import ./fetchers.nix { inherit filesHost served; };
  attributeOf = version: "python" + builtins.replaceStrings [ "." ] [ "" ] version;
  pythonAttribute = attributeOf pythonVersion;
  interpreter =
    version:
    import ./python.nix {
      inherit lib hostPython baseWheels filesHost;
      pythonVersion = version;
      inherit (fetchers) fetchurl;
      topLevel = pkgs;
    };
  python = interpreter pythonVersion;
  otherInterpreters = builtins.listToAttrs (
    map (version: {
      name = attributeOf version;
      value = interpreter version;
    }) otherPythons
  );
  # The nixpkgs packages that have the shared libraries binary wheels need (what a
  # wheel's native code may link against), made of the host's own copies. A package
  # whose library the host lacks still evaluates; its users then fail the check.
  systemLibraries = {
    stdenv.hostPlatform.system = system;
    stdenv.cc.cc.lib = hostLibraries "gcc-lib" [
      "libstdc++.so.6" "libgcc_s.so.1" "libgomp.so.1" "libgomp.so.1.0.0" "libatomic.so.1"
      "libquadmath.so.0"
    ];
    gfortran.cc.lib = hostLibraries "gfortran-lib" [ "libgfortran.so.5" "libquadmath.so.0" ];
    zlib = hostLibraries "zlib" [ "libz.so.1" ];
    bzip2 = hostLibraries "bzip2" [ "libbz2.so.1.0" ];
    xz = hostLibraries "xz" [ "liblzma.so.5" ];
    zstd = hostLibraries "zstd" [ "libzstd.so.1" ];
    expat = hostLibraries "expat" [ "libexpat.so.1" ];
    libffi = hostLibraries "libffi" [ "libffi.so.8" ];
    openssl = hostLibraries "openssl" [ "libssl.so.3" "libcrypto.so.3" ];
    libxcrypt = hostLibraries "libxcrypt" [ "libcrypt.so.1" ];
    libuuid = hostLibraries "libuuid" [ "libuuid.so.1" ];
    sqlite = hostLibraries "sqlite" [ "libsqlite3.so.0" ];
    libxml2 = hostLibraries "libxml2" [ "libxml2.so.2" ];
    libxslt = hostLibraries "libxslt" [ "libxslt.so.1" "libexslt.so.0" ];
    libjpeg = hostLibraries "libjpeg" [ "libjpeg.so.62" ];
    libpng = hostLibraries "libpng" [ "libpng16.so.16" ];
    libtiff = hostLibraries "libtiff" [ "libtiff.so.6" ];
    freetype = withHeaders [ "/usr/include/freetype2" ] (hostLibraries "freetype" [ "libfreetype.so.6" ]);
    qhull = withHeaders [ "/usr/include/libqhull_r" "/usr/include/libqhull" ] (
      hostLibraries "qhull" [ "libqhull_r.so.8.0" ]
    );
    fontconfig = hostLibraries "fontconfig" [ "libfontconfig.so.1" ];
    libpq = hostLibraries "libpq" [ "libpq.so.5" ];
    libyaml = hostLibraries "libyaml" [ "libyaml-0.so.2" ];
    libGL = hostLibraries "libGL" [ "libGL.so.1" "libEGL.so.1" "libOpenGL.so.0" ];
    glib = hostLibraries "glib" [
      "libglib-2.0.so.0" "libgobject-2.0.so.0" "libgthread-2.0.so.0" "libgio-2.0.so.0"
    ];
    xorg = {
      libX11 = hostLibraries "libX11" [ "libX11.so.6" ];
      libXext = hostLibraries "libXext" [ "libXext.so.6" ];
      libXrender = hostLibraries "libXrender" [ "libXrender.so.1" ];
      libICE = hostLibraries "libICE" [ "libICE.so.6" ];
      libSM = hostLibraries "libSM" [ "libSM.so.6" ];
      libxcb = hostLibraries "libxcb" [ "libxcb.so.1" ];
    };
    alsa-lib = hostLibraries "alsa-lib" [ "libasound.so.2" ];
    dbus = hostLibraries "dbus" [ "libdbus-1.so.3" ];
    numactl = hostLibraries "numactl" [ "libnuma.so.1" ];
    libxkbcommon = hostLibraries "libxkbcommon" [ "libxkbcommon.so.0" ];
    udev = hostLibraries "udev" [ "libudev.so.1" ];
    gdal = hostLibraries "gdal" [ "libgdal.so.32" ];
    geos = hostLibraries "geos" [ "libgeos_c.so.1" ];
    proj = hostLibraries "proj" [ "libproj.so.25" ];
    hdf5 = hostLibraries "hdf5" [ "libhdf5.so.103" ];
    cairo = hostLibraries "cairo" [ "libcairo.so.2" ];
    pango = hostLibraries "pango" [ "libpango-1.0.so.0" ];
    # nixpkgs' tbb has these; the host does not (numba's tbbpool links it): stubs.
    tbb = stubLibraries "tbb" [ "libtbb.so.12" "libtbbmalloc.so.2" ];
    # The RDMA and HPC stack of GPU wheels, which the host does not have: stubs.
    rdma-core = stubLibraries "rdma-core" [
      "libibverbs.so.1" "librdmacm.so.1" "libibumad.so.3" "libmlx5.so.1" "libmlx4.so.1"
      "libefa.so.1" "libmana.so.1"
    ];
    libfabric = stubLibraries "libfabric" [ "libfabric.so.1" ];
    pmix = stubLibraries "pmix" [ "libpmix.so.2" ];
    ucx = stubLibraries "ucx" [ "libucp.so.0" "libucs.so.0" "libuct.so.0" "libucm.so.0" ];
    openmpi = stubLibraries "openmpi" [ "libmpi.so.40" "liboshmem.so.40" ];
  };

  # A package whose headers (and pkg-config file) are the host's, in these folders: a
  # build from source sees them only with the package in buildInputs, as in nixpkgs
  # (build-python-package.sh hides them otherwise).
  withHeaders = headers: package: package // { standInHeaders = headers; };
  # The header folders of every such package.
  standInHeaders = lib.concatMap (package: package.standInHeaders or [ ]) (
    builtins.attrValues systemLibraries
  );

  # The host's shared libraries, as the nixpkgs packages that have them.
  hostLibraries =
    name: libraries:
    derivation {
      inherit name;
      libraries = toString libraries;
      system = builtins.currentSystem;
      builder = "/bin/sh";
      args = [ ./host-libraries.sh ];
      PATH = "/usr/bin:/bin";
    };
  # Shared objects with just the given sonames, for libraries the host lacks.
  stubLibraries =
    name: libraries:
    derivation {
      inherit name;
      libraries = toString libraries;
      system = builtins.currentSystem;
      builder = "/bin/sh";
      args = [ ./stub-libraries.sh ];
      PATH = "/usr/bin:/bin";
    };
  pkgs = systemLibraries // otherInterpreters // {
    inherit lib;
    # The Rust tooling: hooks, and a vendoring fetcher that is a fixed output like
    # nixpkgs' (with lib.fakeHash it fails and prints the hash it got).
    rustPlatform = {
      cargoSetupHook = { isSetupHook = true; name = "cargo-setup-hook"; };
      maturinBuildHook = { isSetupHook = true; name = "maturin-build-hook"; };
      fetchCargoVendor =
        { src, hash, pname ? "source", version ? "", ... }:
        derivation {
          name = "${pname}-${version}-vendor";
          system = builtins.currentSystem;
          builder = "/bin/sh";
          args = [ "-c" "echo vendored crates > $out" ];
          inherit src;
          outputHashMode = "flat";
          outputHashAlgo = "sha256";
          outputHash = hash;
        };
    };
    # A file in the store with the given text, as nixpkgs' trivial builder.
    writeText =
      name: text:
      derivation {
        inherit name text;
        system = builtins.currentSystem;
        builder = "/bin/sh";
        args = [ "-c" "printf '%s' \"$text\" > $out" ];
      };
    inherit (fetchers)
      fetchurl
      fetchPypi
      fetchPypiUrl
      fetchgit
      fetchFromGitHub
      ;
    inherit standInHeaders;
    # meson and ninja, as meson-python's builds take them: the meson program comes with
    # the meson Python package meson-python depends on, ninja is the host's.
    meson = {
      isSetupHook = true;
      name = "meson";
    };
    ninja = {
      isSetupHook = true;
      name = "ninja";
    };
    # pkg-config's hook: without it a build from source finds no pkg-config.
    pkg-config = {
      isSetupHook = true;
      name = "pkg-config";
    };
    # Accepted in nativeBuildInputs; the stand-in's builds run on the host's Python.
    autoPatchelfHook = {
      isSetupHook = true;
      name = "auto-patchelf-hook";
    };
    ${pythonAttribute} = python;
    python3 = python;
    python3Packages = python.pkgs;
    mkShell =
      {
        packages ? [ ],
        buildInputs ? [ ],
        nativeBuildInputs ? [ ],
        shellHook ? "",
        name ? "shell",
      }:
      derivation {
        inherit name shellHook;
        system = builtins.currentSystem;
        builder = "/bin/sh";
        args = [ "-c" "echo $packages > $out" ];
        packages = packages ++ buildInputs ++ nativeBuildInputs;
      };
  };
in
pkgs
