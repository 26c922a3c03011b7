"""Errors the user sees: each one is a single clear line, built from its fields.

Every failure that is not a bug is a subclass of :class:`Pypi2NixError`; ``cli.py``
is the only place that catches them, prints ``error: <message>`` and exits with the
error's ``exit_status``: 2 for a usage error (as argparse, pip and uv do), else 1.
"""

from __future__ import annotations

from dataclasses import dataclass


class Pypi2NixError(Exception):
    """Base class of every user-facing error."""

    exit_status = 1

    def __str__(self) -> str:
        return self.message()

    def message(self) -> str:
        return super().__str__()


class UsageError(Pypi2NixError):
    """A bad command-line option or combination of options."""

    exit_status = 2


class NotUpToDate(Pypi2NixError):
    """``--check``: the files are not what the inputs lock to now."""


class InputFileError(Pypi2NixError):
    """A file named on the command line (or the frozen file of an earlier run) that
    cannot be read, or holds nothing to use."""


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a requirement came from: a file and line, or the command line."""

    path: str | None
    line_number: int | None
    line: str

    def __str__(self) -> str:
        if self.path is None:
            return "command line"
        if self.line_number is None:
            return self.path
        return f"{self.path}:{self.line_number}"


class InputError(Pypi2NixError):
    """A requirements input that cannot be read or understood."""

    def __init__(self, origin: Origin, reason: str) -> None:
        super().__init__(origin, reason)
        self.origin = origin
        self.reason = reason

    def message(self) -> str:
        shown = self.origin.line.strip()
        if len(shown) > 200:
            shown = shown[:200] + "..."
        if shown:
            return f"{self.origin}: {self.reason}: {shown!r}"
        return f"{self.origin}: {self.reason}"


class NetworkError(Pypi2NixError):
    """The index could not be reached, or answered with an error."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(url, reason)
        self.url = url
        self.reason = reason

    def message(self) -> str:
        return f"cannot fetch {self.url}: {self.reason}"


class ProjectNotFound(Pypi2NixError):
    """No index has a project of that name."""

    def __init__(
        self, name: str, index_urls: tuple[str, ...], required_by: str = "", *, hint: str = ""
    ) -> None:
        super().__init__(name, index_urls, required_by)
        self.name = name
        self.index_urls = index_urls
        self.required_by = required_by
        self.hint = hint

    def message(self) -> str:
        where = ", ".join(self.index_urls)
        by = f" (required by {self.required_by})" if self.required_by else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"no such project on the index: {self.name!r}{by}; looked in {where}{hint}"


class HashMismatch(Pypi2NixError):
    """A downloaded file does not have the sha256 the index (or the user) gave for it."""

    def __init__(self, url: str, expected: str, actual: str) -> None:
        super().__init__(url, expected, actual)
        self.url = url
        self.expected = expected
        self.actual = actual

    def message(self) -> str:
        return f"hash mismatch for {self.url}: expected sha256 {self.expected}, got {self.actual}"


class MetadataError(Pypi2NixError):
    """A distribution's metadata or archive cannot be used."""

    def __init__(self, project: str, version: str, reason: str) -> None:
        super().__init__(project, version, reason)
        self.project = project
        self.version = version
        self.reason = reason

    def message(self) -> str:
        subject = f"{self.project} {self.version}" if self.version else self.project
        return f"{subject}: {self.reason}"


class OfflineError(Pypi2NixError):
    """Offline, and the cache lacks something the run needs."""

    def __init__(self, missing: str) -> None:
        super().__init__(missing)
        self.missing = missing

    def message(self) -> str:
        return f"offline, and the cache has no copy of {self.missing}; run once without --offline"


class ResolutionError(Pypi2NixError):
    """The requirements cannot be satisfied together; the text says why."""

    def __init__(self, explanation: str) -> None:
        super().__init__(explanation)
        self.explanation = explanation

    def message(self) -> str:
        return self.explanation


class PolicyLeavesNoFile(ResolutionError):
    """The source policy rules out every file of every release of a project."""

    def __init__(self, project: str, flag: str, *, wheel: str = "", required_by: str = "") -> None:
        """:param flag: the flag that rules the files out, as given.
        :param wheel: for ``--only-binary``: the target no release has a wheel for."""
        by = f" (required by {required_by})" if required_by not in ("", "command line") else ""
        if wheel:
            explanation = (
                f"{project}{by} has no wheel for {wheel} in any release, and {flag} "
                f"installs it only from a wheel: build it from its sdist with --no-binary {project}"
            )
        else:
            explanation = (
                f"{project}{by} publishes no sdist, and {flag} builds it only from its "
                f"sdist: install it from its wheel with --only-binary {project}"
            )
        super().__init__(explanation)
        self.project = project


class OutputError(Pypi2NixError):
    """An output file cannot be written."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(path, reason)
        self.path = path
        self.reason = reason

    def message(self) -> str:
        return f"cannot write {self.path}: {self.reason}"
