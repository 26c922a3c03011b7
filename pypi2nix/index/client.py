"""The HTTP client: the only module of pypi2nix that talks to the network.

One pooled ``requests`` session per thread, timeouts, and retries with capped backoff
on connection errors, read errors and 429/5xx answers. A 404 is an answer (``None``),
not an error; every other failure becomes a :class:`NetworkError`.

``requests`` is imported on the first request: a run answered from the cache never
pays for it.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import ssl
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast

from pypi2nix import __version__
from pypi2nix.errors import NetworkError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    import requests
    from urllib3.util.retry import Retry

SIMPLE_API_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, "
    "application/vnd.pypi.simple.v1+html;q=0.2, "
    "text/html;q=0.01"
)
USER_AGENT = f"pypi2nix/{__version__}"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER_SECONDS = 10.0
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
_CREDENTIALS = re.compile(r"(?<=://)([^/@:]+):([^/@]+)@")

logger = logging.getLogger(__name__)


def redact_url(url: str) -> str:
    """Hide a password in a URL before it is shown to anybody."""
    return _CREDENTIALS.sub(r"\1:****@", url)


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True, slots=True)
class HttpResponse:
    url: str
    status: int
    headers: Mapping[str, str]
    content: bytes


@dataclass(frozen=True, slots=True)
class RangeResponse:
    """Bytes ``[start, start + len(content))`` of a file of ``total_size`` bytes."""

    start: int
    content: bytes
    total_size: int


def _ca_bundle() -> str:
    """The CA certificates requests would use: from the environment, else certifi's."""
    for variable in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        path = os.environ.get(variable)
        if path:
            return path
    import certifi

    return str(certifi.where())


@functools.cache
def _adapter_class() -> type[Any]:
    from requests.adapters import HTTPAdapter

    class SharedContextAdapter(HTTPAdapter):
        """Verifies with one shared TLS context. requests otherwise loads the CA file
        again for every new connection (25 ms of CPU each), and a run reconnects after
        each sdist it stops reading early."""

        def __init__(self, context: ssl.SSLContext, **kwargs: Any) -> None:
            self._context = context
            super().__init__(**kwargs)

        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, ssl_context=self._context, **kwargs)

        def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
            cast("Any", super()).cert_verify(conn, url, verify, cert)
            if verify:
                conn.ca_certs = None
                conn.ca_cert_dir = None

        def build_connection_pool_key_attributes(
            self, request: Any, verify: Any, cert: Any = None
        ) -> Any:
            host, pool = super().build_connection_pool_key_attributes(request, verify, cert)
            if verify:
                pool.pop("ca_certs", None)
                pool.pop("ca_cert_dir", None)
                pool["ssl_context"] = self._context
            return host, pool

    return SharedContextAdapter


@functools.cache
def _capped_retry() -> type[Retry]:
    from urllib3.util.retry import Retry

    class CappedRetry(Retry):
        """urllib3's retry policy, with ``Retry-After`` capped so a server cannot stall a
        run."""

        def get_retry_after(self, response: object) -> float | None:
            seconds = super().get_retry_after(response)  # type: ignore[arg-type]
            return None if seconds is None else min(seconds, MAX_RETRY_AFTER_SECONDS)

    return CappedRetry


@dataclass
class TransferStats:
    requests: int = 0
    bytes: int = 0


