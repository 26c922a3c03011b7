"""Read pip's requirements-file syntax into a :class:`RequirementSet`.

Supported: comments, line continuations, ``${VAR}`` expansion, ``-r``/``-c`` includes
(relative to the including file), extras, markers, ``--hash``, ``--index-url``,
``--extra-index-url`` and ``--pre``. Every error names the file and line.
"""

from __future__ import annotations

import codecs
import dataclasses
import logging
import os
import re
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.requirements import InvalidRequirement, Requirement

from pypi2nix.errors import InputError, InputFileError, Origin
from pypi2nix.inputs.direct import looks_direct, parse_direct
from pypi2nix.inputs.pyproject import PyprojectInput, read_pyproject
from pypi2nix.local_files import LocalFileError, read_local_file
from pypi2nix.models import DirectSource, InputRequirement, RequirementSet
from pypi2nix.resolve.policy import binary_names

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 5 * 1024 * 1024

_COMMENT = re.compile(r"(^|\s+)#.*$")
_ENVIRONMENT_VARIABLE = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)\}")
_SHA256 = re.compile(r"[0-9a-f]{64}")

_INCLUDE_OPTIONS = {"-r": False, "--requirement": False, "-c": True, "--constraint": True}
_VALUE_OPTIONS = {
    "-r", "--requirement", "-c", "--constraint", "-i", "--index-url", "--extra-index-url",
    "-e", "--editable", "-f", "--find-links", "--hash", "--trusted-host", "--only-binary",
    "--no-binary", "--use-feature", "--config-settings", "--global-option",
}  # fmt: skip
_FLAG_OPTIONS = {"--pre", "--no-index", "--prefer-binary", "--require-hashes"}
_IGNORED_OPTIONS = {
    "--trusted-host", "--use-feature", "--prefer-binary", "--require-hashes",
    "--config-settings", "--global-option",
}  # fmt: skip
_BINARY_OPTIONS = ("--no-binary", "--only-binary")
_UNSUPPORTED_OPTIONS = {
    "--no-index": "--no-index is not supported: every file must come from an index",
    **dict.fromkeys(("--build-constraint", "--build-constraints"), "pip and uv take build "
       "constraints on the command line only: give pypi2nix --build-constraint FILE"),
}  # fmt: skip
_PER_REQUIREMENT_OPTIONS = {"--hash", "--config-settings", "--global-option"}


def read_inputs(
    requirement_files: Iterable[Path] = (),
    specs: Iterable[str] = (),
    constraint_files: Iterable[Path] = (),
    pyproject: PyprojectInput | None = None,
    *,
    project_name: Callable[[Path], str],
) -> RequirementSet:
    """Read a project's pyproject.toml, requirement files, command-line specs and
    constraint files.

    :param project_name: reads the name a local project folder declares (for
        requirements that name a folder).

    :raises InputError: for a line that cannot be understood (names file and line).
    :raises UsageError: when a file given on the command line cannot be read.
    """
    reader = _Reader(project_name)
    if pyproject is not None:
        reader.requirements.extend(read_pyproject(pyproject, project_name))
        reader.sources.append(str(pyproject.path))
    for path in requirement_files:
        reader.read_file(path, str(path), constraint=False, included_from=None)
    for spec in specs:
        origin = Origin(path=None, line_number=None, line=spec)
        reader.add_requirement(origin, spec, (), constraint=False, base=Path.cwd())
    for path in constraint_files:
        reader.read_file(path, str(path), constraint=True, included_from=None)
    return reader.result()


