"""The HTTP client: the only module of pypi2nix that speaks HTTP (git sources are
cloned by the git program, see :mod:`pypi2nix.sources.git`).

One pooled ``requests`` session per thread, timeouts, and retries with capped
exponential backoff on connection errors, timeouts, truncated bodies and 429/5xx
answers (a ``Retry-After`` is honoured, up to a cap). A 404 is an answer (``None``),
not an error; every other failure becomes a :class:`NetworkError`. Every body is
read in chunks, within the size limits and the deadline of :mod:`.limits`.

``requests`` is imported on the first request: a run answered from the cache never
pays for it.
"""

from __future__ import annotations

import email.utils
import functools
import itertools
import logging
import os
import re
import ssl
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from pypi2nix import __version__
from pypi2nix.credentials import Origin, origin, redact_url, split_credentials
from pypi2nix.dists.streams import RangeResponse, Readable
from pypi2nix.errors import NetworkError
from pypi2nix.index import local_folder
from pypi2nix.index.limits import BodyReader, Budget, HttpLimits, Retryable

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import requests

SIMPLE_API_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, "
    "application/vnd.pypi.simple.v1+html;q=0.2, "
    "text/html;q=0.01"
)
USER_AGENT = f"pypi2nix/{__version__}"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER_SECONDS = 10.0
MAX_BACKOFF_SECONDS = 10.0
T = TypeVar("T")
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HttpResponse:
    url: str
    status: int
    headers: Mapping[str, str]
    content: bytes


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


@dataclass
class TransferStats:
    requests: int = 0
    bytes: int = 0


class HttpClient:
    """Fetch bytes over HTTP(S); safe to share between threads."""

    def __init__(
        self,
        *,
        timeout: float = 30.0,
        retries: int = 4,
        backoff_factor: float = 0.25,
        limits: HttpLimits | None = None,
    ) -> None:
        self.timeout = timeout
        self.limits = limits or HttpLimits()
        self.retries = retries
        self.backoff_factor = backoff_factor
        self.stats = TransferStats()
        self._local = threading.local()
        self._stats_lock = threading.Lock()
        self._context: ssl.SSLContext | None = None
        self._credentials: dict[Origin, tuple[str, str]] = {}

    def keep_credentials(self, url: str) -> str:
        """Send the user name and password of ``url`` with every request to its origin
        from now on (as pip does); the URL without them, for every other use."""
        bare, credentials = split_credentials(url)
        if credentials is not None:
            self._credentials[origin(bare)] = credentials
        return bare

    def get(
        self, url: str, *, headers: Mapping[str, str] | None = None, metadata: bool = False
    ) -> HttpResponse | None:
        """GET a URL; ``None`` when the server answers 404 (or 410). A conditional
        request may answer 304, with no content. A ``metadata`` file has a limit of its
        own. A ``file:`` URL is read from this machine (:mod:`.local_folder`)."""
        if local_folder.is_file_url(url):
            found = local_folder.read_url(url)
            if found is None:
                return None
            headers = {"Content-Type": found[1]}
            return HttpResponse(url=url, status=200, headers=headers, content=found[0])
        if metadata:
            limit = self.limits.max_metadata_bytes, "PYPI2NIX_HTTP_MAX_METADATA"
        else:
            limit = self.limits.max_body_bytes, "PYPI2NIX_HTTP_MAX_BODY"
        answer = self._get_body(url, headers, limit)
        if answer is None:
            return None
        response, content = answer
        return HttpResponse(
            url=response.url, status=response.status_code, headers=response.headers, content=content
        )

    def get_range(self, url: str, start: int | None, end: int | None) -> RangeResponse:
        """GET bytes ``start..end`` (inclusive) of a file; ``start=None`` asks for the last
        ``end`` bytes. Servers that ignore ``Range`` answer with the whole file, which is
        returned as a range starting at 0 (up to the body limit)."""
        if local_folder.is_file_url(url):
            return local_folder.read_range(url, start, end or 0)
        limit = self.limits.max_body_bytes, "PYPI2NIX_HTTP_MAX_BODY"
        answer = self._get_body(url, {"Range": _range_spec(start, end)}, limit)
        if answer is None:
            raise NetworkError(redact_url(url), "the file is gone (404)")
        response, content = answer
        return _range_response(url, response, content)

    def get_range_or_stream(
        self, url: str, start: int | None, end: int, whole: Callable[[Readable], T]
    ) -> RangeResponse | T:
        """GET bytes ``start..end`` of a file, as :meth:`get_range`; a server that
        ignores ``Range`` has its answer, the whole file, streamed into ``whole``
        instead of held in memory, and what ``whole`` returns is returned."""
        if local_folder.is_file_url(url):
            return local_folder.read_range(url, start, end)
        budget = Budget(redact_url(url), self.limits)

        def attempt() -> RangeResponse | T:
            response = self._attempt(url, {"Range": _range_spec(start, end)}, budget)
            if response is None:
                raise NetworkError(redact_url(url), "the file is gone (404)")
            try:
                if response.status_code != 206:
                    limit = self.limits.max_stream_bytes, "PYPI2NIX_HTTP_MAX_STREAM"
                    return whole(BodyReader(response.raw, self._count, budget, limit))
                limit = self.limits.max_body_bytes, "PYPI2NIX_HTTP_MAX_BODY"
                content = BodyReader(response.raw, self._count, budget, limit).read()
                return _range_response(url, response, content)
            finally:
                response.close()

        return self._retrying(url, budget, attempt)

    def read_stream(self, url: str, consume: Callable[[Readable], T]) -> T:
        """Stream a file into ``consume``, which reads as much as it needs. When the
        connection breaks on the way, the file is read again from its start (with the
        same retries as every request)."""
        if local_folder.is_file_url(url):
            return local_folder.read_file(url, consume)
        budget = Budget(redact_url(url), self.limits)

        def attempt() -> T:
            response = self._attempt(url, None, budget)
            if response is None:
                raise NetworkError(redact_url(url), "the file is gone (404)")
            try:
                limit = self.limits.max_stream_bytes, "PYPI2NIX_HTTP_MAX_STREAM"
                reader = BodyReader(response.raw, self._count, budget, limit)
                result = consume(reader)
                logger.debug("read %d bytes of %s", reader.bytes_read, redact_url(url))
                return result
            finally:
                response.close()

        return self._retrying(url, budget, attempt)

    def _get_body(
        self, url: str, headers: Mapping[str, str] | None, limit: tuple[int, str]
    ) -> tuple[requests.Response, bytes] | None:
        """The response and its whole body, read within ``(bytes, variable)``."""
        budget = Budget(redact_url(url), self.limits)

        def attempt() -> tuple[requests.Response, bytes] | None:
            response = self._attempt(url, headers, budget)
            if response is None:
                return None
            try:
                reader = BodyReader(response.raw, self._count, budget, limit)
                return response, reader.read()
            finally:
                response.close()

        return self._retrying(url, budget, attempt)

    def _retrying(self, url: str, budget: Budget, attempt: Callable[[], T]) -> T:
        """Run ``attempt`` until it does not fail in a way worth retrying, waiting a
        little longer each time (or as long as ``Retry-After`` asks, up to a cap), while
        the request's deadline allows."""
        for number in itertools.count():
            try:
                return attempt()
            except Retryable as failure:
                if number >= self.retries:
                    reason = f"{failure.reason} (after {self.retries} retries)"
                    raise NetworkError(redact_url(url), reason) from failure
                delay = failure.retry_after
                if delay is None:
                    delay = self.backoff_factor * 2**number
                delay = min(delay, MAX_BACKOFF_SECONDS)
                if budget.remaining() <= delay:
                    raise budget.passed() from failure
                logger.info("%s: %s; retrying in %.1f s", redact_url(url), failure.reason, delay)
                time.sleep(delay)
        raise AssertionError("unreachable")

    def _attempt(
        self, url: str, headers: Mapping[str, str] | None, budget: Budget
    ) -> requests.Response | None:
        """One GET: the response (its body not read yet), or ``None`` for 404. No read
        waits past the deadline.

        :raises Retryable: for a failure that may pass (connection, timeout, a body cut
            short, 429 and 5xx answers).
        :raises NetworkError: for one that will not.
        """
        import requests

        started = time.monotonic()
        budget.check()
        read_timeout = max(min(self.timeout, budget.remaining()), 0.001)
        try:
            response = self._session().get(
                url,
                headers=dict(headers or {}),
                timeout=(self.timeout, read_timeout),
                stream=True,
                auth=self._credentials.get(origin(url)),
            )
        except _transient_errors() as error:
            raise Retryable(_describe(error)) from error
        except requests.RequestException as error:
            raise NetworkError(redact_url(url), _describe(error)) from error
        with self._stats_lock:
            self.stats.requests += 1
        status = response.status_code
        elapsed_ms = (time.monotonic() - started) * 1000
        logger.debug("GET %s: %d in %.0f ms", redact_url(url), status, elapsed_ms)
        if status < 400:
            return response
        response.close()
        if status in (404, 410):
            return None
        reason = f"HTTP {status} {response.reason or ''}".rstrip()
        if status in RETRY_STATUSES:
            raise Retryable(reason, retry_after(response.headers.get("Retry-After")))
        raise NetworkError(redact_url(url), reason)

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            import requests

            session = requests.Session()
            # No retries below this class: it retries every kind of failure itself.
            adapter = _adapter_class()(self._tls_context(), pool_connections=8, pool_maxsize=8)
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


