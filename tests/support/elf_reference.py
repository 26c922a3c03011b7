"""The whole-file ELF reader as it was before ELF members were streamed, kept as the
oracle the streaming reader is compared with (tests/test_elf_stream.py). Do not
change it to follow pypi2nix: it is what "identical results" means."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from pypi2nix.dists.elf import ElfError

ELF_MAGIC = b"\x7fELF"
_PT_LOAD, _PT_DYNAMIC = 1, 2
_DT_NULL, _DT_NEEDED, _DT_STRTAB, _DT_STRSZ, _DT_SONAME, _DT_RPATH, _DT_RUNPATH = (
    0, 1, 5, 10, 14, 15, 29,
)  # fmt: skip
_MAX_ENTRIES = 100_000


@dataclass(frozen=True, slots=True)
class DynamicSection:
    needed: tuple[str, ...]
    soname: str | None
    # DT_RUNPATH, else DT_RPATH, split at ":".
    runpath: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Layout:
    is_64: bool
    order: str  # "<" or ">"

    def unpack(self, format_64: str, format_32: str, data: bytes, offset: int) -> tuple[int, ...]:
        layout = self.order + (format_64 if self.is_64 else format_32)
        if offset < 0 or offset + struct.calcsize(layout) > len(data):
            raise ElfError("a header points past the end of the file")
        return struct.unpack_from(layout, data, offset)


def is_elf(data: bytes) -> bool:
    """Whether the bytes start like an ELF file."""
    return data[:4] == ELF_MAGIC


def read_dynamic_section(data: bytes) -> DynamicSection | None:
    """The libraries an ELF file needs; ``None`` when it has no dynamic section (a
    static binary, an object file).

    :raises ElfError: for a file that is not ELF or whose headers are inconsistent.
    """
    if not is_elf(data) or len(data) < 16 or data[4] not in (1, 2) or data[5] not in (1, 2):
        raise ElfError("not an ELF file")
    layout = _Layout(is_64=data[4] == 2, order="<" if data[5] == 1 else ">")
    phoff, phentsize, phnum = _program_header_table(layout, data)
    loads: list[tuple[int, int, int]] = []  # (vaddr, offset, filesz)
    dynamic: tuple[int, int] | None = None
    for index in range(phnum):
        kind, offset, vaddr, filesz = _program_header(layout, data, phoff + index * phentsize)
        if kind == _PT_LOAD:
            loads.append((vaddr, offset, filesz))
        elif kind == _PT_DYNAMIC:
            dynamic = (offset, filesz)
    if dynamic is None:
        return None
    entries = _dynamic_entries(layout, data, *dynamic)
    strtab = _file_offset(loads, next((v for t, v in entries if t == _DT_STRTAB), None))
    strsz = next((v for t, v in entries if t == _DT_STRSZ), 0)
    if strtab is None or strtab + strsz > len(data):
        raise ElfError("the string table is outside the file")
    strings = data[strtab : strtab + strsz]

    def text(offset: int) -> str:
        end = strings.find(b"\0", offset)
        if offset >= len(strings) or end < 0:
            raise ElfError("a name points outside the string table")
        return strings[offset:end].decode("utf-8", "replace")

    runpath = [text(v) for t, v in entries if t == _DT_RUNPATH] or [
        text(v) for t, v in entries if t == _DT_RPATH
    ]
    soname = next((text(v) for t, v in entries if t == _DT_SONAME), None)
    return DynamicSection(
        needed=tuple(text(v) for t, v in entries if t == _DT_NEEDED),
        soname=soname,
        runpath=tuple(part for path in runpath for part in path.split(":") if part),
    )


def _program_header_table(layout: _Layout, data: bytes) -> tuple[int, int, int]:
    if layout.is_64:
        (phoff,) = layout.unpack("Q", "", data, 32)
        phentsize, phnum = layout.unpack("HH", "", data, 54)
    else:
        (phoff,) = layout.unpack("", "I", data, 28)
        phentsize, phnum = layout.unpack("", "HH", data, 42)
    if phentsize < (56 if layout.is_64 else 32):
        raise ElfError("program headers are too small")
    return phoff, phentsize, phnum


def _program_header(layout: _Layout, data: bytes, at: int) -> tuple[int, int, int, int]:
    if layout.is_64:
        kind, _flags, offset, vaddr, _paddr, filesz = layout.unpack("IIQQQQ", "", data, at)
    else:
        kind, offset, vaddr, _paddr, filesz = layout.unpack("", "IIIII", data, at)
    return kind, offset, vaddr, filesz


def _dynamic_entries(layout: _Layout, data: bytes, offset: int, size: int) -> list[tuple[int, int]]:
    entry_size = 16 if layout.is_64 else 8
    entries = []
    for index in range(min(size // entry_size, _MAX_ENTRIES)):
        tag, value = layout.unpack("qQ", "iI", data, offset + index * entry_size)
        if tag == _DT_NULL:
            break
        entries.append((tag, value))
    return entries


def _file_offset(loads: list[tuple[int, int, int]], vaddr: int | None) -> int | None:
    """The file offset of a virtual address (the string table's), through the loaded
    segment that holds it."""
    if vaddr is None:
        return None
    for start, offset, size in loads:
        if start <= vaddr < start + size:
            return offset + (vaddr - start)
    return None
