"""Git checkouts for ``git+URL@REV`` requirements, with the ``git`` program.

A checkout is made the way nixpkgs' ``fetchgit`` makes it (the commit's tree, no
``.git``), so that the NAR hash pypi2nix writes is the one Nix will find.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from pathlib import Path

from pypi2nix.credentials import redact_url
from pypi2nix.errors import NetworkError
from pypi2nix.local_files import LocalFileError, read_local_file

logger = logging.getLogger(__name__)

_COMMIT = re.compile(r"[0-9a-f]{40}")
_ABBREVIATED_COMMIT = re.compile(r"[0-9a-f]{7,40}")
# Settings that would change the files of a checkout, pinned to git's defaults.
_NEUTRAL_CONFIG = (
    "-c", "core.autocrlf=false", "-c", "core.eol=lf", "-c", "core.symlinks=true",
    "-c", "advice.detachedHead=false", "-c", "init.defaultBranch=main",
)  # fmt: skip
GIT_TIMEOUT_SECONDS = 300.0
MAX_ATTRIBUTES_BYTES = 1024 * 1024


class GitError(NetworkError):
    """git could not fetch or check out what was asked for."""


def checkout(url: str, rev: str | None, destination: Path) -> str:
    """Check out ``rev`` (a branch, tag or commit; the default branch when ``None``) of
    the repository into ``destination``, without ``.git``; return the full commit.

    :raises GitError: when git is missing, the repository or the revision cannot be
        fetched, or the checkout uses submodules.
    """
    destination.mkdir(parents=True)

    def git(*arguments: str) -> str:
        return _git(url, "-C", str(destination), *arguments)

    git("init", "--quiet")
    try:
        git("fetch", "--quiet", "--depth", "1", "--end-of-options", url, rev or "HEAD")
        commit = git("rev-parse", "--verify", "FETCH_HEAD^{commit}").strip()
    except GitError:
        if rev is None or not _ABBREVIATED_COMMIT.fullmatch(rev):
            raise
        # Some servers give only what a ref points to: fetch them all, then look.
        git("fetch", "--quiet", "--end-of-options", url, "+refs/*:refs/fetched/*")
        commit = git("rev-parse", "--verify", "--end-of-options", f"{rev}^{{commit}}").strip()
    if rev and _COMMIT.fullmatch(rev) and commit != rev:
        raise GitError(redact_url(url), f"{rev} is not a commit of the repository")
    git("checkout", "--quiet", "--detach", commit)
    if (destination / ".gitmodules").exists():
        raise GitError(
            redact_url(url), "the repository uses git submodules, which pypi2nix does not fetch"
        )
    shutil.rmtree(destination / ".git")
    return commit


def uses_export_attributes(tree: Path) -> bool:
    """Whether ``.gitattributes`` files make ``git archive`` (and so a GitHub tarball)
    hold other files than a checkout (``export-ignore``, ``export-subst``).

    :raises LocalFileError: for a ``.gitattributes`` that is not a regular file, or
        larger than :data:`MAX_ATTRIBUTES_BYTES` (its path relative to the tree).
    """
    for directory, _, files in os.walk(tree):
        if ".gitattributes" in files:
            text = _attributes_text(Path(directory, ".gitattributes"), tree)
            if "export-ignore" in text or "export-subst" in text:
                return True
    return False


def _attributes_text(path: Path, tree: Path) -> str:
    """A ``.gitattributes`` file's text. git ignores one that is a symbolic link, and
    so does this: it is never followed."""
    if path.is_symlink():
        return ""
    try:
        data = read_local_file(path, MAX_ATTRIBUTES_BYTES, follow_symlinks=False)
    except LocalFileError as error:
        raise LocalFileError(f"{path.relative_to(tree)}: {error.reason}") from error
    return data.decode("utf-8", "replace")


def _git(url: str, *arguments: str) -> str:
    executable = shutil.which("git")
    if executable is None:
        raise GitError(
            redact_url(url), "git is needed for git requirements, and it is not installed"
        )
    environment = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true", "LC_ALL": "C"}
    try:
        result = subprocess.run(
            [executable, *_NEUTRAL_CONFIG, *arguments],
            capture_output=True,
            text=True,
            env=environment,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise GitError(redact_url(url), "git did not finish in time") from error
    if result.returncode != 0:
        message = (result.stderr.strip().splitlines() or ["git failed"])[-1]
        raise GitError(redact_url(url), redact_url(message.removeprefix("fatal: ")))
    logger.debug("git %s", " ".join(arguments))
    return result.stdout