def _range_spec(start: int | None, end: int | None) -> str:
    return f"bytes=-{end}" if start is None else f"bytes={start}-{end}"


def _range_response(url: str, response: requests.Response, content: bytes) -> RangeResponse:
    """The bytes of an answer to a range request: a part (206), or the whole file."""
    if response.status_code != 206:
        return RangeResponse(start=0, content=content, total_size=len(content))
    match = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", ""))
    if match is None or match[3] == "*":
        raise NetworkError(redact_url(url), "the server sent a malformed Content-Range")
    return RangeResponse(start=int(match[1]), content=content, total_size=int(match[3]))


@functools.cache
def _transient_errors() -> tuple[type[Exception], ...]:
    import requests

    return (
        requests.ConnectionError,
        requests.Timeout,
        requests.exceptions.ChunkedEncodingError,
        requests.exceptions.ContentDecodingError,
    )


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), capped."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = moment.timestamp() - time.time()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


def _describe(error: Exception) -> str:
    import requests

    if isinstance(error, requests.Timeout):
        return "the server did not answer in time"
    if isinstance(error, requests.ConnectionError):
        return f"connection failed ({_root_cause(error)})"
    if isinstance(error, requests.exceptions.ChunkedEncodingError):
        return f"the answer was cut short ({_root_cause(error)})"
    return str(error) or type(error).__name__


def _root_cause(error: Exception) -> str:
    """The innermost reason, without urllib3's object reprs."""
    from urllib3.exceptions import MaxRetryError

    reason: object = error.args[0] if error.args else error
    if isinstance(reason, MaxRetryError) and reason.reason is not None:
        reason = reason.reason
    if isinstance(reason, Exception) and reason.args and isinstance(reason.args[0], str):
        reason = reason.args[0]
    return str(reason).rsplit(": ", 1)[-1]
