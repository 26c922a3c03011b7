"""Project pages: fetched from each index, revalidated against the cache, parsed,
and merged over the indexes (every page once per run, in whichever thread asks
first)."""

from __future__ import annotations

import contextlib
import re
import threading
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from packaging.utils import NormalizedName, canonicalize_name

from pypi2nix.credentials import redact_url
from pypi2nix.errors import NetworkError, OfflineError, ProjectNotFound
from pypi2nix.index.cache import Cache, PageValidators, now
from pypi2nix.index.cached_pages import grouped_form, parse_grouped_page
from pypi2nix.index.client import SIMPLE_API_ACCEPT, HttpClient, HttpResponse
from pypi2nix.index.file_fields import PageError
from pypi2nix.index.local_folder import is_file_url
from pypi2nix.index.simple import JSON_CONTENT_TYPE, ProjectPage, parse_project_page
from pypi2nix.threads import Memo

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence

_MAX_AGE = re.compile(r"max-age=(\d+)")


class ProjectPages:
    """The project pages of one or more indexes; safe to use from several threads.

    :param index_urls: Simple API roots, each ending with ``/``.
    """

    def __init__(
        self,
        client: HttpClient,
        index_urls: Sequence[str],
        *,
        cache: Cache,
        offline: bool = False,
        refresh: bool = False,
        progress: Callable[[str], None] = lambda _description: None,
    ) -> None:
        self.client = client
        self.index_urls = tuple(index_urls)
        self.cache = cache
        self.offline = offline
        self.refresh = refresh
        self._progress = progress
        self._pages: Memo[NormalizedName, ProjectPage] = Memo()
        self._consulted: dict[str, float] = {}
        self._recording = threading.local()

    def project_page(self, name: str) -> ProjectPage:
        """Every file of a project, merged over the indexes.

        :raises ProjectNotFound: when no index knows the project.
        """
        normalized = canonicalize_name(name)
        recorded = getattr(self._recording, "names", None)
        if recorded is not None:
            recorded.add(normalized)
        return self._pages.get(normalized, lambda: self._merged_page(normalized))

    @contextlib.contextmanager
    def recording(self) -> Iterator[set[NormalizedName]]:
        """The projects whose pages this thread asks for within the block."""
        names: set[NormalizedName] = set()
        outer = getattr(self._recording, "names", None)
        self._recording.names = names
        try:
            yield names
        finally:
            self._recording.names = outer

    def pages_of(self, names: Iterable[NormalizedName]) -> dict[str, float] | None:
        """The projects' pages read this run, with when they were fetched; ``None``
        when one of them was not read (it failed)."""
        urls = sorted(f"{index_url}{name}/" for name in names for index_url in self.index_urls)
        consulted = self._consulted
        if not all(url in consulted for url in urls):
            return None
        return {url: consulted[url] for url in urls}

    def page_is_cached(self, name: NormalizedName) -> bool:
        """Whether the project's page will come from memory or the cache (no network)."""
        if self._pages.known(name) is not None or self.offline:
            return True
        return not self.refresh and all(
            (validators := self.cache.page_validators(f"{url}{name}/")) is not None
            and validators.is_fresh(now())
            for url in self.index_urls
        )

    def consulted_pages(self) -> dict[str, float]:
        """Every page read this run, with when it was fetched (for the lock cache)."""
        return dict(sorted(self._consulted.items()))

    def pages_unchanged(self, pages: dict[str, float]) -> bool:
        """Whether each page is still cached, fetched at the same time, and fresh (always,
        offline) — so that a lock made from them still holds."""
        moment = now()
        consulted = self._consulted
        for url, fetched in pages.items():
            if url in consulted and not self.refresh:  # as read this run, fresh then
                if consulted[url] != fetched:
                    return False
                continue
            validators = self.cache.page_validators(url)
            if validators is None or validators.fetched != fetched:
                return False
            if not (self.offline or validators.is_fresh(moment)) or self.refresh:
                return False
        return True

    def _merged_page(self, name: NormalizedName) -> ProjectPage:
        pages = [page for url in self.index_urls if (page := self._page(url, name)) is not None]
        if not pages:
            hint = next(filter(None, map(simple_url_hint, self.index_urls)), "")
            urls = tuple(redact_url(url) for url in self.index_urls)
            raise ProjectNotFound(name, urls, hint=hint)
        merged = pages[0]
        for page in pages[1:]:
            merged = merged.merged(page)
        return merged

    def _page(self, index_url: str, name: NormalizedName) -> ProjectPage | None:
        url = f"{index_url}{name}/"
        if is_file_url(url):  # read anew each run: a folder changes under the same URL
            return self._local_page(name, url)
        cached = self.cache.page_validators(url)
        if cached is not None and (self.offline or (not self.refresh and cached.is_fresh(now()))):
            page = None if cached.missing else self._cached_page(name, url, cached)
            if cached.missing or page is not None:
                self._consulted[url] = cached.fetched
                return page
        if self.offline:
            raise OfflineError(f"the project page of {name!r} ({redact_url(url)})")
        headers = {"Accept": SIMPLE_API_ACCEPT}
        if cached is not None and not cached.missing and not self.refresh:
            if cached.etag:
                headers["If-None-Match"] = cached.etag
            if cached.last_modified:
                headers["If-Modified-Since"] = cached.last_modified
        self._progress(f"project {name}")
        response = self.client.get(url, headers=headers)
        if response is None:
            self._store(url, PageValidators(now(), None, None, None, "", "", missing=True), None)
            return None
        _check_not_redirected_elsewhere(url, name, response.url)
        page = None
        if response.status == 304 and cached is not None:
            page = self._cached_page(name, url, cached)
        revalidated = page is not None
        if page is None and response.status == 304:
            # the cached body went missing: fetch it again, unconditionally
            response = self.client.get(url, headers={"Accept": SIMPLE_API_ACCEPT})
            if response is None:
                return None
        if page is None:
            page = self._parse_page(
                name, url, response.content, _content_type(response), response.url
            )
            _check_simple_page(index_url, url, page, response.content)
        validators = PageValidators(
            fetched=now(),
            max_age=_max_age(response.headers.get("Cache-Control")),
            etag=response.headers.get("ETag") or (cached.etag if cached else None),
            last_modified=response.headers.get("Last-Modified")
            or (cached.last_modified if cached else None),
            content_type=cached.content_type if revalidated and cached else _content_type(response),
            final_url=cached.final_url if revalidated and cached else response.url,
        )
        body = None
        if not revalidated:
            body = response.content
            if _is_json(validators.content_type):
                body = grouped_form(page) or b""  # b"": not kept, fetched again next run
                page = _sharing_body(page, body, validators.final_url)
        self._store(url, validators, body)
        return page

    def _local_page(self, name: NormalizedName, url: str) -> ProjectPage | None:
        local = self.client.get(url)
        if local is None:
            return None
        return self._parse_page(name, url, local.content, _content_type(local), url)

    def _store(self, url: str, validators: PageValidators, body: bytes | None) -> None:
        self.cache.store_page(url, validators, body)
        self._consulted[url] = validators.fetched

    def _cached_page(
        self, name: NormalizedName, url: str, validators: PageValidators
    ) -> ProjectPage | None:
        """The cached copy of a page; ``None`` (and the entry is dropped) when it is
        missing or does not parse: a JSON page is kept grouped by version
        (:mod:`~pypi2nix.index.cached_pages`), an HTML page as the index sent it."""
        body = self.cache.page_body(url)
        if body is None:
            return None
        try:
            if _is_json(validators.content_type):
                return parse_grouped_page(name, body, validators.final_url)
            return parse_project_page(name, body, validators.content_type, validators.final_url)
        except PageError:
            self.cache.discard_page(url)
            return None

    def _parse_page(
        self, name: NormalizedName, url: str, body: bytes, content_type: str, final_url: str
    ) -> ProjectPage:
        try:
            return parse_project_page(name, body, content_type, final_url)
        except PageError as error:
            hint = simple_url_hint(url.rstrip("/").rsplit("/", 1)[0] + "/")
            reason = f"the index sent an invalid page: {error}" + (f"; {hint}" if hint else "")
            raise NetworkError(redact_url(url), reason) from error


