"""Decompression that is bounded while it happens, never checked after the fact.

A few kB of bzip2 or concatenated compressed streams can inflate to gigabytes in a
single ``decompress`` call, so every call here passes a ``max_length``:

* :class:`StreamInflater` yields a compressed tar stream's bytes at most
  :data:`OUTPUT_STEP` at a time, across concatenated gzip, bzip2 or xz streams.
* :func:`cap_zip_member` makes :mod:`zipfile` inflate a bzip2 or lzma member to at
  most its declared size (``zipfile`` bounds only deflate by itself).
"""

from __future__ import annotations

import bz2
import lzma
import struct
import zipfile
from typing import IO, TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable

OUTPUT_STEP = 1024 * 1024
READ_SIZE = 256 * 1024


class Decompressor(Protocol):
    def decompress(self, data: bytes, /, max_length: int = -1) -> bytes: ...

    @property
    def eof(self) -> bool: ...

    @property
    def unused_data(self) -> bytes: ...


class StreamInflater:
    """The decompressed bytes of a stream of concatenated compressed streams."""

    def __init__(self, read: Callable[[int], bytes], new: Callable[[], Decompressor]) -> None:
        self._read = read
        self._new = new
        self._decompressor = new()
        self._input = b""

    def next_piece(self) -> bytes | None:
        """At most :data:`OUTPUT_STEP` more bytes; ``None`` at the end of the input.

        :raises zlib.error, OSError, EOFError, lzma.LZMAError: for corrupt data.
        """
        while True:
            if self._decompressor.eof and not self._start_next_stream():
                return None
            output = self._decompressor.decompress(self._input, OUTPUT_STEP)
            # zlib hands back the input it has not used yet; bz2 and lzma keep it.
            self._input = getattr(self._decompressor, "unconsumed_tail", b"")
            if output:
                return output
            if not self._decompressor.eof and self._needs_input() and not self._more_input():
                return None

    def _start_next_stream(self) -> bool:
        rest = self._decompressor.unused_data + self._input
        if not rest:
            rest = self._read(READ_SIZE)
            if not rest:
                return False
        self._decompressor = self._new()
        self._input = rest
        return True

    def _needs_input(self) -> bool:
        needs_input = getattr(self._decompressor, "needs_input", None)
        return not self._input if needs_input is None else bool(needs_input)

    def _more_input(self) -> bool:
        data = self._read(READ_SIZE)
        self._input += data
        return bool(data)


class _CappedZipDecompressor:
    """What :mod:`zipfile` calls to inflate a bzip2 or lzma member, producing at most
    ``cap`` bytes in all (``zipfile`` cuts the output at the declared size anyway)."""

    def __init__(self, method: int, cap: int) -> None:
        self._method = method
        self._cap = cap
        self._produced = 0
        self._header = b""
        self._inner: bz2.BZ2Decompressor | lzma.LZMADecompressor | None = (
            bz2.BZ2Decompressor() if method == zipfile.ZIP_BZIP2 else None
        )

    @property
    def eof(self) -> bool:
        return self._inner is not None and self._inner.eof

    @property
    def unused_data(self) -> bytes:
        return b"" if self._inner is None else self._inner.unused_data

    def decompress(self, data: bytes) -> bytes:
        if self._inner is None:
            data = self._start_lzma(data)
            if self._inner is None:
                return b""
        output = self._inner.decompress(data, max(0, self._cap - self._produced))
        self._produced += len(output)
        return output

    def _start_lzma(self, data: bytes) -> bytes:
        """A zip lzma member starts with a version, the size of the properties and the
        LZMA1 properties; the raw stream follows."""
        self._header += data
        if len(self._header) < 4:
            return b""
        (size,) = struct.unpack("<H", self._header[2:4])
        if len(self._header) < 4 + size or size < 5:
            return b""
        properties = self._header[4 : 4 + size]
        self._inner = lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[_lzma1_filter(properties)])
        return self._header[4 + size :]


def _lzma1_filter(properties: bytes) -> dict[str, int]:
    packed = properties[0]
    return {
        "id": lzma.FILTER_LZMA1,
        "lc": packed % 9,
        "lp": packed // 9 % 5,
        "pb": packed // 45,
        "dict_size": int.from_bytes(properties[1:5], "little"),
    }


def cap_zip_member(member: IO[bytes], info: zipfile.ZipInfo) -> None:
    """Make an opened bzip2 or lzma member inflate to at most its declared size.

    :raises ValueError: when this Python's :mod:`zipfile` cannot be bounded.
    """
    if info.compress_type not in (zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA):
        return
    if not hasattr(member, "_decompressor"):
        raise ValueError("cannot bound the decompression of this zip member")
    capped = _CappedZipDecompressor(info.compress_type, info.file_size)
    member._decompressor = capped
