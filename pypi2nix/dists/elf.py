"""The dynamic section of an ELF file: which shared libraries it needs.

A binary wheel's extension modules name, in ``DT_NEEDED`` entries, the libraries
the dynamic loader must find. Those the wheel does not ship itself and glibc does
not provide must come from the system; in nixpkgs, ``autoPatchelfHook`` finds them
in ``buildInputs``. Only the ELF header, the program headers, the dynamic segment
and the names the dynamic segment points at in the string table are read, each
bounds-checked: the bytes come from the index. The parser reads through a
:class:`ByteSource`, so a file held whole and one streamed out of a wheel
(:mod:`pypi2nix.dists.elf_stream`) are read by the same code.
"""

from __future__ import annotations

import bisect
import re
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

ELF_MAGIC = b"\x7fELF"
_PT_LOAD, _PT_DYNAMIC, _PT_GNU_EH_FRAME = 1, 2, 0x6474E550
_PF_X, _PF_W = 1, 2
_DT_NULL, _DT_NEEDED, _DT_STRTAB, _DT_STRSZ, _DT_SONAME, _DT_RPATH, _DT_RUNPATH = (
    0, 1, 5, 10, 14, 15, 29,
)  # fmt: skip
_MAX_ENTRIES = 100_000
# The first segment is read for names only this far; a longer one is read the long way.
_MAX_FIRST_SEGMENT_BYTES = 32 * 1024 * 1024
# A library's file name, as DT_NEEDED and DT_SONAME give it, between two NULs.
_SONAME = re.compile(rb"(?<=\0)[A-Za-z0-9_+-][A-Za-z0-9_+.-]*\.so(?:\.[A-Za-z0-9_+-]+)*(?=\0)")
_LONGEST_NAME = 4096

# What glibc provides on every Linux: never a library to add.
GLIBC = frozenset(
    {
        "libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1",
        "libutil.so.1", "libresolv.so.2", "libnsl.so.1", "libanl.so.1", "libmvec.so.1",
        "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1", "ld-linux.so.2",
    }
)  # fmt: skip


class ElfError(ValueError):
    """An ELF file whose headers point outside it or make no sense."""


class ByteSource(Protocol):
    """Read access to an ELF file's bytes by offset."""

    @property
    def size(self) -> int: ...

    def read_at(self, offset: int, length: int) -> bytes:
        """``length`` bytes from ``offset``, which the caller checked are in the file."""
        ...

    def pieces(self, start: int, end: int) -> Iterator[bytes]:
        """Bytes ``start..end`` (exclusive, inside the file), in order, a piece at a time."""
        ...

    def keep(self, start: int, end: int) -> None:
        """The parser may come back for bytes ``start..end``: a source read forwards
        may keep them as they pass."""
        ...


@dataclass(frozen=True, slots=True)
class BytesSource:
    """A file held whole in memory."""

    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    def read_at(self, offset: int, length: int) -> bytes:
        return self.data[offset : offset + length]

    def pieces(self, start: int, end: int) -> Iterator[bytes]:
        yield self.data[start:end]

    def keep(self, start: int, end: int) -> None:
        pass


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

    def read(self, format_64: str, format_32: str, source: ByteSource, at: int) -> tuple[int, ...]:
        """Unpack a header at ``at`` in the file, checking it lies inside."""
        layout = self.order + (format_64 if self.is_64 else format_32)
        size = struct.calcsize(layout)
        if at < 0 or at + size > source.size:
            raise ElfError("a header points past the end of the file")
        return struct.unpack(layout, source.read_at(at, size))


def is_elf(data: bytes) -> bool:
    """Whether the bytes start like an ELF file."""
    return data[:4] == ELF_MAGIC


def read_dynamic_section(data: bytes) -> DynamicSection | None:
    """The libraries an ELF file held whole needs; see :func:`read_dynamic_source`."""
    return read_dynamic_source(BytesSource(data))


