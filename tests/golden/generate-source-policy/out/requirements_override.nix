# Your changes to the packages of requirements.nix. pypi2nix writes this file
# once and never touches it again.
#
# It is an overlay of the Python package set: `self` is the final set, `super`
# the set before this file. Examples:
#
#   # Apply a patch:
#   foo = super.foo.overridePythonAttrs (old: {
#     patches = (old.patches or [ ]) ++ [ ./fix-foo.patch ];
#   });
#
#   # Link a native library (and find it with pkg-config):
#   bar = super.bar.overridePythonAttrs (old: {
#     buildInputs = (old.buildInputs or [ ]) ++ [ pkgs.libxml2 ];
#     nativeBuildInputs = (old.nativeBuildInputs or [ ]) ++ [ pkgs.pkg-config ];
#   });
#
#   # Use a different version:
#   baz = super.baz.overridePythonAttrs (old: rec {
#     version = "2.0.0";
#     src = pkgs.fetchPypi {
#       pname = "baz";
#       inherit version;
#       hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
#     };
#   });
{ pkgs, python }:

self: super: {
}
