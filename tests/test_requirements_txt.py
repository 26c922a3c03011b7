from __future__ import annotations

import codecs
from typing import TYPE_CHECKING

import pytest
from packaging.utils import canonicalize_name

from pypi2nix.errors import InputError, InputFileError
from pypi2nix.models import DirectSource
from tests.support import read_inputs

if TYPE_CHECKING:
    from pathlib import Path

SHA = "a" * 64


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_pip_syntax(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PINNED_FLASK", "3.0.0")
    main = write(
        tmp_path,
        "requirements.txt",
        "# a comment line\n"
        "\n"
        'requests[socks]>=2.30 ; python_version >= "3.8"  # trailing comment\n'
        "flask \\\n"
        f"  ==${{PINNED_FLASK}} --hash=sha256:{SHA} \\\n"
        f"  --hash sha256:{'B' * 64}\n"
        "--index-url https://index.example.test/simple/\n"
        "--extra-index-url=https://other.example.test/simple/\n"
        "--pre\n"
        "-r sub/more.txt\n"
        "--constraint=sub/constraints.txt\n",
    )
    write(tmp_path, "sub/more.txt", "attrs\n-c constraints.txt\n")
    write(tmp_path, "sub/constraints.txt", "urllib3<3\n")

    result = read_inputs([main], ["rich>=13"])

    names = [(str(entry.requirement), str(entry.origin)) for entry in result.requirements]
    assert names == [
        ('requests[socks]>=2.30; python_version >= "3.8"', f"{main}:3"),
        ("flask==3.0.0", f"{main}:4"),
        ("attrs", f"{tmp_path}/sub/more.txt:1"),
        ("rich>=13", "command line"),
    ]
    assert result.requirements[1].hashes == {SHA, "b" * 64}
    # sub/constraints.txt is included twice (from both files): it is read once
    assert [str(c.requirement) for c in result.constraints] == ["urllib3<3"]
    assert result.index_url == "https://index.example.test/simple/"
    assert result.extra_index_urls == ("https://other.example.test/simple/",)
    assert result.pre is True
    assert result.sources == (
        str(main),
        f"{tmp_path}/sub/more.txt",
        f"{tmp_path}/sub/constraints.txt",
    )


def test_constraint_file_from_the_command_line(tmp_path: Path) -> None:
    constraints = write(tmp_path, "c.txt", "gamma<3\n-r nested.txt\n")
    write(tmp_path, "nested.txt", "beta==1.1.0\n")
    result = read_inputs(specs=["alpha"], constraint_files=[constraints])
    assert [str(c.requirement) for c in result.constraints] == ["gamma<3", "beta==1.1.0"]
    assert [str(r.requirement) for r in result.requirements] == ["alpha"]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("git+https://example.test/repo.git@v1", "give the project's name"),
        ("https://example.test/readme.txt", "a URL must name an sdist or a wheel"),
        ("./libs/foo", "no such file or directory"),
        ("foo-1.0-py3-none-any.whl", "no such file or directory"),
        ("-e .", "cannot tell the name of"),
        ("-e requests", "-e needs a git URL or a local path"),
        ("svn+https://example.test/repo#egg=foo", "only git repositories are supported"),
        ("requests ==", "invalid requirement"),
        ("requests; python_version >>> '3'", "invalid requirement"),
        ("--frobnicate", "unknown option --frobnicate"),
        ("-r", "option -r needs a value"),
        ("--hash=sha256:abc", "needs a requirement on the same line"),
        ("foo --hash=md5:abc", "only sha256 hashes"),
        ("foo --hash=sha256:xyz", "malformed sha256 hash"),
        ("foo -r other.txt", "option -r cannot follow a requirement"),
        ("-f ./wheels", "--find-links: no such folder"),
    ],
)
def test_bad_lines_name_file_line_and_text(tmp_path: Path, line: str, reason: str) -> None:
    path = write(tmp_path, "requirements.txt", f"six\n{line}\n")
    with pytest.raises(InputError) as caught:
        read_inputs([path])
    message = str(caught.value)
    assert message.startswith(f"{path}:2: ")
    assert reason in message
    assert repr(line) in message


def test_bad_spec_on_the_command_line() -> None:
    with pytest.raises(InputError, match=r"^command line: invalid requirement .*'requests =='$"):
        read_inputs(specs=["requests =="])


