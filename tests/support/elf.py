"""Minimal ELF shared objects for the fixture wheels, written by hand.

Each holds only a dynamic section (``DT_NEEDED``, ``DT_SONAME``, ``DT_RUNPATH``):
enough for ``readelf -d`` and for pypi2nix to see which libraries it needs, nothing
to run. Regenerate the fixture files with ``python -m tests.support.elf``.
"""

from __future__ import annotations

import random
import struct
from dataclasses import dataclass
from pathlib import Path

PACKAGES = Path(__file__).resolve().parents[2] / "fixtures" / "packages"

# fixture file -> (needed, soname, runpath)
FIXTURE_OBJECTS: dict[str, tuple[list[str], str | None, str | None]] = {
    "binpkg-1.0.0/binpkg/_native.cpython-311-x86_64-linux-gnu.so": (["libc.so.6"], None, None),
    "hpcpkg-1.0.0/hpcpkg/_native.cpython-311-x86_64-linux-gnu.so": (
        ["libibverbs.so.1", "libfabric.so.1", "libc.so.6"],
        None,
        None,
    ),
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

_DT_NEEDED, _DT_STRTAB, _DT_STRSZ, _DT_SONAME, _DT_RPATH, _DT_RUNPATH = 1, 5, 10, 14, 15, 29


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


@dataclass(frozen=True)
class Layout:
    """Where the parts of an ELF file built by :func:`elf_file` go.

    ``order`` lists the file's blocks after the ELF header: ``p`` the program headers,
    ``s`` the string table, ``d`` the dynamic segment, ``g`` a gap of ``gap`` bytes
    (a stand-in for code or data). The first loaded segment covers the file up to the
    block ``split`` (an index into ``order``); the second, from there to the end, is
    mapped at another address, as a shared object's writable segment is.
    """

    is_64: bool = True
    big_endian: bool = False
    order: str = "psgd"
    split: int = 3
    gap: int = 0
    tail: int = 0  # bytes after everything (debug sections, say)
    with_strtab: bool = True
    # The p_flags of the two loaded segments (4 = R, 5 = R E, 6 = RW).
    flags: tuple[int, int] = (6, 6)
    # The gap and the tail hold pseudo-random bytes (which do not compress), not zeros.
    noise: bool = False


def elf_file(
    needed: list[str],
    soname: str | None = None,
    runpath: str | None = None,
    rpath: str | None = None,
    layout: Layout = Layout(),
) -> bytes:
    """An ELF shared object with a dynamic segment, laid out as ``layout`` says."""
    order = ">" if layout.big_endian else "<"
    strings = b"\0"
    offsets: dict[str, int] = {}
    for text in [*needed, *(item for item in (soname, runpath, rpath) if item)]:
        offsets.setdefault(text, len(strings))
        strings += text.encode() + b"\0"
    tags = [(_DT_NEEDED, offsets[name]) for name in needed]
    tags += [(_DT_SONAME, offsets[soname])] if soname else []
    tags += [(_DT_RUNPATH, offsets[runpath])] if runpath else []
    tags += [(_DT_RPATH, offsets[rpath])] if rpath else []
    entry = "qQ" if layout.is_64 else "iI"
    entry_size = struct.calcsize(order + entry)
    dynamic_size = entry_size * (len(tags) + 3)
    header_size, ph_size = (64, 56) if layout.is_64 else (52, 32)
    sizes = {"p": 3 * ph_size, "s": len(strings), "d": dynamic_size, "g": layout.gap}
    at, position = {}, header_size
    for block in layout.order:
        position = (position + 7) // 8 * 8
        at[block] = position
        position += sizes[block]
    total = position + layout.tail
    split = at[layout.order[layout.split]] if layout.split < len(layout.order) else total
    second_base = 0x10_0000  # the second segment's address minus its file offset

    def address(offset: int) -> int:
        return offset if offset < split else offset + second_base

    tags += [(_DT_STRTAB, address(at["s"]))] if layout.with_strtab else []
    tags += [(_DT_STRSZ, len(strings)), (0, 0)]
    dynamic = b"".join(struct.pack(order + entry, tag, value) for tag, value in tags)
    segments = [
        (1, layout.flags[0], 0, 0, split),
        (1, layout.flags[1], split, split + second_base, total - split),
        (2, 6, at["d"], address(at["d"]), dynamic_size),
    ]
    program = b"".join(_program_header(layout, order, *segment) for segment in segments)
    data = bytearray(total)
    if layout.noise:
        noise = random.Random(total).randbytes
        if layout.gap:
            data[at["g"] : at["g"] + layout.gap] = noise(layout.gap)
        data[total - layout.tail :] = noise(layout.tail)
    data[0:header_size] = _elf_header(layout, order, at["p"], ph_size)
    for block, content in (("p", program), ("s", strings), ("d", dynamic)):
        data[at[block] : at[block] + len(content)] = content
    return bytes(data)


def _elf_header(layout: Layout, order: str, phoff: int, ph_size: int) -> bytes:
    ident = b"\x7fELF" + bytes([2 if layout.is_64 else 1, 2 if layout.big_endian else 1, 1])
    ident += bytes(16 - len(ident))
    if layout.is_64:
        rest = struct.pack(
            order + "HHIQQQIHHHHHH", 3, 62, 1, 0, phoff, 0, 0, 64, ph_size, 3, 64, 0, 0
        )
    else:
        rest = struct.pack(
            order + "HHIIIIIHHHHHH", 3, 3, 1, 0, phoff, 0, 0, 52, ph_size, 3, 40, 0, 0
        )
    return ident + rest


def _program_header(
    layout: Layout, order: str, kind: int, flags: int, offset: int, vaddr: int, size: int
) -> bytes:
    if layout.is_64:
        return struct.pack(order + "IIQQQQQQ", kind, flags, offset, vaddr, vaddr, size, size, 8)
    return struct.pack(order + "IIIIIIII", kind, offset, vaddr, vaddr, size, size, flags, 8)


def write_fixture_objects() -> None:
    for relative, (needed, soname, runpath) in FIXTURE_OBJECTS.items():
        path = PACKAGES / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(shared_object(needed, soname, runpath))


if __name__ == "__main__":
    write_fixture_objects()
