"""The fixture files on a real local HTTP server, for tools run as subprocesses (pip,
pypi2nix itself): a PEP 503 index at ``http://127.0.0.1:PORT/simple/``."""

from __future__ import annotations

import contextlib
import html
import http.server
import threading
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.support.fixture_index import IndexFile


class _IndexHandler(http.server.BaseHTTPRequestHandler):
    """A PEP 503 index of a list of files (with requires-python and yanked)."""

    files: ClassVar[dict[str, IndexFile]] = {}

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path.startswith("/files/") and path[7:] in self.files:
            self._answer(self.files[path[7:]].data, "application/octet-stream")
        elif path.startswith("/simple/") and path.endswith("/"):
            project = path[8:-1]
            links = "".join(_link(file) for file in self.files.values() if file.project == project)
            self._answer(f"<html><body>\n{links}</body></html>\n".encode(), "text/html")
        else:
            self.send_error(404)

    def _answer(self, data: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


def _link(file: IndexFile) -> str:
    attributes = f' href="/files/{file.filename}#sha256={file.sha256}"'
    if file.requires_python:
        attributes += f' data-requires-python="{html.escape(file.requires_python)}"'
    if file.yanked is not None:
        attributes += f' data-yanked="{html.escape(file.yanked)}"'
    return f"<a{attributes}>{file.filename}</a>\n"


@contextlib.contextmanager
def local_index(files: list[IndexFile]) -> Iterator[str]:
    handler = type("Handler", (_IndexHandler,), {"files": {file.filename: file for file in files}})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/simple/"
    finally:
        server.shutdown()
        server.server_close()
