"""Files read whole: an sdist for its build backend, a file the index gave no sha256
for, and a binary wheel for the shared libraries its ELF files need when the index
will not send parts of it. Every download is checked against the index's sha256 and a
size limit. A binary wheel is otherwise read in ranges, only as far as the reader goes
(:mod:`pypi2nix.dists.native_ranges`); downloaded whole, it goes to an unnamed
temporary file as it is hashed, and its members are read from there, never held in
memory whole."""

from __future__ import annotations

import hashlib
import logging
import tempfile
from dataclasses import replace
from typing import IO, TYPE_CHECKING

from pypi2nix.credentials import redact_url
from pypi2nix.dists.archive import (
    ArchiveError,
    HashingReader,
    first_range,
    open_zip,
    spool_hashed,
)
from pypi2nix.dists.native_ranges import SpanFile, read_ranged_native_facts
from pypi2nix.dists.streams import RangeResponse
from pypi2nix.dists.wheel import NativeFacts, read_native_facts
from pypi2nix.errors import HashMismatch, MetadataError, OfflineError
from pypi2nix.filenames import is_linux_binary_wheel
from pypi2nix.index.cache import read_facts_key
from pypi2nix.index.entries import valid_native_facts
from pypi2nix.index.first_ranges import FirstRanges
from pypi2nix.index.local_folder import is_file_url
from pypi2nix.threads import Memo

if TYPE_CHECKING:
    from collections.abc import Callable

    from pypi2nix.dists.streams import Readable
    from pypi2nix.index.cache import Cache
    from pypi2nix.index.client import HttpClient
    from pypi2nix.models import DistFile

logger = logging.getLogger(__name__)

# Binary wheels larger than this are not searched for the libraries they need. A
# wheel is read in ranges (what it costs is what is read), or, from an index that
# ignores Range, spooled to disk: CUDA builds of torch and its libraries are 0.5-1 GiB.
MAX_INSPECTED_WHEEL_BYTES = 2 * 1024 * 1024 * 1024


