"""The tests' package index: made-up hosts, files built from ``fixtures/`` on the fly.

:func:`build_files` turns the source trees of ``fixtures/packages/`` into real sdists
and wheels (deterministic bytes) as ``fixtures/index.toml`` lists them, plus the real
files recorded under ``fixtures/real/``. :class:`FixtureIndex` serves them through
``responses`` the way a Simple API index does: PEP 691 JSON pages (or PEP 503 HTML),
PEP 658 ``.metadata`` files, and byte ranges.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import html
import io
import json
import re
import tarfile
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import responses
from packaging.utils import canonicalize_name

if TYPE_CHECKING:
    from collections.abc import Iterable

    from requests import PreparedRequest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
INDEX_URL = "https://index.example.test/simple/"
FILES_ORIGIN = "https://files.example.test"
UPLOAD_TIME = "2024-01-01T00:00:00.000000Z"
_NOT_IN_WHEELS = ("PKG-INFO", "pyproject.toml", "setup.cfg", "setup.py")
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class IndexFile:
    """One file of the fixture index."""

    project: str
    filename: str
    data: bytes
    yanked: str | None = None
    requires_python: str | None = None
    pep658: bool = True
    # The python_version recorded at upload (a wheel's own python tag when not given):
    # the files host's redirect path for a wheel holds it.
    upload_python: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def url(self) -> str:
        digest = self.sha256
        return f"{FILES_ORIGIN}/packages/{digest[:2]}/{digest[2:4]}/{digest[4:]}/{self.filename}"

    def served_urls(self) -> list[str]:
        """The URLs the files host answers for the file: its own, and the redirect path
        of fetchPypi's kind (``mirror://pypi/`` for an sdist, ``packages/<python_version
        at upload>/`` for a wheel)."""
        if self.filename.endswith(".whl"):
            distribution, _version, python = self.filename.split("-")[:3]
            folder = self.upload_python or python
            redirect = f"{FILES_ORIGIN}/packages/{folder}/{distribution[0]}/{distribution}/"
        else:
            stem = self.filename.rpartition("-")[0]
            redirect = f"mirror://pypi/{stem[0]}/{stem}/"
        return [self.url, redirect + self.filename]

    def metadata(self) -> bytes | None:
        """The PEP 658 file: the wheel's METADATA."""
        if not self.filename.endswith(".whl") or not self.pep658:
            return None
        with zipfile.ZipFile(io.BytesIO(self.data)) as archive:
            name = next(
                n
                for n in archive.namelist()
                if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
            )
            return archive.read(name)


def build_files(table: Path = FIXTURES / "index.toml") -> list[IndexFile]:
    """Every file the fixture index serves, built from the fixtures."""
    files = []
    for release in tomllib.loads(table.read_text())["release"]:
        options = {
            "yanked": release.get("yanked"),
            "requires_python": release.get("requires-python"),
            "pep658": release.get("pep658", True),
            "upload_python": release.get("upload-python"),
        }
        if "file" in release:
            path = FIXTURES / release["file"]
            files.append(_index_file(path.name, path.read_bytes(), options))
            continue
        tree = FIXTURES / "packages" / release["tree"]
        if "sdist" in release:
            files.append(
                _index_file(release["sdist"], build_sdist(tree, release["sdist"]), options)
            )
        if "wheel" in release:
            extra = release.get("wheel-extra")
            extra_tree = None if extra is None else FIXTURES / "packages" / extra
            wheel = build_wheel(tree, release["wheel"], extra=extra_tree)
            files.append(_index_file(release["wheel"], wheel, options))
    return files


def _index_file(filename: str, data: bytes, options: dict[str, Any]) -> IndexFile:
    project = canonicalize_name(re.split(r"-\d", filename, maxsplit=1)[0])
    return IndexFile(project=project, filename=filename, data=data, **options)


def _tree_files(tree: Path) -> list[tuple[str, bytes]]:
    return sorted(
        (path.relative_to(tree).as_posix(), path.read_bytes())
        for path in tree.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    )


def build_sdist(tree: Path, filename: str) -> bytes:
    """A deterministic sdist of a source tree, rooted at ``<stem>/`` as build tools do."""
    stem = filename.removesuffix(".tar.gz").removesuffix(".zip")
    members = [(f"{stem}/{name}", data) for name, data in _tree_files(tree)]
    if filename.endswith(".zip"):
        return _zip(members)
    return _tar_gz(members, root=stem)


def build_wheel(tree: Path, filename: str, *, extra: Path | None = None) -> bytes:
    """A deterministic wheel of a source tree (modules + .dist-info), tagged as its file
    name says (a platform tag makes it a binary wheel: not purelib).

    :param extra: a tree whose files the wheel holds too (a wheel built from an older
        tree than its sdist's).
    """
    name, version = filename.split("-")[:2]
    tag = filename.removesuffix(".whl").split("-", 2)[2]
    dist_info = f"{name}-{version}.dist-info"
    members = sorted(
        (path, data)
        for path, data in [*_tree_files(tree), *(_tree_files(extra) if extra else [])]
        if path not in _NOT_IN_WHEELS and ".egg-info/" not in path
    )
    members.append((f"{dist_info}/METADATA", (tree / "PKG-INFO").read_bytes()))
    members.append(
        (
            f"{dist_info}/WHEEL",
            f"Wheel-Version: 1.0\nGenerator: pypi2nix-fixtures\n"
            f"Root-Is-Purelib: {'true' if tag.endswith('-any') else 'false'}\nTag: {tag}\n".encode(),
        )
    )
    record = "".join(f"{path},sha256={_record_hash(data)},{len(data)}\n" for path, data in members)
    members.append((f"{dist_info}/RECORD", (record + f"{dist_info}/RECORD,,\n").encode()))
    return _zip(members)


