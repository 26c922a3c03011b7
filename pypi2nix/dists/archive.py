"""Read what pypi2nix needs from archives without downloading or unpacking them whole.

* :class:`RemoteFile` is a seekable file over HTTP range requests, so :mod:`zipfile`
  reads a wheel's (or zip sdist's) central directory and single members from the end
  of the file.
* :func:`scan_tar` walks a streamed tar archive member by member and stops as soon as
  the caller has what it wants.

Nothing is unpacked to disk (a binary wheel read whole for its libraries is kept in
an unnamed temporary file, see :mod:`pypi2nix.index.whole_files`). Member names are
only compared, never used as paths; links, devices and other special members are
skipped; sizes are capped so a decompression bomb fails with :class:`ArchiveError`
instead of eating memory.
"""

from __future__ import annotations

import hashlib
import io
import lzma
import struct
import tempfile
import zipfile
import zlib
from typing import IO, TYPE_CHECKING

from pypi2nix.dists import tarstream
from pypi2nix.dists.inflate import cap_zip_member

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from pypi2nix.dists.streams import RangeResponse, Readable

TAIL_BYTES = 512 * 1024
WHOLE_FILE_BYTES = 768 * 1024
MIN_FETCH_BYTES = 16 * 1024
_LOCAL_HEADER_BYTES = 30  # a zip member's local header, before its name and extra field
MAX_MEMBER_BYTES = 16 * 1024 * 1024
MAX_UNPACKED_BYTES = 2 * 1024 * 1024 * 1024
MAX_MEMBERS = 200_000
SPOOL_CHUNK_BYTES = 1024 * 1024


class ArchiveError(ValueError):
    """An archive that is corrupt or breaks a safety limit."""


class NotFetched(Exception):
    """A read of bytes that a :class:`RemoteFile` in offline mode has not fetched."""


def first_range(size: int | None) -> tuple[int | None, int]:
    """What :class:`RemoteFile` fetches first, as ``fetch`` arguments: the whole file
    when ``size`` says it is small, else its tail."""
    if size is not None and 0 < size <= WHOLE_FILE_BYTES:
        return 0, size - 1
    return None, TAIL_BYTES


class RemoteFile(io.RawIOBase):
    """A read-only, seekable view of a remote file, fetched in ranges on demand.

    ``fetch(start, end)`` returns bytes ``start..end`` inclusive; ``fetch(None, n)``
    returns the last ``n`` bytes. The first call fetches the tail (or the whole file
    when ``size`` says it is at most :data:`WHOLE_FILE_BYTES`), which for a wheel
    usually holds the central directory and the ``.dist-info`` files (or ``first``, an
    answer already fetched for :func:`first_range`). With ``offline`` set, reads of
    bytes not fetched yet raise :class:`NotFetched`.
    """

    def __init__(
        self,
        fetch: Callable[[int | None, int], RangeResponse],
        size: int | None = None,
        *,
        first: RangeResponse | None = None,
    ) -> None:
        super().__init__()
        self._fetch = fetch
        if first is None:
            first = fetch(*first_range(size))
        self._size = first.total_size
        self._chunks: list[tuple[int, bytes]] = [(first.start, first.content)]
        self._position = 0
        self.offline = False

    def whole(self) -> bytes | None:
        """The file's bytes when the first read covered all of it, else ``None``."""
        start, content = self._chunks[0]
        return content if start == 0 and len(content) == self._size else None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        wanted = min(len(buffer), self._size - self._position)
        if wanted <= 0:
            return 0
        data = self._read_at(self._position, wanted)
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)

    def keep_only_members(self, members: Iterable[zipfile.ZipInfo]) -> None:
        """Drop the fetched bytes but those of these zip members (local header and
        data), where they were fetched: reads of anything else then fetch again, or
        raise :class:`NotFetched` offline."""
        kept = []
        for info in members:
            header = self._fetched(info.header_offset, _LOCAL_HEADER_BYTES)
            if header is None:
                continue
            name_length, extra_length = struct.unpack_from("<HH", header, 26)
            length = _LOCAL_HEADER_BYTES + name_length + extra_length + info.compress_size
            data = self._fetched(info.header_offset, length)
            if data is not None:
                kept.append((info.header_offset, data))
        self._chunks = kept

    def _fetched(self, start: int, length: int) -> bytes | None:
        for chunk_start, chunk in self._chunks:
            if chunk_start <= start and start + length <= chunk_start + len(chunk):
                return chunk[start - chunk_start : start - chunk_start + length]
        return None

    def _read_at(self, start: int, length: int) -> bytes:
        data = self._fetched(start, length)
        if data is not None:
            return data
        if self.offline:
            raise NotFetched(f"bytes {start}-{start + length - 1} were not fetched")
        end = min(self._size, start + max(length, MIN_FETCH_BYTES)) - 1
        fetched = self._fetch(start, end)
        self._chunks.append((fetched.start, fetched.content))
        offset = start - fetched.start
        if offset < 0 or offset + length > len(fetched.content):
            raise ArchiveError("the server sent a different range than asked for")
        return fetched.content[offset : offset + length]