class WholeFiles:
    """Whole-file reads over the client, with what they tell cached by sha256."""

    def __init__(
        self,
        client: HttpClient,
        cache: Cache,
        *,
        offline: bool = False,
        progress: Callable[[str], None] = lambda _description: None,
        first_ranges: FirstRanges | None = None,
        file_list_known: Callable[[DistFile], bool] = lambda _wheel: True,
    ) -> None:
        """:param first_ranges: where a wheel's first range answer is kept for the
            other reader of the wheel, its file list's.
        :param file_list_known: whether that reader has read the wheel already (or
            has it cached): then nothing is kept for it.
        """
        self.client = client
        self.first_ranges = first_ranges or FirstRanges()
        self.file_list_known = file_list_known
        self.cache = cache
        self.offline = offline
        self._progress = progress
        self._native: Memo[str, NativeFacts] = Memo()

    # Shared libraries of binary wheels

    def native_facts(self, wheel: DistFile) -> NativeFacts | None:
        """The shared libraries a binary wheel ships and those its ELF files need, read
        in ranges (the whole wheel when the index ignores ``Range``); once: the answer
        is cached under the wheel's URL and sha256. ``None`` for a wheel larger than
        :data:`MAX_INSPECTED_WHEEL_BYTES`.

        :raises MetadataError: for an unreadable wheel.
        :raises HashMismatch: when a wheel read whole does not match the index's sha256.
        """
        if wheel.size is not None and wheel.size > MAX_INSPECTED_WHEEL_BYTES:
            logger.warning(
                "%s is too large to look for the libraries it needs (over %d MiB)",
                wheel.filename,
                MAX_INSPECTED_WHEEL_BYTES // 2**20,
            )
            return None
        return self._native.get(wheel.url, lambda: self._fetch_native_facts(wheel))

    def first_range_of_file_list(self, wheel: DistFile) -> RangeResponse:
        """The wheel's first range for the reader of its file list, fetched once with
        the libraries' reader when both will read it (a Linux binary wheel whose
        libraries are not known yet)."""
        share = is_linux_binary_wheel(wheel.filename) and not self.has_cached_native_facts(wheel)
        answer = self.first_ranges.read(
            wheel.url,
            lambda: self.client.get_range(wheel.url, *first_range(wheel.size)),
            share=share,
        )
        return answer

    def has_cached_native_facts(self, wheel: DistFile) -> bool:
        key = _native_key(wheel)
        return key is not None and (
            self._native.known(wheel.url) is not None or self.cache.has_file_facts(key)
        )

    def _fetch_native_facts(self, wheel: DistFile) -> NativeFacts:
        key = _native_key(wheel)
        cached = None if key is None else self.cache.file_facts(key)
        if cached is not None and key is not None:
            try:
                if valid_native_facts(cached):
                    return NativeFacts.from_json(cached)
            except (KeyError, TypeError, ValueError):
                pass
            self.cache.discard_file_facts(key)
        if self.offline:
            raise OfflineError(f"the shared libraries of {wheel.filename}")
        self._progress(f"libraries of {wheel.filename}")
        answer = self.first_ranges.read(
            wheel.url,
            lambda: self.client.get_range_or_stream(
                wheel.url,
                *first_range(wheel.size),
                lambda raw: _spool_verified(raw, wheel, MAX_INSPECTED_WHEEL_BYTES),
            ),
            share=not self.file_list_known(wheel),
        )
        try:
            if isinstance(answer, RangeResponse):
                facts = self._ranged_native_facts(wheel, answer)
            else:
                with answer, open_zip(answer) as archive:
                    facts = read_native_facts(archive)
        except ArchiveError as error:
            raise _unreadable(wheel, f"cannot read its shared libraries ({error})") from error
        if key is not None:
            self.cache.store_file_facts(key, facts.to_json())
        return facts

    def _ranged_native_facts(self, wheel: DistFile, first: RangeResponse) -> NativeFacts:
        limit = MAX_INSPECTED_WHEEL_BYTES
        if first.total_size > limit:
            raise _unreadable(wheel, f"larger than {limit // 2**20} MiB")
        remote = SpanFile(
            lambda start, end: self.client.get_range(wheel.url, start, end),
            wheel.size,
            first=first,
        )
        whole = remote.whole()
        if whole is not None:
            _check_sha256(wheel, hashlib.sha256(whole).hexdigest())
        return read_ranged_native_facts(remote)

    # Whole files

    def download(self, file: DistFile, limit: int) -> bytes:
        """A whole file, checked against the index's sha256.

        :raises MetadataError: when it is larger than ``limit`` bytes.
        :raises HashMismatch: when it does not match the index's sha256.
        """
        if self.offline and not is_file_url(file.url):
            raise OfflineError(f"{file.filename} (whole files are not cached)")
        self._progress(f"downloading {file.filename}")
        return self.client.read_stream(file.url, lambda raw: _read_verified(raw, file, limit))

    # Files without a hash on the page

    def with_sha256(self, file: DistFile) -> DistFile:
        """The file with its sha256 filled in, downloading it when the index gave none."""
        if file.sha256 is not None:
            return file
        if self.offline:
            raise OfflineError(f"the sha256 of {file.filename}")
        self._progress(f"hashing {file.filename}")
        digest = self.client.read_stream(file.url, lambda raw: HashingReader(raw).drain())
        return replace(file, sha256=digest)


def _native_key(wheel: DistFile) -> str | None:
    """Under the URL with the sha256, as what is read in ranges cannot be checked
    against the digest (see :func:`read_facts_key`)."""
    return None if wheel.sha256 is None else f"{read_facts_key(wheel.url, wheel.sha256)}.native"


def _spool_verified(raw: Readable, file: DistFile, limit: int) -> IO[bytes]:
    """A whole download in a temporary file, checked against the index's sha256 and
    the size limit as it is written; at its start.

    :raises MetadataError: when it is too large or the temporary file cannot be written.
    """
    try:
        spool, digest = spool_hashed(raw, limit, prefix="pypi2nix-wheel-")
    except ArchiveError as error:
        raise _unreadable(file, str(error)) from error
    except OSError as error:
        raise _unwritable(file, error) from error
    try:
        _check_sha256(file, digest)
    except BaseException:
        spool.close()
        raise
    return spool


def _unwritable(file: DistFile, error: OSError) -> MetadataError:
    where = tempfile.gettempdir()
    return _unreadable(file, f"cannot write it to a temporary file in {where} ({error.strerror})")


def _read_verified(raw: Readable, file: DistFile, limit: int = MAX_INSPECTED_WHEEL_BYTES) -> bytes:
    """A whole download, checked against the index's sha256 and the size limit."""
    hashing = HashingReader(raw)
    data = hashing.read(limit + 1)
    if len(data) > limit:
        raise _unreadable(file, f"larger than {limit // 2**20} MiB")
    _check_sha256(file, hashing.drain())
    return data


def _check_sha256(file: DistFile, actual: str) -> None:
    if file.sha256 is not None and actual != file.sha256:
        raise HashMismatch(redact_url(file.url), file.sha256, actual)


def _unreadable(file: DistFile, reason: str) -> MetadataError:
    return MetadataError(file.filename, "", reason)
