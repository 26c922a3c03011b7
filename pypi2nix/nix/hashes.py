"""Nix's hash encodings: the one place a digest becomes an SRI string or nix32.

``fetchurl`` and ``fetchPypi`` check the sha256 of the file itself; ``fetchgit`` and
``fetchFromGitHub`` that of the NAR of the tree (see :mod:`pypi2nix.sources.nar`).
Both are written as SRI strings (``sha256-`` and base64).
"""

from __future__ import annotations

import base64

NIX32_ALPHABET = "0123456789abcdfghijklmnpqrsvwxyz"


def sri_sha256(digest: bytes) -> str:
    """``sha256-<base64>``, the form of ``hash = ...`` in nixpkgs."""
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def nix32(digest: bytes) -> str:
    """Nix's own base32 (not RFC 4648): 5-bit groups of the little-endian bit string,
    most significant group first."""
    length = (len(digest) * 8 - 1) // 5 + 1
    characters = []
    for group in range(length - 1, -1, -1):
        byte, bit = divmod(group * 5, 8)
        value = digest[byte] >> bit
        if byte + 1 < len(digest):
            value |= digest[byte + 1] << (8 - bit)
        characters.append(NIX32_ALPHABET[value & 0x1F])
    return "".join(characters)