def read_dynamic_source(source: ByteSource) -> DynamicSection | None:
    """The libraries an ELF file needs; ``None`` when it has no dynamic section (a
    static binary, an object file).

    :raises ElfError: for a file that is not ELF or whose headers are inconsistent.
    """
    layout = _elf_layout(source)
    phoff, phentsize, phnum = _program_header_table(layout, source)
    loads: list[tuple[int, int, int]] = []  # (vaddr, offset, filesz)
    read_only: list[tuple[int, int]] = []  # (offset, filesz) of loaded data, not code
    dynamic: tuple[int, int] | None = None
    for index in range(phnum):
        header = _program_header(layout, source, phoff + index * phentsize)
        kind, flags, offset, vaddr, filesz = header
        if kind == _PT_LOAD:
            loads.append((vaddr, offset, filesz))
            if not flags & (_PF_X | _PF_W):
                read_only.append((offset, filesz))
        elif kind == _PT_DYNAMIC:
            dynamic = (offset, filesz)
    if dynamic is None:
        return None
    # The string table is in the first read-only segment, which may follow the code:
    # a stream passes it on the way to the dynamic segment, before it is asked for.
    if read_only:
        offset, filesz = min(read_only)
        source.keep(offset, min(offset + filesz, dynamic[0], source.size))
    entries = _dynamic_entries(layout, source, *dynamic)
    strtab = _file_offset(loads, next((v for t, v in entries if t == _DT_STRTAB), None))
    strsz = next((v for t, v in entries if t == _DT_STRSZ), 0)
    if strtab is None or strtab + strsz > source.size:
        raise ElfError("the string table is outside the file")
    wanted = {v for t, v in entries if t in (_DT_NEEDED, _DT_SONAME, _DT_RPATH, _DT_RUNPATH)}
    names = _names_at(source.pieces(strtab, strtab + strsz), wanted)

    def text(offset: int) -> str:
        name = names.get(offset)
        if name is None:
            raise ElfError("a name points outside the string table")
        return name.decode("utf-8", "replace")

    runpath = [text(v) for t, v in entries if t == _DT_RUNPATH] or [
        text(v) for t, v in entries if t == _DT_RPATH
    ]
    soname = next((text(v) for t, v in entries if t == _DT_SONAME), None)
    return DynamicSection(
        needed=tuple(text(v) for t, v in entries if t == _DT_NEEDED),
        soname=soname,
        runpath=tuple(part for path in runpath for part in path.split(":") if part),
    )


def early_library_names(source: ByteSource) -> frozenset[str] | None:
    """The names of ``DT_NEEDED`` and ``DT_SONAME`` together, read from the first
    loaded segment alone, or ``None`` when that segment cannot be known to hold only
    the dynamic linker's tables.

    The dynamic section, which says which strings are needed, lies after the code;
    the string table it points at lies in the first segment, ahead of the code. When
    that segment is read-only and holds neither code nor the unwind tables (so no
    ``.rodata`` either, where a ``dlopen`` name could be), every string in it that is
    a library's file name is in the string table for ``DT_NEEDED`` or ``DT_SONAME``:
    symbol names hold no dot. A file rewritten by patchelf has its table moved to its
    end, and one with no such name gives ``None`` too: the caller reads the long way.

    :raises ElfError: as :func:`read_dynamic_source` does.
    """
    layout = _elf_layout(source)
    phoff, phentsize, phnum = _program_header_table(layout, source)
    headers = [_program_header(layout, source, phoff + i * phentsize) for i in range(phnum)]
    loads = sorted(
        (offset, filesz, flags) for kind, flags, offset, _, filesz in headers if kind == _PT_LOAD
    )
    if not loads or not any(kind == _PT_DYNAMIC for kind, *_ in headers):
        return None
    start, size, flags = loads[0]
    end = min(start + size, source.size)
    unwind = [offset for kind, _, offset, _, _ in headers if kind == _PT_GNU_EH_FRAME]
    if (
        flags & (_PF_X | _PF_W)
        or size > _MAX_FIRST_SEGMENT_BYTES
        or any(start <= at < end for at in unwind)
    ):
        return None
    names = _library_names(source.pieces(start, end))
    return names or None


def _library_names(pieces: Iterable[bytes]) -> frozenset[str]:
    """Every string between two NULs that is a library's file name, the bytes given
    piece by piece; what runs longer than any name is let go."""
    names: set[str] = set()
    carry = b""
    for piece in pieces:
        data = carry + piece
        cut = data.rfind(b"\0")
        if cut < 0:
            carry = b"" if len(data) > _LONGEST_NAME else data
            continue
        names.update(match.group().decode("ascii") for match in _SONAME.finditer(data, 0, cut + 1))
        carry = data[cut:] if len(data) - cut <= _LONGEST_NAME else b""
    return frozenset(names)


