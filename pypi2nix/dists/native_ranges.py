"""A binary wheel on the index read in ranges for its libraries, never downloaded whole.

:func:`~pypi2nix.dists.wheel.read_native_facts` reads, of each member, a top-level
module's source whole, the first bytes of every other member but Python sources (to
tell an ELF file), and an ELF file only as far as its dynamic section. The central
directory says where those bytes lie, so the small reads are planned from it and
fetched together, in a few range requests (:func:`planned_spans`); an ELF member is
then read forward in growing ranges that stop at the next member, only while the
reader asks for more (:class:`SpanFile`). The code and data after a shared object's
dynamic section, its debug sections, and the bodies of the wheel's other members are
not fetched. The facts are those of the whole file by construction: the same reader
reads the same bytes, only fetched in another way.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

from pypi2nix.dists.archive import (
    ArchiveError,
    NotFetched,
    RemoteFile,
    open_zip,
    zip_names,
)
from pypi2nix.dists.wheel import (
    SHARED_OBJECT,
    NativeFacts,
    may_be_elf,
    read_native_facts,
    top_level_module,
)

if TYPE_CHECKING:
    import zipfile
    from collections.abc import Callable, Iterable

    from pypi2nix.dists.streams import RangeResponse

# What zipfile reads of a member's compressed bytes to hand out its first bytes.
PROBE_BYTES = 4096
# A local header's extra field may be longer than the central directory's copy.
HEADER_SLACK = 64
_LOCAL_HEADER_BYTES = 30
# A shared object this small is planned whole: its dynamic section is near its end.
WHOLE_MEMBER_BYTES = 1024 * 1024
# Spans closer than this are fetched in one request (a round trip costs more).
MERGE_GAP = 64 * 1024
MAX_SPAN_BYTES = 4 * 1024 * 1024
# A forward read fetches this much at first, twice as much each time it goes on.
READ_AHEAD_START = 512 * 1024
READ_AHEAD_MAX = 2 * 1024 * 1024
# What is kept of the fetches but the first: the latest ones, up to this much.
KEPT_BYTES = 4 * 1024 * 1024

Span = tuple[int, int]  # [start, end) in the file


def read_ranged_native_facts(remote: SpanFile) -> NativeFacts:
    """The :class:`NativeFacts` of the wheel ``remote`` reads, fetching only what the
    reader reads.

    :raises ArchiveError: as :func:`~pypi2nix.dists.wheel.read_native_facts` does.
    """
    with open_zip(remote) as archive:
        zip_names(archive)  # an archive of too many members is refused before planning
        members = archive.infolist()
        remote.member_starts(info.header_offset for info in members)
        remote.plan(planned_spans(members))
        return read_native_facts(archive)


def planned_spans(members: Iterable[zipfile.ZipInfo]) -> list[Span]:
    """The bytes the reader will read of each member, with its local header: a
    top-level module's source whole, and a shared object under
    :data:`WHOLE_MEMBER_BYTES` (its dynamic section is near its end); the first
    :data:`PROBE_BYTES` of any other member but Python sources."""
    spans = []
    for info in members:
        if top_level_module(info.filename) is not None or _small_shared_object(info):
            data = info.compress_size
        elif may_be_elf(info.filename):
            data = min(info.compress_size, PROBE_BYTES)
        else:
            continue
        name = len(info.filename.encode("utf-8", "replace"))
        header = _LOCAL_HEADER_BYTES + name + len(info.extra) + HEADER_SLACK
        spans.append((info.header_offset, info.header_offset + header + data))
    return spans


def _small_shared_object(info: zipfile.ZipInfo) -> bool:
    return (
        SHARED_OBJECT.search(info.filename.rsplit("/", 1)[-1]) is not None
        and info.compress_size <= WHOLE_MEMBER_BYTES
    )


def merged_spans(spans: Iterable[Span], gap: int = MERGE_GAP) -> list[Span]:
    """Sorted spans with those less than ``gap`` apart joined, none longer than
    :data:`MAX_SPAN_BYTES` (unless one span alone is)."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start - merged[-1][1] < gap and end - merged[-1][0] <= MAX_SPAN_BYTES:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