def _record_hash(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _zip(members: Iterable[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def _tar_gz(members: Iterable[tuple[str, bytes]], *, root: str) -> bytes:
    tar_buffer = io.BytesIO()
    with tarfile.open(fileobj=tar_buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        directory = tarfile.TarInfo(root)
        directory.type = tarfile.DIRTYPE
        directory.mode = 0o755
        archive.addfile(directory)
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(data))
    compressed = io.BytesIO()
    with gzip.GzipFile(fileobj=compressed, mode="wb", mtime=0) as gz:
        gz.write(tar_buffer.getvalue())
    return compressed.getvalue()


@dataclass
class FixtureIndex:
    """Serves :class:`IndexFile` objects at the made-up index and files hosts.

    :param html: serve PEP 503 HTML pages instead of PEP 691 JSON.
    :param ranges: answer ``Range`` requests (else with the whole file, as some
        servers do).
    """

    files: list[IndexFile]
    html: bool = False
    ranges: bool = True
    requests: list[str] = field(default_factory=list)
    # The bytes of files (and their parts) served, metadata files included.
    served_bytes: int = 0
    # The Authorization header of each page request (None: none was sent).
    page_authorizations: list[str | None] = field(default_factory=list)

    def register(self, mock: responses.RequestsMock) -> None:
        # With or without a user name and password in the URL.
        page = re.compile(
            re.escape(INDEX_URL).replace("https://", r"https://(?:[^/@]+@)?") + r"([^/]+)/$"
        )
        mock.add_callback(responses.GET, page, callback=self._page)
        files = re.compile(re.escape(FILES_ORIGIN) + r"/packages/.+")
        mock.add_callback(responses.GET, files, callback=self._file)

    def project_files(self, name: str) -> list[IndexFile]:
        return [file for file in self.files if file.project == canonicalize_name(name)]

    def _page(self, request: PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        assert request.url is not None
        self.requests.append(request.url)
        authorization = request.headers.get("Authorization")
        self.page_authorizations.append(None if authorization is None else str(authorization))
        name = request.url.rstrip("/").rsplit("/", 1)[-1]
        files = self.project_files(name)
        if not files:
            return 404, {}, b"not found"
        accept = str(request.headers.get("Accept", ""))
        if self.html or "application/vnd.pypi.simple.v1+json" not in accept:
            return 200, {"Content-Type": "text/html"}, _html_page(name, files)
        headers = {"Content-Type": "application/vnd.pypi.simple.v1+json"}
        return 200, headers, _json_page(name, files)

    def _file(self, request: PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        assert request.url is not None
        self.requests.append(request.url)
        filename = request.url.rsplit("/", 1)[-1]
        if filename.endswith(".metadata"):
            file = self._by_name(filename.removesuffix(".metadata"))
            metadata = None if file is None else file.metadata()
            return (404, {}, b"") if metadata is None else (200, {}, metadata)
        file = self._by_name(filename)
        if file is None:
            return 404, {}, b""
        status, headers, body = _ranged(
            file.data, str(request.headers.get("Range", "")) if self.ranges else ""
        )
        self.served_bytes += len(body)
        return status, headers, body

    def _by_name(self, filename: str) -> IndexFile | None:
        return next((file for file in self.files if file.filename == filename), None)


def _json_page(name: str, files: list[IndexFile]) -> bytes:
    page = {
        "meta": {"api-version": "1.1"},
        "name": canonicalize_name(name),
        "files": [
            {
                "filename": file.filename,
                "url": file.url,
                "hashes": {"sha256": file.sha256},
                "requires-python": file.requires_python,
                "yanked": file.yanked or False,
                "size": len(file.data),
                "upload-time": UPLOAD_TIME,
            }
            for file in files
        ],
    }
    return json.dumps(page).encode()


def _html_page(name: str, files: list[IndexFile]) -> bytes:
    anchors = []
    for file in files:
        attributes = f'href="{html.escape(file.url)}#sha256={file.sha256}"'
        if file.requires_python:
            attributes += f' data-requires-python="{html.escape(file.requires_python)}"'
        if file.yanked:
            attributes += f' data-yanked="{html.escape(file.yanked)}"'
        anchors.append(f"<a {attributes}>{html.escape(file.filename)}</a><br/>")
    body = "\n".join(anchors)
    return f"<!DOCTYPE html><html><body><h1>Links for {name}</h1>\n{body}\n</body></html>".encode()


def _ranged(data: bytes, header: str) -> tuple[int, dict[str, str], bytes]:
    match = re.fullmatch(r"bytes=(\d*)-(\d*)", header)
    if match is None:
        return 200, {"Content-Length": str(len(data))}, data
    size = len(data)
    if match[1] == "":
        start, end = max(0, size - int(match[2])), size - 1
    else:
        start, end = int(match[1]), min(size - 1, int(match[2] or size - 1))
    headers = {"Content-Range": f"bytes {start}-{end}/{size}"}
    return 206, headers, data[start : end + 1]