def zip_names(archive: zipfile.ZipFile) -> tuple[str, ...]:
    names = archive.namelist()
    if len(names) > MAX_MEMBERS:
        raise ArchiveError(f"the archive has more than {MAX_MEMBERS} members")
    return tuple(names)


def read_zip_member(archive: zipfile.ZipFile, name: str, limit: int = MAX_MEMBER_BYTES) -> bytes:
    """Read one member, refusing anything larger than ``limit`` bytes."""
    info = archive.getinfo(name)
    if info.file_size > limit:
        raise ArchiveError(f"{name} is larger than {limit} bytes")
    try:
        with open_zip_member(archive, info) as member:
            data = member.read(limit + 1)
    except NotFetched:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, lzma.LZMAError, zlib.error) as error:
        raise ArchiveError(f"cannot read {name} ({error})") from error
    if len(data) > limit:
        raise ArchiveError(f"{name} is larger than {limit} bytes")
    return data


def open_zip_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> IO[bytes]:
    """Open a member whose decompression stops at its declared size, whatever its
    compression method; a bzip2 or lzma member over :data:`MAX_MEMBER_BYTES` is refused.

    :raises ArchiveError: for a member that cannot be read that way.
    """
    compressed = info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
    if compressed and info.file_size > MAX_MEMBER_BYTES:
        raise ArchiveError(f"{info.filename} is larger than {MAX_MEMBER_BYTES} bytes")
    member = archive.open(info)
    try:
        cap_zip_member(member, info)
    except ValueError as error:
        member.close()
        raise ArchiveError(f"cannot read {info.filename} ({error})") from error
    return member


def open_zip(file: io.RawIOBase | IO[bytes]) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ArchiveError(f"not a valid zip archive ({error})") from error


class HashingReader:
    """Pass bytes through while computing their sha256."""

    def __init__(self, raw: Readable) -> None:
        self._raw = raw
        self._hash = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self._hash.update(data)
        return data

    def drain(self) -> str:
        """Read to the end and return the hex digest of everything read."""
        while self.read(1024 * 1024):
            pass
        return self._hash.hexdigest()


def spool_hashed(raw: Readable, limit: int, *, prefix: str) -> tuple[IO[bytes], str]:
    """A whole stream in an unnamed temporary file (gone once closed), at its start,
    and the sha256 of what it holds: held on disk, never in memory.

    :raises ArchiveError: when the stream has more than ``limit`` bytes.
    :raises OSError: when the temporary file cannot be written.
    """
    spool = tempfile.TemporaryFile(prefix=prefix)  # noqa: SIM115 (closed by the caller)
    try:
        hashing, written = HashingReader(raw), 0
        while chunk := hashing.read(SPOOL_CHUNK_BYTES):
            written += len(chunk)
            if written > limit:
                raise ArchiveError(f"larger than {limit // 2**20} MiB")
            spool.write(chunk)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return spool, hashing.drain()


def scan_tar(
    stream: Readable,
    filename: str,
    visit: Callable[[str, int, Callable[[], bytes]], bool],
    *,
    unpacked_limit: int | None = None,
) -> bool:
    """Walk the regular files of a streamed ``.tar.gz``/``.tar.bz2``/``.tar.xz``.

    ``visit(name, size, read)`` is called for each regular file; ``read()`` returns its
    bytes (at most :data:`MAX_MEMBER_BYTES`). When ``visit`` returns ``True`` the scan
    stops.

    :returns: ``True`` when every member was visited, ``False`` when stopped early.
    :raises ArchiveError: for a corrupt archive or one that breaks a limit.
    """
    try:
        return tarstream.walk(
            stream,
            filename,
            visit,
            unpacked_limit=MAX_UNPACKED_BYTES if unpacked_limit is None else unpacked_limit,
            member_limit=MAX_MEMBER_BYTES,
            max_members=MAX_MEMBERS,
        )
    except tarstream.TarError as error:
        raise ArchiveError(str(error)) from error
