"""Messages that say what to do: an index URL without its /simple/ part, and ``git://``
requirement lines (pip's spelling of ``git+git://``)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import pytest
import responses

from pypi2nix.cli import main
from pypi2nix.errors import InputError, Origin
from pypi2nix.inputs.direct import parse_direct
from pypi2nix.models import DirectSource

if TYPE_CHECKING:
    from pathlib import Path

WEB = "https://web.example.test/"
HINT = (
    "an index URL names its Simple API, usually ending in /simple/: "
    "try -i https://web.example.test/simple/"
)
WEB_PAGE = b"<!DOCTYPE html><html><body><h1>Welcome</h1><a href='/help'>Help</a></body></html>"


def generate(folder: Path, *arguments: str) -> int:
    with contextlib.chdir(folder):
        return main(["generate", "--python", "3.11", "--dry-run", *arguments])


def test_a_web_page_instead_of_a_simple_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with responses.RequestsMock() as mock:
        mock.get(f"{WEB}beta/", body=WEB_PAGE, content_type="text/html")
        assert generate(tmp_path, "-i", WEB, "-e", "beta") == 1
    assert capsys.readouterr().err.strip().splitlines() == [  # as docs/generate.md shows it
        f"error: cannot fetch {WEB}beta/: the answer is not a Simple API page; {HINT}"
    ]


def test_no_project_under_an_index_url_without_simple(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with responses.RequestsMock() as mock:
        mock.get(f"{WEB}beta/", status=404)
        assert generate(tmp_path, "-i", WEB, "-e", "beta") == 1
    assert capsys.readouterr().err.strip().splitlines() == [
        f"error: no such project on the index: 'beta' (required by command line); "
        f"looked in {WEB} ({HINT})"
    ]


def test_a_git_scheme_line_is_a_git_source(tmp_path: Path) -> None:
    origin = Origin(path="requirements.txt", line_number=1, line="")
    requirement, source = parse_direct(
        origin,
        "git://example.test/foo.git@v1#egg=foo",
        base=tmp_path,
        project_name=lambda _path: "never",
    )
    assert requirement.name == "foo"
    assert source == DirectSource(kind="git", url="git://example.test/foo.git", rev="v1")


def test_another_scheme_is_refused_in_one_line(tmp_path: Path) -> None:
    origin = Origin(path="requirements.txt", line_number=1, line="svn://example.test/foo")
    with pytest.raises(InputError) as caught:
        parse_direct(
            origin, "svn://example.test/foo", base=tmp_path, project_name=lambda _path: "never"
        )
    assert "unsupported URL scheme 'svn': use https://, git+ or a path" in str(caught.value)
