"""An ELF file read as it is decompressed out of a wheel, never held whole.

The parser (:mod:`pypi2nix.dists.elf`) asks for the ELF header, the program headers,
the dynamic segment and, last, the string table. In a shared object the string table
usually comes first, in the first loaded segment, and the dynamic segment near the
end of the loaded bytes, so the first :data:`WINDOW_BYTES` of the file are kept as
they go by; so is the part the parser says it may come back for (the first read-only
segment, which some linkers put after the code), up to :data:`MAX_KEPT_PART_BYTES`.
The rest is passed over. A part asked for behind the stream and outside what was
kept is read again from the start of the member, so nothing is ever guessed.
The stream stops once the parser has what it asked for: debug sections and the like
that follow are never decompressed.
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING

from pypi2nix.dists.elf import ElfError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

WINDOW_BYTES = 4 * 1024 * 1024
MAX_KEPT_PART_BYTES = 16 * 1024 * 1024
PIECE_BYTES = 256 * 1024


class StreamSource:
    """The bytes of a file of ``size`` bytes that ``open_stream`` opens from its start,
    read forwards with the first ``window`` bytes kept."""

    def __init__(
        self,
        open_stream: Callable[[], IO[bytes]],
        size: int,
        *,
        window: int = WINDOW_BYTES,
        piece: int = PIECE_BYTES,
    ) -> None:
        self._open = open_stream
        self._size = size
        self._window = window
        self._piece = piece
        self._kept = bytearray()
        # A part after the window that the parser may come back for, and its bytes.
        self._part = (0, 0)
        self._part_kept = bytearray()
        self._stream: IO[bytes] | None = None
        self._position = 0
        # How often the file was read again from its start (a part outside the window).
        self.restarts = 0

    @property
    def size(self) -> int:
        return self._size

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None

    def keep(self, start: int, end: int) -> None:
        """Keep bytes ``start..end`` too, as they pass: once, when the stream has not
        passed them yet, for a part after the window of at most
        :data:`MAX_KEPT_PART_BYTES`."""
        start = max(start, self._window)
        if self._part == (0, 0) and self._position <= start < end <= start + MAX_KEPT_PART_BYTES:
            self._part = (start, end)

    def read_at(self, offset: int, length: int) -> bytes:
        if offset + length <= len(self._kept):
            return bytes(self._kept[offset : offset + length])
        return b"".join(self.pieces(offset, offset + length))

    def pieces(self, start: int, end: int) -> Iterator[bytes]:
        if end <= len(self._kept):
            yield bytes(self._kept[start:end])
            return
        part_start = self._part[0]
        if part_start <= start and end <= part_start + len(self._part_kept):
            yield bytes(self._part_kept[start - part_start : end - part_start])
            return
        if start < len(self._kept) and self._position == len(self._kept):
            yield bytes(self._kept[start:])
            start = len(self._kept)
        elif start < self._position:
            self._restart()
        self._pass_over(start - self._position)
        while start < end:
            piece = self._next(min(self._piece, end - start))
            start += len(piece)
            yield piece

    def _restart(self) -> None:
        self.close()
        self._position = 0
        self.restarts += 1

    def _pass_over(self, length: int) -> None:
        while length > 0:
            length -= len(self._next(min(self._piece, length)))

    def _next(self, length: int) -> bytes:
        """The next ``length`` bytes at most (never none), kept while in the window."""
        if self._stream is None:
            self._stream = self._open()
        data = self._stream.read(length)
        if not data:
            raise ElfError("the file ends before its declared size")
        if self._position == len(self._kept) < self._window:
            self._kept += data[: self._window - self._position]
        part_start, part_end = self._part
        if part_start + len(self._part_kept) < part_end:
            at = part_start + len(self._part_kept) - self._position
            if 0 <= at < len(data):
                self._part_kept += data[at : at + part_end - part_start - len(self._part_kept)]
        self._position += len(data)
        return data
