"""The initial ``requirements_override.nix``: an empty overlay with worked examples."""

from __future__ import annotations

from pypi2nix.nix.escape import nix_comment

# The comment above the overlay, after its first line (which names the file).
_EXAMPLES = """\
once and never touches it again.

It is an overlay of the Python package set: `self` is the final set, `super`
the set before this file. Examples:

  # Apply a patch:
  foo = super.foo.overridePythonAttrs (old: {
    patches = (old.patches or [ ]) ++ [ ./fix-foo.patch ];
  });

  # Link a native library (and find it with pkg-config):
  bar = super.bar.overridePythonAttrs (old: {
    buildInputs = (old.buildInputs or [ ]) ++ [ pkgs.libxml2 ];
    nativeBuildInputs = (old.nativeBuildInputs or [ ]) ++ [ pkgs.pkg-config ];
  });

  # Use a different version:
  baz = super.baz.overridePythonAttrs (old: rec {
    version = "2.0.0";
    src = pkgs.fetchPypi {
      pname = "baz";
      inherit version;
      hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    };
  });
"""
_OVERLAY = """\
{ pkgs, python }:

self: super: {
}
"""


def render_override_nix(*, generated_file: str) -> str:
    first = f"Your changes to the packages of {generated_file}. pypi2nix writes this file"
    comment = [nix_comment(line) for line in (first, *_EXAMPLES.splitlines())]
    return "\n".join(comment) + "\n" + _OVERLAY