class SpanFile(RemoteFile):
    """A :class:`RemoteFile` that fetches each planned span whole when a read falls in
    it, and reads forward in ranges that grow from :data:`READ_AHEAD_START` to
    :data:`READ_AHEAD_MAX` and never pass the start of the next member. Besides the
    first answer (the central directory), only the latest fetches are kept, up to
    :data:`KEPT_BYTES`, so a member of hundreds of MiB never sits in memory.

    :param fetch: as :class:`RemoteFile`'s; each call is one range request.
    """

    def __init__(
        self,
        fetch: Callable[[int | None, int], RangeResponse],
        size: int | None = None,
        *,
        first: RangeResponse | None = None,
    ) -> None:
        super().__init__(fetch, size, first=first)
        self._starts: list[int] = []
        self._planned: list[Span] = []
        self._recent: list[tuple[int, bytes]] = []  # the latest fetch last
        self._step = READ_AHEAD_START
        self._forward_end = -1  # where the last forward read ended

    def member_starts(self, offsets: Iterable[int]) -> None:
        """Where the members start: a forward read stops before the next one."""
        self._starts = sorted(set(offsets))

    def plan(self, spans: Iterable[Span]) -> None:
        """Read these spans (but what the first answer holds), close ones as one."""
        clipped = (self._not_fetched(span) for span in merged_spans(spans))
        self._planned = [(start, end) for start, end in clipped if start < end]

    def _read_at(self, start: int, length: int) -> bytes:
        data = self._find(start, length)
        if data is not None:
            return data
        if self.offline:
            raise NotFetched(f"bytes {start}-{start + length - 1} were not fetched")
        span = self._planned_span(start)
        if span is not None and start + length <= span[1]:
            content = self._fetch_range(span[0], span[1], span[1] - span[0])
            self._keep(span[0], content)
            return content[start - span[0] : start - span[0] + length]
        head = self._head(start, start + length)
        at = start + len(head)
        if at == start + length:
            return head
        forward = at == self._forward_end
        self._step = min(2 * self._step, READ_AHEAD_MAX) if forward else READ_AHEAD_START
        end = min(self._size, max(start + length, min(at + self._step, self._next_start(at))))
        content = self._fetch_range(at, end, start + length - at)
        self._keep(at, content)
        self._forward_end = end
        return head + content[: start + length - at]

    def _fetch_range(self, start: int, end: int, needed: int) -> bytes:
        """Bytes ``start..end`` (exclusive), of which at least ``needed`` must come."""
        fetched = self._fetch(start, end - 1)
        offset = start - fetched.start
        if offset < 0 or offset + needed > len(fetched.content):
            raise ArchiveError("the server sent a different range than asked for")
        return fetched.content[offset : offset + (end - start)]

    def _keep(self, start: int, content: bytes) -> None:
        self._recent.append((start, content))
        while len(self._recent) > 1 and sum(len(data) for _, data in self._recent) > KEPT_BYTES:
            del self._recent[0]

    def _find(self, start: int, length: int) -> bytes | None:
        for chunk_start, chunk in (*self._chunks, *self._recent):
            if chunk_start <= start and start + length <= chunk_start + len(chunk):
                return chunk[start - chunk_start : start - chunk_start + length]
        return None

    def _head(self, start: int, end: int) -> bytes:
        """The fetched bytes from ``start`` on, up to ``end`` at most, as far as the
        chunks that hold them follow each other."""
        parts, at = [], start
        while at < end:
            chunk = self._holding(at)
            if chunk is None:
                break
            chunk_start, data = chunk
            parts.append(data[at - chunk_start : end - chunk_start])
            at += len(parts[-1])
        return b"".join(parts)

    def _holding(self, offset: int) -> tuple[int, bytes] | None:
        for chunk_start, chunk in (*self._recent, *self._chunks):
            if chunk_start <= offset < chunk_start + len(chunk):
                return chunk_start, chunk
        return None

    def _planned_span(self, offset: int) -> Span | None:
        index = bisect.bisect_right(self._planned, (offset, self._size + 1)) - 1
        if index >= 0 and self._planned[index][0] <= offset < self._planned[index][1]:
            return self._planned[index]
        return None

    def _not_fetched(self, span: Span) -> Span:
        """The span without its start or end where the first answer holds them."""
        start, end = span[0], min(span[1], self._size)
        for chunk_start, chunk in self._chunks:
            chunk_end = chunk_start + len(chunk)
            if chunk_start <= start < chunk_end:
                start = chunk_end
            if chunk_start < end <= chunk_end:
                end = chunk_start
        return start, end

    def _next_start(self, offset: int) -> int:
        index = bisect.bisect_right(self._starts, offset)
        return self._starts[index] if index < len(self._starts) else self._size
