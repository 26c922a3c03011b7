from __future__ import annotations

import pytest
import requests
import responses

from pypi2nix.credentials import redact_url
from pypi2nix.errors import NetworkError
from pypi2nix.index.client import HttpClient

URL = "https://index.example.test/simple/demo/"


def fast_client() -> HttpClient:
    return HttpClient(retries=2, backoff_factor=0)


@responses.activate
def test_get_and_not_found() -> None:
    responses.get(URL, body=b"page", headers={"Content-Type": "text/html"})
    responses.get(URL + "missing/", status=404)
    client = fast_client()
    response = client.get(URL)
    assert response is not None
    assert response.content == b"page"
    assert client.get(URL + "missing/") is None
    assert client.stats.requests == 2
    assert client.stats.bytes == 4


@responses.activate
def test_server_errors_are_retried_then_reported() -> None:
    responses.get(URL, status=503)
    client = fast_client()
    with pytest.raises(NetworkError, match=r"cannot fetch .*demo/: HTTP 503 .*after 2 retries"):
        client.get(URL)
    assert len(responses.calls) == 3


@responses.activate
def test_a_retry_that_succeeds() -> None:
    responses.get(URL, status=502)
    responses.get(URL, status=429, headers={"Retry-After": "0"})
    responses.get(URL, body=b"ok")
    assert fast_client().get(URL) is not None
    assert len(responses.calls) == 3


@responses.activate
def test_connection_errors_become_network_errors() -> None:
    responses.get(URL, body=requests.ConnectionError("connection reset by peer"))
    with pytest.raises(NetworkError, match="connection failed"):
        fast_client().get(URL)


@responses.activate
def test_ranges() -> None:
    responses.get(
        URL + "f.whl", status=206, body=b"6789", headers={"Content-Range": "bytes 6-9/10"}
    )
    part = fast_client().get_range(URL + "f.whl", None, 4)
    assert (part.start, part.content, part.total_size) == (6, b"6789", 10)
    assert responses.calls[0].request.headers["Range"] == "bytes=-4"


@responses.activate
def test_range_ignored_by_the_server() -> None:
    responses.get(URL + "f.whl", body=b"0123456789")
    part = fast_client().get_range(URL + "f.whl", 2, 5)
    assert (part.start, part.content, part.total_size) == (0, b"0123456789", 10)


@responses.activate
def test_stream_counts_bytes() -> None:
    responses.get(URL + "f.tar.gz", body=b"x" * 1000)
    client = fast_client()
    assert client.read_stream(URL + "f.tar.gz", lambda stream: stream.read(10)) == b"x" * 10
    assert client.stats.bytes == 10


def test_redact_url() -> None:
    assert (
        redact_url("https://user:secret@host.test/simple/") == "https://user:****@host.test/simple/"
    )
    assert redact_url("https://host.test/simple/") == "https://host.test/simple/"
