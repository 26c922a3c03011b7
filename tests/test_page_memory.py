"""What a fetched project page keeps in memory while its cache write is queued."""

from __future__ import annotations

import json
import tracemalloc
from typing import TYPE_CHECKING

import responses
from packaging.utils import canonicalize_name
from packaging.version import Version

from pypi2nix.index.cache import Cache
from pypi2nix.index.cached_pages import parse_grouped_page
from pypi2nix.index.client import HttpClient
from pypi2nix.index.pages import ProjectPages
from tests.support.fixture_index import INDEX_URL

if TYPE_CHECKING:
    import threading
    from pathlib import Path


JSON_TYPE = "application/vnd.pypi.simple.v1+json"


def _big_page(files: int, padding: int) -> bytes:
    entries = [
        {
            "filename": f"huge-1.{number}.tar.gz",
            "url": f"https://files.example.test/huge-1.{number}.tar.gz",
            "hashes": {"sha256": "0" * 64},
            "padding": "x" * padding,  # a field the index may add: kept undecoded
        }
        for number in range(files)
    ]
    return json.dumps({"meta": {"api-version": "1.1"}, "name": "huge", "files": entries}).encode()


def test_a_fetched_page_and_its_queued_cache_write_share_one_body(
    tmp_path: Path, held_cache_writes: threading.Event
) -> None:
    disk = held_cache_writes
    body = _big_page(files=20, padding=200_000)
    cache = Cache.at(tmp_path, background=True)
    pages = ProjectPages(HttpClient(retries=0), [INDEX_URL], cache=cache)
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, INDEX_URL + "huge/", body=body, content_type=JSON_TYPE)
        tracemalloc.start()
        try:
            page = pages.project_page("huge")
            held, _peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert len(page.versions) == 20
    # the page's undecoded files point into the body the cache is about to write,
    # not into a second copy (the index's answer)
    assert held < 1.5 * len(body)
    disk.set()
    cache.close()


def test_a_cached_page_decodes_a_version_s_files_only_when_it_is_looked_at() -> None:
    files = [
        {"filename": f"huge-1.0-py3-none-any{number}.whl", "url": f"huge-1.0-{number}.whl"}
        for number in range(2000)
    ]
    files[0]["filename"] = "huge-1.0.tar.gz"
    content = json.dumps({"name": "huge", "groups": {"1.0": files, "2.0": []}}).encode()
    tracemalloc.start()
    try:
        page = parse_grouped_page(canonicalize_name("huge"), content, INDEX_URL + "huge/")
        held, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert held < 20_000  # not an object per file: one undecoded list per version
    listed = [file.filename for file in page.files(Version("1.0"))]
    assert listed == [item["filename"] for item in files]
    assert page.files(Version("2.0")) == ()
