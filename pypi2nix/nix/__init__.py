"""Pure renderers: pinned data in, Nix text out."""