class HttpClient:
    """Fetch bytes over HTTP(S); safe to share between threads."""

    def __init__(
        self, *, timeout: float = 30.0, retries: int = 4, backoff_factor: float = 0.25
    ) -> None:
        self.timeout = timeout
        self.retries = retries
        self.backoff_factor = backoff_factor
        self.stats = TransferStats()
        self._local = threading.local()
        self._stats_lock = threading.Lock()
        self._context: ssl.SSLContext | None = None

    def get(self, url: str, *, headers: Mapping[str, str] | None = None) -> HttpResponse | None:
        """GET a URL; ``None`` when the server answers 404 (or 410). A conditional
        request may answer 304, with no content."""
        with self._request(url, headers=headers, stream=False) as response:
            if response is None:
                return None
            content = response.content
            self._count(len(content))
            return HttpResponse(
                url=response.url,
                status=response.status_code,
                headers=response.headers,
                content=content,
            )

    def get_range(self, url: str, start: int | None, end: int | None) -> RangeResponse:
        """GET bytes ``start..end`` (inclusive) of a file; ``start=None`` asks for the last
        ``end`` bytes. Servers that ignore ``Range`` answer with the whole file, which is
        returned as a range starting at 0."""
        spec = f"bytes=-{end}" if start is None else f"bytes={start}-{end}"
        with self._request(url, headers={"Range": spec}, stream=False) as response:
            if response is None:
                raise NetworkError(redact_url(url), "the file is gone (404)")
            content = response.content
            self._count(len(content))
            if response.status_code != 206:
                return RangeResponse(start=0, content=content, total_size=len(content))
            match = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", ""))
            if match is None or match[3] == "*":
                raise NetworkError(redact_url(url), "the server sent a malformed Content-Range")
            return RangeResponse(start=int(match[1]), content=content, total_size=int(match[3]))

    @contextmanager
    def stream(self, url: str) -> Iterator[Readable]:
        """Open a file for streamed reading; the caller reads as much as it needs."""
        with self._request(url, headers=None, stream=True) as response:
            if response is None:
                raise NetworkError(redact_url(url), "the file is gone (404)")
            response.raw.decode_content = True
            reader = _CountingReader(cast("Readable", response.raw), self._count, url)
            yield reader
            logger.debug("read %d bytes of %s", reader.bytes_read, redact_url(url))

    @contextmanager
    def _request(
        self, url: str, *, headers: Mapping[str, str] | None, stream: bool
    ) -> Iterator[requests.Response | None]:
        import requests

        started = time.monotonic()
        try:
            response = self._session().get(
                url, headers=dict(headers or {}), timeout=self.timeout, stream=stream
            )
        except requests.RequestException as error:
            raise NetworkError(redact_url(url), _describe(error)) from error
        try:
            with self._stats_lock:
                self.stats.requests += 1
            if response.status_code in (404, 410):
                yield None
            elif response.status_code >= 400:
                reason = f"HTTP {response.status_code} {response.reason or ''}".rstrip()
                if response.status_code in RETRY_STATUSES:
                    reason += f" (after {self.retries} retries)"
                raise NetworkError(redact_url(url), reason)
            else:
                yield response
        except requests.RequestException as error:
            raise NetworkError(redact_url(url), _describe(error)) from error
        finally:
            response.close()
            elapsed_ms = (time.monotonic() - started) * 1000
            logger.debug("GET %s: %d in %.0f ms", redact_url(url), response.status_code, elapsed_ms)

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            import requests

            session = requests.Session()
            retry = _capped_retry()(
                total=self.retries,
                connect=self.retries,
                read=self.retries,
                status=self.retries,
                backoff_factor=self.backoff_factor,
                backoff_max=MAX_RETRY_AFTER_SECONDS,
                status_forcelist=RETRY_STATUSES,
                allowed_methods=frozenset({"GET"}),
                raise_on_status=False,
                respect_retry_after_header=True,
            )
            adapter = _adapter_class()(
                self._tls_context(), max_retries=retry, pool_connections=8, pool_maxsize=8
            )
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            session.headers["User-Agent"] = USER_AGENT
            self._local.session = session
        return session

    def _tls_context(self) -> ssl.SSLContext:
        """One TLS context for every connection of every thread, made once."""
        with self._stats_lock:
            if self._context is None:
                self._context = ssl.create_default_context(cafile=_ca_bundle())
            return self._context

    def _count(self, size: int) -> None:
        with self._stats_lock:
            self.stats.bytes += size


class _CountingReader:
    """A read-only stream that counts the bytes it hands out."""

    def __init__(self, raw: Readable, count: Callable[[int], None], url: str) -> None:
        self._raw = raw
        self._count = count
        self._url = url
        self.bytes_read = 0

    def read(self, size: int = -1) -> bytes:
        import requests
        from urllib3.exceptions import HTTPError as Urllib3Error

        try:
            data = self._raw.read(size)
        except requests.RequestException as error:
            raise NetworkError(redact_url(self._url), _describe(error)) from error
        except (Urllib3Error, OSError) as error:
            raise NetworkError(redact_url(self._url), f"connection broken ({error})") from error
        self._count(len(data))
        self.bytes_read += len(data)
        return data


def _describe(error: requests.RequestException) -> str:
    import requests

    if isinstance(error, requests.Timeout):
        return "the server did not answer in time"
    if isinstance(error, requests.ConnectionError):
        return f"connection failed ({_root_cause(error)})"
    return str(error) or type(error).__name__


def _root_cause(error: requests.ConnectionError) -> str:
    """The innermost reason, without urllib3's object reprs."""
    from urllib3.exceptions import MaxRetryError

    reason: object = error.args[0] if error.args else error
    if isinstance(reason, MaxRetryError) and reason.reason is not None:
        reason = reason.reason
    return str(reason).rsplit(": ", 1)[-1]