def test_missing_include_names_the_including_line(tmp_path: Path) -> None:
    path = write(tmp_path, "requirements.txt", "-r missing.txt\n")
    with pytest.raises(InputError, match=r"requirements.txt:1: No such file or directory: '-r "):
        read_inputs([path])


def test_include_cycle(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", "six\n-r b.txt\n")
    write(tmp_path, "b.txt", "-r a.txt\n")
    with pytest.raises(InputError, match=r"b.txt:1: include cycle: .*a.txt includes itself"):
        read_inputs([path])


def test_unreadable_top_level_files(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=r"cannot read requirements file .*No such file"):
        read_inputs([tmp_path / "absent.txt"])
    with pytest.raises(InputFileError, match=r"cannot read constraints file .*No such file"):
        read_inputs([], constraint_files=[tmp_path / "absent.txt"])
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0")
    with pytest.raises(InputFileError, match="binary file"):
        read_inputs([binary])
    latin = tmp_path / "latin.txt"
    latin.write_bytes("caf\xe9\n".encode("latin-1"))
    with pytest.raises(InputFileError, match="not UTF-8"):
        read_inputs([latin])
    with pytest.raises(InputFileError, match="it is a directory"):
        read_inputs([tmp_path])


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-8-sig"])
def test_a_file_with_a_byte_order_mark_is_read_as_pip_reads_it(
    tmp_path: Path, encoding: str
) -> None:
    path = tmp_path / "requirements.txt"
    text = "six>=1\nrequests==2.31.0\n"
    marks = {"utf-16-be": codecs.BOM_UTF16_BE, "utf-16": b"", "utf-32": b"", "utf-8-sig": b""}
    path.write_bytes(marks[encoding] + text.encode(encoding))
    names = [str(entry.requirement) for entry in read_inputs([path]).requirements]
    assert names == ["six>=1", "requests==2.31.0"]


def test_ignored_options_warn(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write(tmp_path, "requirements.txt", "--trusted-host example.test\nsix\n")
    assert [str(r.requirement) for r in read_inputs([path]).requirements] == ["six"]
    assert "ignoring --trusted-host" in caplog.text


@pytest.mark.parametrize(
    ("line", "name", "expected"),
    [
        (
            "foo[bar] @ git+https://git.example.test/foo.git@v1.2 ; python_version > '3'",
            "foo",
            DirectSource(kind="git", url="https://git.example.test/foo.git", rev="v1.2"),
        ),
        (
            "-e git+ssh://git@git.example.test/foo.git@0123abc#egg=Foo_Bar",
            "foo-bar",
            DirectSource(kind="git", url="ssh://git@git.example.test/foo.git", rev="0123abc"),
        ),
        (
            "git+https://git.example.test/foo.git#egg=foo",
            "foo",
            DirectSource(kind="git", url="https://git.example.test/foo.git"),
        ),
        (
            f"https://files.example.test/foo-1.0.tar.gz#sha256={'a' * 64}",
            "foo",
            DirectSource(
                kind="url", url="https://files.example.test/foo-1.0.tar.gz", sha256="a" * 64
            ),
        ),
        (
            f"bar @ https://files.example.test/x/Bar-2.0-py3-none-any.whl --hash=sha256:{'b' * 64}",
            "bar",
            DirectSource(
                kind="url",
                url="https://files.example.test/x/Bar-2.0-py3-none-any.whl",
                sha256="b" * 64,
            ),
        ),
    ],
)
def test_direct_references(tmp_path: Path, line: str, name: str, expected: DirectSource) -> None:
    path = write(tmp_path, "requirements.txt", f"{line}\n")
    (entry,) = read_inputs([path]).requirements
    assert canonicalize_name(entry.requirement.name) == name
    assert entry.direct == expected


def test_local_paths_are_relative_to_the_file_and_named_by_their_metadata(tmp_path: Path) -> None:
    project = tmp_path / "libs" / "local"
    project.mkdir(parents=True)
    (project / "pyproject.toml").write_text('[project]\nname = "Local_Thing"\nversion = "1.0"\n')
    (tmp_path / "sub").mkdir()
    path = write(tmp_path / "sub", "requirements.txt", "../libs/local[extra]\n-e ../libs/local\n")
    first, second = read_inputs([path]).requirements
    assert str(first.requirement) == "local-thing[extra]"
    assert first.direct == DirectSource(kind="path", url=str(project))
    assert second.direct == first.direct
    uri = write(tmp_path, "other.txt", f"{project.as_uri()}\n")
    (third,) = read_inputs([uri]).requirements
    assert third.direct == first.direct
