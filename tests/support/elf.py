"""Minimal ELF shared objects for the fixture wheels, written by hand.

Each holds only a dynamic section (``DT_NEEDED``, ``DT_SONAME``, ``DT_RUNPATH``):
enough for ``readelf -d`` and for pypi2nix to see which libraries it needs, nothing
to run. Regenerate the fixture files with ``python -m tests.support.elf``.
"""

from __future__ import annotations

import struct
from pathlib import Path

PACKAGES = Path(__file__).resolve().parents[2] / "fixtures" / "packages"

# fixture file -> (needed, soname, runpath)
FIXTURE_OBJECTS: dict[str, tuple[list[str], str | None, str | None]] = {
    "binpkg-1.0.0/binpkg/_native.cpython-311-x86_64-linux-gnu.so": (["libc.so.6"], None, None),
    "cxxpkg-1.0.0/cxxpkg/_native.cpython-311-x86_64-linux-gnu.so": (
        ["libstdc++.so.6", "libbundled-5e1f.so.1", "libm.so.6", "libc.so.6"],
        None,
        "$ORIGIN/../cxxpkg.libs",
    ),
    "cxxpkg-1.0.0/cxxpkg.libs/libbundled-5e1f.so.1": (
        ["libz.so.1", "libc.so.6"],
        "libbundled-5e1f.so.1",
        None,
    ),
}

_DT_NEEDED, _DT_STRTAB, _DT_STRSZ, _DT_SONAME, _DT_RUNPATH = 1, 5, 10, 14, 29


def shared_object(needed: list[str], soname: str | None, runpath: str | None) -> bytes:
    """An ELF64 little-endian x86-64 shared object with one loaded segment."""
    strings = b"\0"
    offsets: dict[str, int] = {}
    for text in [*needed, *(item for item in (soname, runpath) if item)]:
        offsets[text] = len(strings)
        strings += text.encode() + b"\0"
    header_size, program_header_size, program_headers = 64, 56, 2
    strtab_at = header_size + program_header_size * program_headers
    dynamic_at = (strtab_at + len(strings) + 7) // 8 * 8
    entries = [(_DT_NEEDED, offsets[name]) for name in needed]
    entries += [(_DT_SONAME, offsets[soname])] if soname else []
    entries += [(_DT_RUNPATH, offsets[runpath])] if runpath else []
    entries += [(_DT_STRTAB, strtab_at), (_DT_STRSZ, len(strings)), (0, 0)]
    dynamic = b"".join(struct.pack("<qQ", tag, value) for tag, value in entries)
    size = dynamic_at + len(dynamic)
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    header = ident + struct.pack(
        "<HHIQQQIHHHHHH", 3, 62, 1, 0, header_size, 0, 0, header_size,
        program_header_size, program_headers, 64, 0, 0,
    )  # fmt: skip
    load = struct.pack("<IIQQQQQQ", 1, 6, 0, 0, 0, size, size, 0x1000)
    dynamic_header = struct.pack(
        "<IIQQQQQQ", 2, 6, dynamic_at, dynamic_at, dynamic_at, len(dynamic), len(dynamic), 8
    )
    data = header + load + dynamic_header + strings
    return data + bytes(dynamic_at - len(data)) + dynamic


def write_fixture_objects() -> None:
    for relative, (needed, soname, runpath) in FIXTURE_OBJECTS.items():
        path = PACKAGES / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(shared_object(needed, soname, runpath))


if __name__ == "__main__":
    write_fixture_objects()
