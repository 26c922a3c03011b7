"""A hostile index for the tests: the fixture index, with pages edited and files or
whole answers replaced, at the made-up hosts (served with ``responses``)."""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import responses

from tests.support.fixture_index import INDEX_URL, FixtureIndex, IndexFile, _ranged

if TYPE_CHECKING:
    from collections.abc import Callable

    from requests import PreparedRequest

Answer = tuple[int, dict[str, str], Any]
EVIL_INDEX_URL = "https://evil.example.test/simple/"
EVIL_FILES = "https://evil.example.test/files/"
ALPHA_WHEEL = "alpha-1.0.0-py3-none-any.whl"


@dataclass
class HostileIndex(FixtureIndex):
    """``edits`` change a project's JSON page (a dict) before it is served; ``answers``
    replace the answer for every URL that contains their key; ``evil_files`` are
    served, with ranges, under :data:`EVIL_FILES`; ``evil_pages`` are JSON pages
    served under :data:`EVIL_INDEX_URL`."""

    edits: dict[str, Callable[[dict[str, Any]], None]] = field(default_factory=dict)
    answers: dict[str, Callable[[PreparedRequest], Answer]] = field(default_factory=dict)
    evil_files: dict[str, bytes] = field(default_factory=dict)
    evil_pages: dict[str, dict[str, Any]] = field(default_factory=dict)
    # (URL, Authorization header) of every request.
    authorizations: list[tuple[str, str | None]] = field(default_factory=list)

    def register(self, mock: responses.RequestsMock) -> None:
        hosts = re.compile(r"https://[^/]*\.example\.test/.*")
        mock.add_callback(responses.GET, hosts, callback=self._answer)

    def _answer(self, request: PreparedRequest) -> Answer:
        url = str(request.url)
        authorization = request.headers.get("Authorization")
        self.authorizations.append((url, None if authorization is None else str(authorization)))
        for key, answer in self.answers.items():
            if key in url:
                self.requests.append(url)
                return answer(request)
        if url.startswith(EVIL_INDEX_URL):
            page = self.evil_pages.get(url.removeprefix(EVIL_INDEX_URL).strip("/"))
            if page is None:
                return 404, {}, b""
            headers = {"Content-Type": "application/vnd.pypi.simple.v1+json"}
            return 200, headers, json.dumps(page).encode()
        if url.startswith(EVIL_FILES):
            data = self.evil_files.get(url.removeprefix(EVIL_FILES))
            if data is None:
                return 404, {}, b""
            return _ranged(data, str(request.headers.get("Range", "")))
        if re.sub(r"//[^/@]+@", "//", url).startswith(INDEX_URL):
            return self._edited_page(request)
        return self._file(request)

    def _edited_page(self, request: PreparedRequest) -> Answer:
        status, headers, body = self._page(request)
        name = str(request.url).rstrip("/").rsplit("/", 1)[-1]
        edit = self.edits.get(name)
        if edit is None or status != 200 or "json" not in headers["Content-Type"]:
            return status, headers, body
        page = json.loads(body)
        edit(page)
        return status, headers, json.dumps(page).encode()


def rebuilt_wheel(real: bytes, *, name: bytes = b"alpha", padding_after_metadata: int = 0) -> bytes:
    """The real alpha wheel with another Name in its METADATA, and maybe so much padding
    after it that it is not in the wheel's tail (the ``.metadata`` file is then read)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(real)) as source, zipfile.ZipFile(buffer, "w") as target:
        infos = sorted(source.infolist(), key=lambda info: not info.filename.endswith("METADATA"))
        for info in infos:
            data = source.read(info)
            if info.filename.endswith("METADATA"):
                target.writestr(info, data.replace(b"Name: alpha\n", b"Name: " + name + b"\n"))
                if padding_after_metadata:
                    target.writestr("padding.bin", os.urandom(padding_after_metadata))
            else:
                target.writestr(info, data)
    return buffer.getvalue()


def replace_alpha_wheel(index: HostileIndex, data: bytes) -> None:
    position = next(i for i, file in enumerate(index.files) if file.filename == ALPHA_WHEEL)
    index.files[position] = IndexFile("alpha", ALPHA_WHEEL, data)
