"""What one HTTP request may cost: the bytes held in memory, the bytes streamed, and
time. An index that sends an endless body, trickles a byte at a time, or claims a
huge file is stopped at these bounds with one clear error.

A request, retries included, has :attr:`HttpLimits.deadline_seconds`, plus one second
for every :attr:`HttpLimits.min_bytes_per_second` received: a download that keeps
that pace is never cut, a server that stalls or trickles is. Each limit can be set
from the environment (see :data:`ENVIRONMENT`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from pypi2nix.errors import NetworkError, UsageError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

_CHUNK_BYTES = 256 * 1024

# Environment variable -> the limit it sets.
ENVIRONMENT = {
    "PYPI2NIX_HTTP_DEADLINE": "deadline_seconds",
    "PYPI2NIX_HTTP_MIN_RATE": "min_bytes_per_second",
    "PYPI2NIX_HTTP_MAX_BODY": "max_body_bytes",
    "PYPI2NIX_HTTP_MAX_METADATA": "max_metadata_bytes",
    "PYPI2NIX_HTTP_MAX_STREAM": "max_stream_bytes",
    "PYPI2NIX_HTTP_MAX_RATIO": "max_decoded_ratio",
}
# A compressed body may always decode to this much, whatever its ratio.
_FREE_DECODED_BYTES = 2**20


@dataclass(frozen=True, slots=True)
class HttpLimits:
    # A body held in memory: a project page, a byte range (or the whole file, from a
    # server that ignores ``Range``).
    max_body_bytes: int = 64 * 2**20
    # A PEP 658 ``.metadata`` file (parsing takes many times its size in memory).
    max_metadata_bytes: int = 16 * 2**20
    # A file streamed (an sdist read, a file downloaded to be hashed).
    max_stream_bytes: int = 4 * 2**30
    deadline_seconds: float = 20.0
    min_bytes_per_second: float = 32 * 1024
    # A body sent compressed (``Content-Encoding``) may decode to this many times the
    # bytes sent, beyond its first MiB: a few kB must not become a page of millions of
    # JSON objects (pages compress about tenfold).
    max_decoded_ratio: int = 100

    @classmethod
    def from_environment(cls, environment: Mapping[str, str]) -> HttpLimits:
        """The defaults, with the limits the environment sets.

        :raises UsageError: for a value that is not a positive number.
        """
        values: dict[str, Any] = {}
        types = {field.name: field.type for field in fields(cls)}
        for variable, name in ENVIRONMENT.items():
            text = environment.get(variable)
            if not text:
                continue
            try:
                value = int(text) if types[name] == "int" else float(text)
            except ValueError:
                value = 0
            if value <= 0:
                raise UsageError(f"invalid {variable}={text!r}: give a positive number")
            values[name] = value
        return cls(**values)


class Budget:
    """The time left to one request, which grows with the bytes it receives."""

    def __init__(self, url: str, limits: HttpLimits) -> None:
        self.url = url
        self.limits = limits
        self.received = 0
        self._started = time.monotonic()

    def remaining(self) -> float:
        allowed = self.limits.deadline_seconds + self.received / self.limits.min_bytes_per_second
        return self._started + allowed - time.monotonic()

    def check(self) -> None:
        """:raises NetworkError: once the deadline has passed."""
        if self.remaining() <= 0:
            raise self.passed()

    def passed(self) -> NetworkError:
        limits = self.limits
        return NetworkError(
            self.url,
            f"no complete answer within the deadline ({limits.deadline_seconds:g} s, plus "
            f"1 s per {limits.min_bytes_per_second:g} bytes received; see "
            "PYPI2NIX_HTTP_DEADLINE and PYPI2NIX_HTTP_MIN_RATE)",
        )

    def count(self, size: int, total: int, limit: int, variable: str) -> None:
        """Count received bytes; ``total`` of one body may not pass ``limit``.

        :raises NetworkError: for a body over its limit, or past the deadline.
        """
        self.received += size
        if total > limit:
            raise NetworkError(
                self.url, f"the answer is larger than {limit} bytes (see {variable})"
            )
        self.check()


class BodyReader:
    """A read-only stream of a response's decoded body that counts the bytes it hands
    out, within a size limit and the request's deadline (checked after every chunk, so
    a trickle cannot hold a read); a connection that breaks while it is read is a
    failure worth retrying.

    :param limit: the most bytes the body may have, and the variable that sets it.
    """

    def __init__(
        self, raw: Any, count: Callable[[int], None], budget: Budget, limit: tuple[int, str]
    ) -> None:
        self._raw = raw
        self._count = count
        self._budget = budget
        self._limit, self._variable = limit
        self.bytes_read = 0
        declared = raw.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self._limit and not _encoded(raw.headers):
            budget.count(0, int(declared), self._limit, self._variable)

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all that is left when negative); fewer only at the end."""
        parts = []
        wanted = size if size >= 0 else None
        while wanted is None or wanted > 0:
            chunk = self._read1(_CHUNK_BYTES if wanted is None else min(wanted, _CHUNK_BYTES))
            if not chunk:
                break
            parts.append(chunk)
            if wanted is not None:
                wanted -= len(chunk)
        return b"".join(parts)

    def _read1(self, size: int) -> bytes:
        from urllib3.exceptions import HTTPError as Urllib3Error

        try:
            data: bytes = self._raw.read1(size, decode_content=True)
        except (Urllib3Error, OSError) as error:
            raise Retryable(f"the answer was cut short ({error})") from error
        self._count(len(data))
        self.bytes_read += len(data)
        self._budget.count(len(data), self.bytes_read, self._limit, self._variable)
        self._check_ratio()
        return data

    def _check_ratio(self) -> None:
        """:raises NetworkError: for a compressed body that decodes to too much."""
        ratio = self._budget.limits.max_decoded_ratio
        if self.bytes_read > _FREE_DECODED_BYTES + ratio * self._raw.tell():
            raise NetworkError(
                self._budget.url,
                f"the answer decompresses to more than {ratio} times its size "
                "(see PYPI2NIX_HTTP_MAX_RATIO)",
            )


def _encoded(headers: Mapping[str, str]) -> bool:
    """Whether the body is compressed (its Content-Length is then not its size)."""
    return headers.get("Content-Encoding", "identity").strip().lower() not in ("", "identity")


class Retryable(Exception):
    """A failure that may pass if the request is made again."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
