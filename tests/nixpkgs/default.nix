# A stand-in for the small part of nixpkgs that pypi2nix's output uses. Test-only.
#
#   import ./tests/nixpkgs {
#     hostPython = "/usr/bin/python3";   # builds run with this interpreter
#     pythonVersion = "3.11";            # its version: the set is pkgs.python311
#     baseWheels = ./base-wheels.json;   # the "nixpkgs" packages: build tools as wheels
#   }
{
  hostPython,
  pythonVersion,
  baseWheels,
  filesHost ? "files.example.test",
}:
let
  lib = import ./lib.nix;
  fetchers = import ./fetchers.nix { inherit filesHost; };
  pythonAttribute = "python" + builtins.replaceStrings [ "." ] [ "" ] pythonVersion;
  python = import ./python.nix {
    inherit lib hostPython pythonVersion baseWheels filesHost;
    inherit (fetchers) fetchurl;
    topLevel = pkgs;
  };
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
  pkgs = {
    inherit lib;
    stdenv.cc.cc.lib = hostLibraries "gcc-lib" [ "libstdc++.so.6" "libgcc_s.so.1" "libgomp.so.1" ];
    zlib = hostLibraries "zlib" [ "libz.so.1" ];
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
    inherit (fetchers)
      fetchurl
      fetchPypi
      fetchPypiUrl
      fetchgit
      fetchFromGitHub
      ;
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
