"""A lean reader for streamed, compressed tar archives (sdists).

:mod:`tarfile` reads a stream through several Python layers in 8 kB steps and builds
an object per member; a large sdist has thousands of members and is read up to its
``pyproject.toml``, so that overhead dominated. This reader decompresses large
chunks (zlib, bz2 and lzma release the GIL, so several sdists decompress at once on
several cores; :mod:`pypi2nix.dists.inflate` bounds each step) and walks the
512-byte headers of a buffer. It understands what build tools write: ustar, GNU long
names and PAX extended headers.

Only regular files are reported; their names are never used as paths.
"""

from __future__ import annotations

import bz2
import lzma
import zlib
from typing import TYPE_CHECKING

from pypi2nix.dists.inflate import StreamInflater

if TYPE_CHECKING:
    from collections.abc import Callable

    from pypi2nix.dists.inflate import Decompressor
    from pypi2nix.dists.streams import Readable

BLOCK = 512
_REGULAR = frozenset(b"0\x007")


class TarError(ValueError):
    """A corrupt archive, or one that breaks a limit."""


def _decompressor(filename: str) -> Callable[[], Decompressor]:
    if filename.endswith((".tar.gz", ".tgz")):
        return lambda: zlib.decompressobj(wbits=31)
    if filename.endswith(".tar.bz2"):
        return bz2.BZ2Decompressor
    if filename.endswith(".tar.xz"):
        return lzma.LZMADecompressor
    raise TarError(f"unsupported archive type: {filename}")


class _Unpacked:
    """The decompressed bytes of a stream, pulled on demand and counted."""

    def __init__(self, stream: Readable, filename: str, limit: int) -> None:
        self._inflater = StreamInflater(stream.read, _decompressor(filename))
        self._buffer = b""
        self._offset = 0
        self._limit = limit
        self.unpacked = 0

    def take(self, size: int) -> bytes:
        """Exactly ``size`` bytes (fewer only at the end of the stream)."""
        while len(self._buffer) - self._offset < size and self._fill():
            pass
        data = self._buffer[self._offset : self._offset + size]
        self._offset += len(data)
        return data

    def skip(self, size: int) -> None:
        while len(self._buffer) - self._offset < size:
            size -= len(self._buffer) - self._offset
            self._buffer, self._offset = b"", 0
            if not self._fill():
                raise TarError("the archive ends in the middle of a member")
        self._offset += size

    def _fill(self) -> bool:
        try:
            data = self._inflater.next_piece()
        except (zlib.error, OSError, EOFError, lzma.LZMAError) as error:
            raise TarError(f"the archive is corrupt ({error})") from error
        if data is None:
            return False
        self.unpacked += len(data)
        if self.unpacked > self._limit:
            raise TarError(f"the archive unpacks to more than {self._limit} bytes")
        self._buffer = self._buffer[self._offset :] + data
        self._offset = 0
        return True


def walk(
    stream: Readable,
    filename: str,
    visit: Callable[[str, int, Callable[[], bytes]], bool],
    *,
    unpacked_limit: int,
    member_limit: int,
    max_members: int,
) -> bool:
    """Call ``visit(name, size, read)`` for each regular file; stop when it says so.

    :returns: ``True`` when the whole archive was walked, ``False`` when stopped.
    :raises TarError: for a corrupt archive or a broken limit.
    """
    unpacked = _Unpacked(stream, filename, unpacked_limit)
    long_name: str | None = None
    pax: dict[str, str] = {}
    for count in range(max_members + 1):
        header = unpacked.take(BLOCK)
        if len(header) < BLOCK or header == bytes(BLOCK):
            return True
        if count == max_members:
            raise TarError(f"the archive has more than {max_members} members")
        _check(header)
        kind = header[156]
        size = int(pax.get("size", _number(header[124:136])))
        padded = -(-size // BLOCK) * BLOCK
        if kind in (ord("L"), ord("x"), ord("g")):
            if size > member_limit:
                raise TarError("an extended header is too large")
            data = unpacked.take(padded)[:size]
            if kind == ord("L"):
                long_name = _text(data.rstrip(b"\0"))
            elif kind == ord("x"):
                pax = _pax_records(data)
            continue
        name = pax.get("path") or long_name or _ustar_name(header)
        long_name, pax = None, {}
        if kind not in _REGULAR:
            unpacked.skip(padded)
            continue
        member = _Member(unpacked, name, size, member_limit)
        if visit(name, size, member.read):
            return False
        unpacked.skip(padded - size if member.taken else padded)
    raise TarError(f"the archive has more than {max_members} members")


class _Member:
    """A regular file of the archive; ``read`` takes its bytes (once)."""

    def __init__(self, unpacked: _Unpacked, name: str, size: int, limit: int) -> None:
        self._unpacked = unpacked
        self._name = name
        self._size = size
        self._limit = limit
        self.taken = False

    def read(self) -> bytes:
        if self._size > self._limit:
            raise TarError(f"{self._name} is larger than {self._limit} bytes")
        if self.taken:
            raise TarError(f"{self._name} was read twice")
        self.taken = True
        data = self._unpacked.take(self._size)
        if len(data) < self._size:
            raise TarError("the archive ends in the middle of a member")
        return data


def _check(header: bytes) -> None:
    stored = header[148:156].split(b"\0", 1)[0].strip()
    try:
        expected = int(stored, 8)
    except ValueError as error:
        raise TarError("a member header is corrupt") from error
    actual = sum(header[:148]) + sum(header[156:]) + 8 * 32
    if actual != expected:
        raise TarError("a member header is corrupt (bad checksum)")


def _number(field: bytes) -> int:
    if field[0] & 0x80:  # GNU base-256 for large sizes
        return int.from_bytes(field[1:], "big")
    text = field.split(b"\0", 1)[0].strip()
    try:
        return int(text, 8) if text else 0
    except ValueError as error:
        raise TarError("a member header is corrupt") from error


def _ustar_name(header: bytes) -> str:
    name = header[:100].split(b"\0", 1)[0]
    if header[257:262] == b"ustar":
        prefix = header[345:500].split(b"\0", 1)[0]
        if prefix:
            name = prefix + b"/" + name
    return _text(name)


def _pax_records(data: bytes) -> dict[str, str]:
    records: dict[str, str] = {}
    position = 0
    while position < len(data):
        space = data.find(b" ", position)
        if space == -1:
            break
        try:
            length = int(data[position:space])
        except ValueError as error:
            raise TarError("a PAX header is corrupt") from error
        if length <= 0:
            raise TarError("a PAX header is corrupt")
        record = data[space + 1 : position + length - 1]
        key, _, value = record.partition(b"=")
        records[_text(key)] = _text(value)
        position += length
    return records


def _text(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")