def _sharing_body(page: ProjectPage, grouped: bytes, final_url: str) -> ProjectPage:
    """The page read back from its cached form: its undecoded files then point into
    the body the cache writes (queued until written), and the index's answer is
    freed, rather than both being held."""
    if not grouped:
        return page
    try:
        return parse_grouped_page(page.name, grouped, final_url)
    except PageError:
        return page


def _check_not_redirected_elsewhere(url: str, name: NormalizedName, final_url: str) -> None:
    """An index may redirect to the normalized name; never to another project.

    :raises NetworkError: when the page answered is another project's.
    """
    last_segment = urlsplit(final_url).path.rstrip("/").rsplit("/", 1)[-1]
    if last_segment and canonicalize_name(unquote(last_segment)) != name:
        raise NetworkError(
            redact_url(url),
            f"the index redirected it to {redact_url(final_url)}, the page of another project",
        )


def simple_url_hint(index_url: str) -> str | None:
    """For an index URL without its ``/simple/`` part (``https://host/``): the advice
    to try it with that part, else ``None``."""
    parts = urlsplit(index_url)
    if parts.scheme not in ("http", "https") or "simple" in parts.path.split("/"):
        return None
    simple = redact_url(index_url.rstrip("/") + "/simple/")
    return f"an index URL names its Simple API, usually ending in /simple/: try -i {simple}"


def _check_simple_page(index_url: str, url: str, page: ProjectPage, body: bytes) -> None:
    """A page with no files, without the Simple API's marker, under an index URL that
    lacks ``/simple/``, is some other web page: say so rather than "no files".

    :raises NetworkError: for such a page.
    """
    hint = simple_url_hint(index_url)
    if hint is None or page.newest_first or b"pypi:repository-version" in body:
        return
    raise NetworkError(redact_url(url), f"the answer is not a Simple API page; {hint}")


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == JSON_CONTENT_TYPE or media_type.endswith("+json")


def _content_type(response: HttpResponse) -> str:
    return response.headers.get("Content-Type", "text/html")


def _max_age(cache_control: str | None) -> float | None:
    if not cache_control:
        return None
    if "no-cache" in cache_control or "no-store" in cache_control:
        return 0.0
    match = _MAX_AGE.search(cache_control)
    return float(match[1]) if match else None
