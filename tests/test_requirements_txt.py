from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pypi2nix.errors import InputError, UsageError
from pypi2nix.inputs import read_inputs

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
    assert [str(c.requirement) for c in result.constraints] == ["urllib3<3", "urllib3<3"]
    assert result.index_url == "https://index.example.test/simple/"
    assert result.extra_index_urls == ("https://other.example.test/simple/",)
    assert result.pre is True
    assert result.sources == (
        str(main),
        f"{tmp_path}/sub/more.txt",
        f"{tmp_path}/sub/constraints.txt",
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
        ("git+https://example.test/repo.git@v1#egg=foo", "not supported yet"),
        ("https://example.test/foo-1.0.tar.gz", "not supported yet"),
        ("./libs/foo", "not supported yet"),
        ("foo-1.0-py3-none-any.whl", "not supported yet"),
        ("-e .", "editable and VCS requirements (-e) are not supported yet"),
        ("-e git+https://example.test/repo.git#egg=foo", "not supported yet"),
        ("foo @ https://example.test/foo.tar.gz", "direct references"),
        ("requests ==", "invalid requirement"),
        ("requests; python_version >>> '3'", "invalid requirement"),
        ("--frobnicate", "unknown option --frobnicate"),
        ("-r", "option -r needs a value"),
        ("--hash=sha256:abc", "needs a requirement on the same line"),
        ("foo --hash=md5:abc", "only sha256 hashes"),
        ("foo --hash=sha256:xyz", "malformed sha256 hash"),
        ("foo -r other.txt", "option -r cannot follow a requirement"),
        ("-f ./wheels", "--find-links is not supported"),
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
    with pytest.raises(UsageError, match=r"cannot read requirements file .*No such file"):
        read_inputs([tmp_path / "absent.txt"])
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0")
    with pytest.raises(UsageError, match="binary file"):
        read_inputs([binary])
    latin = tmp_path / "latin.txt"
    latin.write_bytes("caf\xe9\n".encode("latin-1"))
    with pytest.raises(UsageError, match="not UTF-8"):
        read_inputs([latin])
    with pytest.raises(UsageError, match="it is a directory"):
        read_inputs([tmp_path])


def test_ignored_options_warn(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write(tmp_path, "requirements.txt", "--trusted-host example.test\nsix\n")
    assert [str(r.requirement) for r in read_inputs([path]).requirements] == ["six"]
    assert "ignoring --trusted-host" in caplog.text