@dataclass
class _Reader:
    project_name: Callable[[Path], str]
    requirements: list[InputRequirement] = field(default_factory=list)
    constraints: list[InputRequirement] = field(default_factory=list)
    index_url: str | None = None
    extra_index_urls: list[str] = field(default_factory=list)
    pre: bool = False
    binary: dict[str, list[str]] = field(default_factory=lambda: {o: [] for o in _BINARY_OPTIONS})
    sources: list[str] = field(default_factory=list)
    _open_files: list[str] = field(default_factory=list)
    # Files read in full, and how: an include diamond reads each file once.
    _read_files: set[tuple[str, bool]] = field(default_factory=set)

    def result(self) -> RequirementSet:
        return RequirementSet(
            requirements=tuple(self.requirements),
            constraints=tuple(self.constraints),
            index_url=self.index_url,
            extra_index_urls=tuple(dict.fromkeys(self.extra_index_urls)),
            pre=self.pre,
            no_binary=tuple(dict.fromkeys(self.binary["--no-binary"])),
            only_binary=tuple(dict.fromkeys(self.binary["--only-binary"])),
            sources=tuple(self.sources),
        )

    def read_file(
        self, path: Path, display: str, *, constraint: bool, included_from: Origin | None
    ) -> None:
        text = _read_text(path, display, included_from, constraint=constraint)
        key = os.path.realpath(path)
        if key in self._open_files:
            assert included_from is not None
            raise InputError(included_from, f"include cycle: {display} includes itself")
        if (key, constraint) in self._read_files:
            return  # a file means the same wherever it is included: once is enough
        self._read_files.add((key, constraint))
        self._open_files.append(key)
        self.sources.append(display)
        try:
            for line_number, line in _logical_lines(text):
                origin = Origin(path=display, line_number=line_number, line=line)
                expanded = Origin(display, line_number, _expand_environment(origin))
                self._read_line(expanded, path, display, constraint=constraint)
        finally:
            self._open_files.pop()

    def _read_line(self, origin: Origin, path: Path, display: str, *, constraint: bool) -> None:
        requirement_text, option_text = _split_requirement_and_options(origin.line)
        options = _parse_options(origin, option_text)
        if requirement_text:
            for name, _ in options:
                if name not in _PER_REQUIREMENT_OPTIONS:
                    raise InputError(origin, f"option {name} cannot follow a requirement")
            self.add_requirement(
                origin, requirement_text, options, constraint=constraint, base=path.parent
            )
            return
        for name, value in options:
            self._apply_option(origin, name, value, path, display, constraint=constraint)

    def _apply_option(
        self, origin: Origin, name: str, value: str, path: Path, display: str, *, constraint: bool
    ) -> None:
        if name in _INCLUDE_OPTIONS:
            if "://" in value:
                raise InputError(origin, "including a file by URL is not supported")
            included = path.parent / value
            included_display = os.path.normpath(os.path.join(os.path.dirname(display), value))
            self.read_file(
                included,
                included_display,
                constraint=constraint or _INCLUDE_OPTIONS[name],
                included_from=origin,
            )
        elif name in ("-i", "--index-url"):
            self.index_url = value
        elif name == "--extra-index-url":
            self.extra_index_urls.append(value)
        elif name in ("-f", "--find-links"):
            self.extra_index_urls.append(_find_links_url(origin, path.parent, value))
        elif name == "--pre":
            self.pre = True
        elif name in _BINARY_OPTIONS:
            self.binary[name] = binary_names(self.binary[name], value)
        elif name in ("-e", "--editable"):
            if not looks_direct(value):
                raise InputError(origin, "-e needs a git URL or a local path")
            logger.info("%s: a Nix build is never editable; %s is built as it is", origin, value)
            self.add_requirement(origin, value, (), constraint=constraint, base=path.parent)
        elif name in _IGNORED_OPTIONS:
            logger.warning("%s: ignoring %s, which has no meaning for a Nix lock", origin, name)
        elif name in _PER_REQUIREMENT_OPTIONS:
            raise InputError(origin, f"option {name} needs a requirement on the same line")
        else:
            raise InputError(origin, f"unsupported option {name}")

    def add_requirement(
        self,
        origin: Origin,
        text: str,
        options: Iterable[tuple[str, str]],
        *,
        constraint: bool,
        base: Path,
    ) -> None:
        options = list(options)
        hashes = frozenset(
            _parse_hash(origin, value) for name, value in options if name == "--hash"
        )
        for name, _ in options:
            if name != "--hash":
                logger.warning("%s: ignoring option %s", origin, name)
        direct = None
        if looks_direct(text):
            if constraint:
                raise InputError(origin, "a constraint cannot name a URL or a path")
            requirement, direct = parse_direct(
                origin, text, base=base, project_name=self.project_name
            )
            direct = _with_expected_hash(origin, direct, hashes)
        else:
            requirement = _parse_requirement(origin, text)
        entry = InputRequirement(
            requirement=requirement, origin=origin, hashes=hashes, direct=direct
        )
        (self.constraints if constraint else self.requirements).append(entry)


# Byte order marks pip recognizes (longest first: UTF-32's starts like UTF-16's).
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)  # fmt: skip


