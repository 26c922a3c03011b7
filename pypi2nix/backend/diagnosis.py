"""Why an sdist's build failed, when its output tells, in one line that says what to
do: an old ``setup.py`` that opens files with mode ``'U'`` (gone in Python 3.11), or
a build requirement newer than the sdist can take (PyYAML 5 under Cython 3), which a
build constraint (``--build-constraint``) holds back. Pure: text in, text out; used
for metadata hooks and for the logs of builds."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from pypi2nix.dists.old_setup import mode_u_reason

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from packaging.utils import NormalizedName

# open(name, "rU") and friends: ValueError: invalid mode: 'rU' (Python 3.11 and later).
_MODE_U = re.compile(r"invalid mode: '[rwabxt+]*U[rwabxt+]*'")
# The line that names the error: a Python exception, else a build tool's "error:".
_EXCEPTION_LINE = re.compile(r"^[\w.]+(?:Error|Exception)(?::|$)")
_TOOL_ERROR_LINE = re.compile(r"^error(?::|$)")
# Colours, and the gutter pip draws before a subprocess's output.
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_GUTTER = re.compile("^[\\s\u2502\u2551|\u00d7\u2570\u2500>]+")
# The errors of a build requirement that changed under the sdist: a name it no longer
# has, or takes no longer (a compiler's error is the sdist's own).
_CHANGED_API = re.compile(
    r"^(?:AttributeError|ImportError|ModuleNotFoundError|NameError|TypeError)\b"
)
_FRAME = re.compile(r'^File "(?P<path>[^"]+)", line \d+')
_ERROR_SHOWN = 160


@dataclass(frozen=True, slots=True)
class InstalledTool:
    """A build requirement installed for the build: its project, version and the
    top-level modules it installs (its name when they are not known)."""

    name: NormalizedName
    version: str
    modules: tuple[str, ...] = ()

    def module_names(self) -> set[str]:
        return {module.lower() for module in self.modules} | {self.name.replace("-", "_")}


def explain_failure(output: str, *, tools: Sequence[InstalledTool], python: str) -> str | None:
    """What the output of a failed build (or metadata hook) says went wrong, as a
    reason with what to do; ``None`` when it says nothing this knows.

    :param tools: the build requirements the build had.
    :param python: the Python the sdist is built for (``3.11``).
    """
    lines = clean_lines(output)
    error = error_line(lines)
    if any(_MODE_U.search(line) for line in lines):
        return mode_u_reason(python, _shown(error) if error else None)
    tool = _named_tool(lines, error, tools)
    if tool is None:
        return None
    line = tool.name + _upper_bound(tool.version)
    return (
        f"its build failed ({_shown(error)}), and its build requirement {tool.name} "
        f"{tool.version} may be too new for it: constrain it, e.g. with the line "
        f"'{line}' in a file given to --build-constraint"
    )


def clean_lines(output: str) -> list[str]:
    """The output's lines without colours, pip's gutter or blank lines."""
    lines = (_GUTTER.sub("", _ANSI.sub("", line)).strip() for line in output.splitlines())
    return [line for line in lines if line]


def error_line(lines: Sequence[str]) -> str | None:
    """The last line that names a Python exception, else the last "error:" line."""
    for pattern in (_EXCEPTION_LINE, _TOOL_ERROR_LINE):
        found = next((line for line in reversed(lines) if pattern.match(line)), None)
        if found is not None:
            return found
    return None


def _named_tool(
    lines: Sequence[str], error: str | None, tools: Sequence[InstalledTool]
) -> InstalledTool | None:
    """The build requirement the error line names (``AttributeError: cython_sources``
    names Cython), else the one whose code raised it (the innermost frame in it)."""
    if error is None or not _CHANGED_API.match(error):
        return None
    lowered = error.lower()
    for tool in tools:
        if any(_mentions(lowered, module) for module in tool.module_names()):
            return tool
    for path in reversed([m["path"] for line in lines if (m := _FRAME.match(line))]):
        segments = {segment.lower().removesuffix(".py") for segment in path.split("/")}
        if segments & {"site", "site-packages"}:
            for tool in tools:
                if segments & tool.module_names():
                    return tool
        break  # only the innermost frame
    return None


def _mentions(text: str, module: str) -> bool:
    """The module's name starts a word of the text (``cython`` in ``cython_sources``)."""
    return re.search(rf"(?<![\w.]){re.escape(module)}", text) is not None


def _upper_bound(version: str) -> str:
    """The bound below the version's release series: ``<3`` for 3.0.12, ``<0.9`` for
    0.9.1."""
    try:
        parsed = Version(version)
    except InvalidVersion:
        return f"<{version}"
    if parsed.major > 0:
        return f"<{parsed.major}"
    if parsed.minor > 0:
        return f"<0.{parsed.minor}"
    return f"<{parsed.base_version}"


def _shown(error: str | None) -> str:
    text = error or "no error line"
    return text if len(text) <= _ERROR_SHOWN else text[: _ERROR_SHOWN - 3] + "..."


def tools_of(installed: Iterable[tuple[str, str, Iterable[str]]]) -> tuple[InstalledTool, ...]:
    """Installed tools from (project, version, modules) triples."""
    return tuple(
        InstalledTool(name=canonicalize_name(name), version=version, modules=tuple(modules))
        for name, version, modules in installed
    )
