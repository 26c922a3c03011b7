"""The byte sources the readers accept: a stream, and ranges of a remote file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class Readable(Protocol):
    """A stream of bytes: a download, a file, a decompressor's output."""

    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True, slots=True)
class RangeResponse:
    """Bytes ``[start, start + len(content))`` of a file of ``total_size`` bytes."""

    start: int
    content: bytes
    total_size: int