def _elf_layout(source: ByteSource) -> _Layout:
    ident = source.read_at(0, min(16, source.size))
    if not is_elf(ident) or len(ident) < 16 or ident[4] not in (1, 2) or ident[5] not in (1, 2):
        raise ElfError("not an ELF file")
    return _Layout(is_64=ident[4] == 2, order="<" if ident[5] == 1 else ">")


def _program_header_table(layout: _Layout, source: ByteSource) -> tuple[int, int, int]:
    if layout.is_64:
        (phoff,) = layout.read("Q", "", source, 32)
        phentsize, phnum = layout.read("HH", "", source, 54)
    else:
        (phoff,) = layout.read("", "I", source, 28)
        phentsize, phnum = layout.read("", "HH", source, 42)
    if phentsize < (56 if layout.is_64 else 32):
        raise ElfError("program headers are too small")
    return phoff, phentsize, phnum


def _program_header(layout: _Layout, source: ByteSource, at: int) -> tuple[int, int, int, int, int]:
    """``(type, flags, offset, vaddr, filesz)`` of the program header at ``at``."""
    if layout.is_64:
        kind, flags, offset, vaddr, _paddr, filesz = layout.read("IIQQQQ", "", source, at)
    else:
        kind, offset, vaddr, _paddr, filesz, _memsz, flags = layout.read("", "IIIIIII", source, at)
    return kind, flags, offset, vaddr, filesz


def _dynamic_entries(
    layout: _Layout, source: ByteSource, offset: int, size: int
) -> list[tuple[int, int]]:
    """The entries up to ``DT_NULL``; only the part of the segment inside the file is
    read, and an entry that runs past the end of the file is an error."""
    entry_size = 16 if layout.is_64 else 8
    count = min(size // entry_size, _MAX_ENTRIES)
    inside = max(0, min(count * entry_size, source.size - offset))
    data = source.read_at(offset, inside) if inside else b""
    entries = []
    for index in range(count):
        tag, value = layout.unpack("qQ", "iI", data, index * entry_size)
        if tag == _DT_NULL:
            break
        entries.append((tag, value))
    return entries


def _names_at(pieces: Iterable[bytes], offsets: set[int]) -> dict[int, bytes]:
    """The NUL-terminated names that start at ``offsets`` in the string table given
    piece by piece; an offset whose name does not end inside the table is left out.
    What is kept is the table from the first name not ended yet, never more."""
    pending = sorted(offsets)
    waiting: list[int] = []  # started, with no NUL from them up to ``position``
    span_start, span = 0, bytearray()
    names: dict[int, bytes] = {}
    position = 0
    for piece in pieces:
        end = position + len(piece)
        split = bisect.bisect_left(pending, end)
        starting, pending = pending[:split], pending[split:]
        if not waiting:
            span_start, span = (starting[0] if starting else end), bytearray()
        span += piece[max(0, span_start - position) :]
        waiting = _end_names(span, span_start, position, [*waiting, *starting], names)
        if waiting:
            del span[: waiting[0] - span_start]
            span_start = waiting[0]
        position = end
        if not pending and not waiting:
            break
    return names


def _end_names(
    span: bytearray, span_start: int, scanned: int, offsets: list[int], names: dict[int, bytes]
) -> list[int]:
    """Add to ``names`` those of ``offsets`` (sorted) that end in ``span``, whose bytes
    before ``scanned`` hold no NUL after the offsets already started; return the
    offsets still waiting for their NUL."""
    terminator = -1
    for index, offset in enumerate(offsets):
        at = max(offset, scanned) - span_start
        if terminator < at:
            terminator = span.find(b"\0", at)
            if terminator < 0:
                return offsets[index:]  # no NUL after this offset, nor after later ones
        names[offset] = bytes(span[offset - span_start : terminator])
    return []


def _file_offset(loads: list[tuple[int, int, int]], vaddr: int | None) -> int | None:
    """The file offset of a virtual address (the string table's), through the loaded
    segment that holds it."""
    if vaddr is None:
        return None
    for start, offset, size in loads:
        if start <= vaddr < start + size:
            return offset + (vaddr - start)
    return None