def _read_text(
    path: Path, display: str, included_from: Origin | None, *, constraint: bool = False
) -> str:
    kind = "constraints file" if constraint else "requirements file"

    def fail(reason: str) -> InputError | InputFileError:
        if included_from is not None:
            return InputError(included_from, reason)
        return InputFileError(f"cannot read {kind} {display!r}: {reason}")

    if display == "-":
        text = sys.stdin.read(MAX_FILE_BYTES + 1)
        if len(text) > MAX_FILE_BYTES:
            raise fail(f"it is more than the limit of {MAX_FILE_BYTES // 2**20} MiB")
        return text

    try:
        data = read_local_file(path, MAX_FILE_BYTES)
    except LocalFileError as error:
        raise fail(error.reason) from error
    for mark, encoding in _BYTE_ORDER_MARKS:
        if data.startswith(mark):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as error:
                reason = f"it is not {encoding.upper()} text as its byte order mark says"
                raise fail(reason) from error
    if b"\0" in data:
        raise fail("it is a binary file, not a text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise fail(f"it is not UTF-8 text ({error.reason} at byte {error.start})") from error


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Join continuation lines, drop comments and blank lines."""
    for line_number, joined in _join_continuations(text.splitlines()):
        line = _COMMENT.sub("", joined).strip()
        if line:
            yield line_number, line


def _join_continuations(lines: list[str]) -> Iterator[tuple[int, str]]:
    pending: list[str] = []
    first_line = 0
    for line_number, line in enumerate(lines, start=1):
        continued = line.endswith("\\") and not _COMMENT.match(line)
        if not pending:
            first_line = line_number
        if continued:
            pending.append(line[:-1])
            continue
        pending.append(line)
        yield first_line, "".join(pending)
        pending = []
    if pending:
        yield first_line, "".join(pending)


def _expand_environment(origin: Origin) -> str:
    """The line with each ``${VAR}`` replaced by its value.

    :raises InputError: for a variable that is not set.
    """

    def value(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in os.environ:
            raise InputError(origin, f"environment variable {name} is not set")
        return os.environ[name]

    return _ENVIRONMENT_VARIABLE.sub(value, origin.line)


def _split_requirement_and_options(line: str) -> tuple[str, str]:
    """Split at the first token that starts with ``-``, as pip does."""
    tokens = line.split(" ")
    for position, token in enumerate(tokens):
        if token.startswith("-"):
            return " ".join(tokens[:position]).strip(), " ".join(tokens[position:])
    return line.strip(), ""


def _parse_options(origin: Origin, text: str) -> list[tuple[str, str]]:
    try:
        tokens = shlex.split(text)
    except ValueError as error:
        raise InputError(origin, f"cannot split options ({error})") from error
    options: list[tuple[str, str]] = []
    position = 0
    while position < len(tokens):
        token = tokens[position]
        position += 1
        name, value = _split_option(token)
        if name in _UNSUPPORTED_OPTIONS:
            raise InputError(origin, _UNSUPPORTED_OPTIONS[name])
        if name in _FLAG_OPTIONS:
            if value is not None:
                raise InputError(origin, f"option {name} takes no value")
            options.append((name, ""))
        elif name in _VALUE_OPTIONS:
            if value is None:
                if position >= len(tokens):
                    raise InputError(origin, f"option {name} needs a value")
                value = tokens[position]
                position += 1
            options.append((name, value))
        else:
            raise InputError(origin, f"unknown option {name}")
    return options


def _split_option(token: str) -> tuple[str, str | None]:
    if token.startswith("--"):
        name, equals, value = token.partition("=")
        return name, value if equals else None
    if len(token) > 2 and token[:2] in ("-r", "-c", "-i", "-e", "-f"):
        return token[:2], token[2:].lstrip("=")
    return token, None


# ``name=1.0``: pip's error does not say that ``==`` was meant.
_SINGLE_EQUALS = re.compile(
    r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*(?:\[[^\]]*\])?)\s*=\s*([^=<>~!\s].*)$"
)


def _parse_requirement(origin: Origin, text: str) -> Requirement:
    try:
        return Requirement(text)
    except InvalidRequirement as error:
        reason = str(error).splitlines()[0]
        single = _SINGLE_EQUALS.match(text)
        if single is not None:
            reason += f"; did you mean '{single[1]}=={single[2].strip()}'?"
        raise InputError(origin, f"invalid requirement ({reason})") from error


def _with_expected_hash(
    origin: Origin, direct: DirectSource, hashes: frozenset[str]
) -> DirectSource:
    """An archive URL's ``--hash`` becomes the sha256 its download must have."""
    if not hashes:
        return direct
    if direct.kind != "url":
        raise InputError(origin, "--hash only applies to archive URLs, not to git or paths")
    expected = {*hashes, *([direct.sha256] if direct.sha256 else [])}
    if len(expected) > 1:
        raise InputError(origin, "the URL's #sha256= and its --hash disagree")
    return dataclasses.replace(direct, sha256=expected.pop())


def _parse_hash(origin: Origin, value: str) -> str:
    algorithm, _, digest = value.partition(":")
    if algorithm != "sha256":
        raise InputError(origin, f"unsupported hash {value!r}: only sha256 hashes can be checked")
    digest = digest.lower()
    if not _SHA256.fullmatch(digest):
        raise InputError(origin, f"malformed sha256 hash {value!r}")
    return digest


def _find_links_url(origin: Origin, base: Path, value: str) -> str:
    """The ``file:`` index URL of a ``--find-links`` folder, relative to the file."""
    if "://" in value:
        raise InputError(origin, "--find-links takes a folder here: give a URL with --index-url")
    folder = (base / os.path.expanduser(value)).resolve()
    if not folder.is_dir():
        raise InputError(origin, f"--find-links: no such folder {folder}")
    return folder.as_uri().rstrip("/") + "/"
