"""Direct sources end to end: a requirements file mixing an index name, an archive URL,
a local folder, a git repository (a local one, over file://) and a GitHub repository
(rerouted to a local one with git's insteadOf). The hashes are checked against the
nix binaries, and the sources build offline in the stand-in."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import tomllib
from typing import TYPE_CHECKING, Any

import pytest
import tomli_w
from packaging.pylock import Pylock
from packaging.utils import canonicalize_name

from pypi2nix.cli import main
from pypi2nix.lock.pylock import read_pylock
from pypi2nix.nix.hashes import sri_sha256
from pypi2nix.sources.nar import nar_sha256
from tests.support import nix
from tests.support.fixture_index import FILES_ORIGIN, INDEX_URL, IndexFile, build_sdist

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.fixture_index import FixtureIndex

GIT_ENVIRONMENT = {
    "GIT_AUTHOR_NAME": "Fixture", "GIT_AUTHOR_EMAIL": "fixture@example.test",
    "GIT_COMMITTER_NAME": "Fixture", "GIT_COMMITTER_EMAIL": "fixture@example.test",
    "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z",
    "GIT_CONFIG_NOSYSTEM": "1",
}  # fmt: skip
GITHUB_URL = "https://github.com/example/githubpkg"
URL_SDIST = f"{FILES_ORIGIN}/packages/direct/urlpkg-1.0.tar.gz"


def project(
    root: Path, name: str, version: str, dependencies: list[str], backend: str = "setuptools"
) -> Path:
    """A minimal project folder with static metadata in pyproject.toml."""
    module = root / name.replace("-", "_")
    module.mkdir(parents=True)
    imports = "".join(
        f"import {dependency.split('>')[0].replace('-', '_')}\n" for dependency in dependencies
    )
    (module / "__init__.py").write_text(f'{imports}VERSION = "{version}"\n')
    build = (
        '[build-system]\nrequires = ["flit_core>=3.2"]\nbuild-backend = "flit_core.buildapi"\n'
        if backend == "flit"
        else '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
    )
    quoted = ", ".join(f'"{dependency}"' for dependency in dependencies)
    (root / "pyproject.toml").write_text(
        f'{build}[project]\nname = "{name}"\nversion = "{version}"\ndescription = "The {name} fixture"\n'
        f'license = "MIT"\ndependencies = [{quoted}]\n'
    )
    return root


def git(repository: Path, *arguments: str) -> str:
    environment = {**os.environ, **GIT_ENVIRONMENT}
    result = subprocess.run(
        ["git", "-C", str(repository), *arguments],
        capture_output=True,
        text=True,
        env=environment,
        check=True,
    )
    return result.stdout.strip()


def git_repository(
    root: Path, name: str, version: str, dependencies: list[str]
) -> tuple[Path, str]:
    """A repository whose commit has a project, an executable script and a symlink;
    tagged ``v{version}``. Returns it and the commit."""
    project(root, name, version, dependencies)
    (root / "tool.sh").write_text("#!/bin/sh\necho tool\n")
    (root / "tool.sh").chmod(0o755)
    (root / "README").symlink_to("pyproject.toml")
    git(root, "init", "--quiet", "--initial-branch", "main")
    git(root, "add", ".")
    git(root, "commit", "--quiet", "-m", "release")
    git(root, "tag", f"v{version}")
    return root, git(root, "rev-parse", "HEAD")


@pytest.fixture
def sources(
    fixture_index: FixtureIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    """The four kinds of direct source, and a requirements file naming them all."""
    git_repo, git_commit = git_repository(
        tmp_path / "repos" / "gitpkg", "gitpkg", "1.2.0", ["gamma"]
    )
    github_repo, github_commit = git_repository(
        tmp_path / "repos" / "githubpkg", "githubpkg", "0.1.0", []
    )
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", f"url.{github_repo.as_uri()}.insteadOf")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", GITHUB_URL)
    project(tmp_path / "work" / "libs" / "localpkg", "localpkg", "0.3.0", ["beta"], backend="flit")
    url_tree = project(tmp_path / "trees" / "urlpkg-1.0", "urlpkg", "1.0", ["epsilon"])
    url_sdist = IndexFile("urlpkg", "urlpkg-1.0.tar.gz", build_sdist(url_tree, "urlpkg-1.0.tar.gz"))
    fixture_index.files.append(url_sdist)
    work = tmp_path / "work"
    (work / "requirements.txt").write_text(
        "# one of each kind\n"
        "alpha\n"
        f"urlpkg @ {URL_SDIST}#sha256={url_sdist.sha256}\n"
        "./libs/localpkg\n"
        f"gitpkg @ git+{git_repo.as_uri()}@v1.2.0\n"
        f"githubpkg @ git+{GITHUB_URL}@v0.1.0\n"
    )
    return {
        "work": work,
        "git_repo": git_repo,
        "git_commit": git_commit,
        "github_repo": github_repo,
        "github_commit": github_commit,
        "url_sdist": url_sdist,
    }


def generate(work: Path, *extra: str) -> int:
    arguments = ["-r", "requirements.txt", "-i", INDEX_URL, "--python", "3.11", "-O", "out"]
    with contextlib.chdir(work):
        return main(["generate", *arguments, "-q", *extra])


def checkout_tree(repository: Path, commit: str, destination: Path) -> Path:
    """The tree fetchgit makes: the commit, without .git."""
    subprocess.run(["git", "clone", "--quiet", str(repository), str(destination)], check=True)
    git(destination, "checkout", "--quiet", commit)
    shutil.rmtree(destination / ".git")
    return destination


def test_each_kind_of_source_is_written_as_nixpkgs_fetches_it(
    sources: dict[str, Any], tmp_path: Path
) -> None:
    work = sources["work"]
    assert generate(work) == 0
    text = (work / "out" / "requirements.nix").read_text()
    url_sdist: IndexFile = sources["url_sdist"]
    assert (
        f'url = "{URL_SDIST}";\n          hash = "{sri_sha256(bytes.fromhex(url_sdist.sha256))}";'
        in text
    )
    assert "src = lib.cleanSource ../libs/localpkg;" in text
    assert (
        "# localpkg @ ../libs/localpkg\n" in (work / "out" / "requirements_frozen.txt").read_text()
    )
    git_tree = nar_sha256(
        checkout_tree(sources["git_repo"], sources["git_commit"], tmp_path / "check")
    )
    assert (
        f'src = fetchgit {{\n          url = "{sources["git_repo"].as_uri()}";\n'
        f'          rev = "{sources["git_commit"]}";\n          hash = "{sri_sha256(git_tree)}";'
    ) in text
    assert (
        'src = fetchFromGitHub {\n          owner = "example";\n          repo = "githubpkg";\n'
        f'          rev = "{sources["github_commit"]}";'
    ) in text
    assert "inherit (pkgs) fetchFromGitHub fetchPypi fetchgit fetchurl lib;" in text
    frozen = (work / "out" / "requirements_frozen.txt").read_text()
    assert f"urlpkg @ {URL_SDIST} \\\n    --hash=sha256:{url_sdist.sha256}\n" in frozen
    assert f"# gitpkg @ git+{sources['git_repo'].as_uri()}@{sources['git_commit']}\n" in frozen
    assert "epsilon==0.5.0" in frozen  # urlpkg's dependency
    assert "beta==1.1.0" in frozen  # localpkg's


@pytest.mark.nix
def test_the_hashes_are_the_ones_nix_computes(sources: dict[str, Any], tmp_path: Path) -> None:
    assert generate(sources["work"]) == 0
    text = (sources["work"] / "out" / "requirements.nix").read_text()
    tree = checkout_tree(sources["git_repo"], sources["git_commit"], tmp_path / "source")
    expected = nix.run("nix-hash", "--type", "sha256", str(tree)).strip()
    assert sri_sha256(bytes.fromhex(expected)) in text
    url_sdist: IndexFile = sources["url_sdist"]
    (tmp_path / url_sdist.filename).write_bytes(url_sdist.data)
    added = nix.add_fixed(tmp_path / url_sdist.filename)
    printed = nix.run(
        "nix-store",
        "--print-fixed-path",
        "sha256",
        hashlib.sha256(url_sdist.data).hexdigest(),
        url_sdist.filename,
    ).strip()
    assert added == printed
    assert sri_sha256(hashlib.sha256(url_sdist.data).digest()) in text


@pytest.mark.nix
def test_direct_sources_evaluate_and_build_offline(
    sources: dict[str, Any], nixpkgs: Path, tmp_path: Path
) -> None:
    work = sources["work"]
    assert generate(work) == 0
    # What the stand-in cannot fetch itself: the archive URL and GitHub.
    url_sdist: IndexFile = sources["url_sdist"]
    (tmp_path / url_sdist.filename).write_bytes(url_sdist.data)
    nix.add_fixed(tmp_path / url_sdist.filename)
    github_tree = checkout_tree(
        sources["github_repo"], sources["github_commit"], tmp_path / "github" / "source"
    )
    nix.run("nix-store", "--add-fixed", "--recursive", "sha256", str(github_tree))
    requirements = work / "out" / "requirements.nix"
    nixpkgs = nix.also_serving(nixpkgs, [URL_SDIST], tmp_path / "nixpkgs")
    evaluated = nix.evaluate(
        f"let pkgs = import {nixpkgs} {{ }}; r = import {requirements} {{ inherit pkgs; }}; in "
        "builtins.mapAttrs (name: p: p.version) r.packages"
    )
    assert evaluated["gitpkg"] == "1.2.0"
    assert evaluated["localpkg"] == "0.3.0"
    assert evaluated["githubpkg"] == "0.1.0"
    code = "import alpha, urlpkg, localpkg, gitpkg, githubpkg, epsilon; print(gitpkg.VERSION)"
    assert nix.run_in_interpreter(requirements, nixpkgs, code).strip() == "1.2.0"


def test_a_url_whose_download_differs_from_its_hash(
    sources: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    work = sources["work"]
    text = (work / "requirements.txt").read_text()
    (work / "requirements.txt").write_text(text.replace(sources["url_sdist"].sha256, "0" * 64))
    assert generate(work) == 1
    err = capsys.readouterr().err.strip()
    assert (
        f"hash mismatch for {URL_SDIST}: expected sha256 {'0' * 64}, got {sources['url_sdist'].sha256}"
        in err
    )
    assert not (work / "out").exists()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("gitpkg @ git+{git}@v9.9.9", "couldn't find remote ref v9.9.9"),
        ("wrongname @ git+{git}@v1.2.0", "the source holds gitpkg, not wrongname"),
        ("gitpkg @ git+{git}@v1.2.0\ngitpkg @ ./libs/localpkg", "gitpkg has another source"),
        ("gitpkg>=2 @ git+{git}@v1.2.0", "invalid requirement"),
    ],
)
def test_bad_direct_sources(
    sources: dict[str, Any], capsys: pytest.CaptureFixture[str], line: str, message: str
) -> None:
    work = sources["work"]
    (work / "requirements.txt").write_text(line.format(git=sources["git_repo"].as_uri()) + "\n")
    assert generate(work) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert message in err[0]
    assert not (work / "out").exists()


def test_a_pin_that_needs_another_version_of_a_direct_source(
    sources: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    work = sources["work"]
    (work / "requirements.txt").write_text(
        f"gitpkg @ git+{sources['git_repo'].as_uri()}@v1.2.0\ngitpkg<1\n"
    )
    assert generate(work) == 1
    err = capsys.readouterr().err
    assert "no version of gitpkg matches <1" in err
    source = f"git+{sources['git_repo'].as_uri()}@{sources['git_commit']}"
    assert f"its only source, {source}, holds 1.2.0" in err
    assert "the index has" not in err


# Direct sources are pins like the others: read back from the frozen file, listed once
# in the change table, movable with ``update NAME``; a git branch or tag keeps its
# commit until it is updated.


def update(work: Path, *names: str) -> int:
    with contextlib.chdir(work):
        return main(["update", "-O", "out", "--no-cache", *names])


def frozen_pins(work: Path) -> dict[str, str]:
    state = read_pylock(work / "out" / "pylock.toml")
    return {name: str(version) for name, version in state.pins.items()}


def on_branch(sources: dict[str, Any]) -> Path:
    """The requirements name gitpkg by its branch ``main``."""
    work: Path = sources["work"]
    text = (work / "requirements.txt").read_text().replace("@v1.2.0", "@main")
    (work / "requirements.txt").write_text(text)
    return work


def move_branch(repository: Path) -> str:
    (repository / "CHANGES").write_text("a new commit on main\n")
    git(repository, "add", "CHANGES")
    git(repository, "commit", "--quiet", "-m", "more")
    return git(repository, "rev-parse", "HEAD")


def test_direct_pins_are_read_back_from_the_lock(sources: dict[str, Any]) -> None:
    work = sources["work"]
    assert generate(work) == 0
    pins = frozen_pins(work)
    assert {name: pins[name] for name in ("urlpkg", "localpkg", "gitpkg", "githubpkg")} == {
        "urlpkg": "1.0",
        "localpkg": "0.3.0",
        "gitpkg": "1.2.0",
        "githubpkg": "0.1.0",
    }
    state = read_pylock(work / "out" / "pylock.toml")
    gitpkg = state.commits[canonicalize_name("gitpkg")]
    assert (gitpkg.rev, gitpkg.commit) == ("v1.2.0", sources["git_commit"])


def test_a_second_run_lists_no_direct_pin_as_added(
    sources: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    work = sources["work"]
    assert generate(work) == 0
    capsys.readouterr()
    with contextlib.chdir(work):
        arguments = ["-r", "requirements.txt", "-i", INDEX_URL, "--python", "3.11", "-O", "out"]
        assert main(["generate", *arguments]) == 0
    captured = capsys.readouterr()
    assert "Added" not in captured.out + captured.err
    assert "(none)" not in captured.out + captured.err


def test_update_names_a_direct_pin(
    sources: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    work = sources["work"]
    assert generate(work) == 0
    for name in ("gitpkg", "urlpkg", "localpkg"):
        assert update(work, name) == 0, capsys.readouterr().err
    assert "not pinned" not in capsys.readouterr().err


def test_a_moved_branch_keeps_its_commit_until_updated(
    sources: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    work = on_branch(sources)
    old = sources["git_commit"]
    assert generate(work) == 0
    new = move_branch(sources["git_repo"])
    assert generate(work) == 0
    assert f'rev = "{old}";' in (work / "out" / "requirements.nix").read_text()
    capsys.readouterr()
    assert update(work, "alpha") == 0  # another pin: gitpkg stays
    assert f'rev = "{old}";' in (work / "out" / "requirements.nix").read_text()
    capsys.readouterr()
    assert update(work, "gitpkg") == 0
    assert f'rev = "{new}";' in (work / "out" / "requirements.nix").read_text()
    table = capsys.readouterr().out
    assert f"gitpkg  1.2.0 ({old[:7]} -> {new[:7]})" in table


def test_a_fixed_commit_stays_when_updated(sources: dict[str, Any]) -> None:
    work: Path = sources["work"]
    old = sources["git_commit"]
    text = (work / "requirements.txt").read_text().replace("@v1.2.0", f"@{old}")
    (work / "requirements.txt").write_text(text)
    assert generate(work) == 0
    move_branch(sources["git_repo"])
    assert update(work) == 0
    assert f'rev = "{old}";' in (work / "out" / "requirements.nix").read_text()


def test_the_lock_is_the_document_packaging_writes(sources: dict[str, Any]) -> None:
    """pylock.toml is made as plain data, not through packaging's classes: it must be
    what ``Pylock.to_dict`` gives for the same lock (fields, their order, no unset
    ones), for index pins and each kind of direct source."""
    work = sources["work"]
    assert generate(work) == 0
    text = (work / "out" / "pylock.toml").read_text()
    document = Pylock.from_dict(tomllib.loads(text))
    assert {package.vcs is not None for package in document.packages} == {True, False}
    assert any(package.directory is not None for package in document.packages)
    assert any(package.archive is not None for package in document.packages)
    assert any(package.wheels for package in document.packages)
    assert tomli_w.dumps(document.to_dict()) == text
