"""Logging and progress: how messages reach the terminal.

The only module that knows about the terminal. Progress is drawn on one stderr line,
and only when stderr is a terminal; ``-q`` silences everything but errors and a
command's own result on stdout (the table of `update`). Every text goes through
:func:`printable` on its way out: a name or URL from an index cannot move the cursor,
recolour or retitle the terminal.
"""

from __future__ import annotations

import logging
import re
import shutil
import sys
import threading
import time
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

PROGRESS_INTERVAL = 0.1
# C0 controls but tab and newline, DEL, C1 controls (ESC and CSI start sequences).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_OR_NEWLINE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def printable(text: str, *, one_line: bool = False) -> str:
    """The text with its control characters shown as ``\\xNN`` escapes (newlines too,
    with ``one_line``)."""
    pattern = _CONTROL_OR_NEWLINE if one_line else _CONTROL
    return pattern.sub(lambda match: f"\\x{ord(match[0]):02x}", text)


class Console:
    """Progress and messages on stderr, according to the verbosity.

    :param verbosity: -1 for ``-q``, 0 by default, 1 and more for ``-v``.
    """

    def __init__(self, verbosity: int = 0, stream: TextIO | None = None) -> None:
        self.verbosity = verbosity
        self.stream = stream or sys.stderr
        self.interactive = verbosity == 0 and self.stream.isatty()
        self._status: Callable[[], str] = lambda: ""
        self._shown = False
        self._last_draw = 0.0
        self._lock = threading.Lock()

    def set_status(self, status: Callable[[], str]) -> None:
        """Where the progress line's counters come from."""
        self._status = status

    def progress(self, activity: str) -> None:
        """Show what is happening now (throttled; a no-op unless interactive)."""
        if not self.interactive:
            return
        with self._lock:
            now = time.monotonic()
            if now - self._last_draw < PROGRESS_INTERVAL:
                return
            self._last_draw = now
            width = shutil.get_terminal_size((80, 20)).columns - 1
            line = printable(f"{self._status()} {activity}", one_line=True)[:width]
            self.stream.write("\r\x1b[K" + line)
            self.stream.flush()
            self._shown = True

    def clear(self) -> None:
        with self._lock:
            if self._shown:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
                self._shown = False

    def say(self, message: str) -> None:
        """A line of the final report (hidden by ``-q``)."""
        if self.verbosity >= 0:
            self.clear()
            print(printable(message), file=self.stream)

    def say_lines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.say(line)

    def detail_lines(self, lines: Iterable[str]) -> None:
        """Lines of the final report shown only with ``-v``."""
        if self.verbosity >= 1:
            self.say_lines(lines)

    def output(self, lines: Iterable[str]) -> None:
        """The command's result on stdout (a table to read or pipe; not hidden by ``-q``)."""
        self.clear()
        for line in lines:
            print(printable(line))

    def error(self, message: str) -> None:
        self.clear()
        print(f"error: {printable(message)}", file=self.stream)


def configure_logging(console: Console) -> None:
    """Warnings by default, info with ``-v``, debug with ``-vv``, errors only with ``-q``;
    log lines first clear the progress line."""
    levels = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}
    handler = _ConsoleHandler(console)
    root = logging.getLogger("pypi2nix")
    root.handlers[:] = [handler]
    root.setLevel(levels.get(console.verbosity, logging.DEBUG))
    root.propagate = False


class _ConsoleHandler(logging.Handler):
    def __init__(self, console: Console) -> None:
        super().__init__()
        self.console = console

    def emit(self, record: logging.LogRecord) -> None:
        prefix = "" if record.levelno == logging.INFO else f"{record.levelname.lower()}: "
        self.console.clear()
        print(prefix + printable(record.getMessage()), file=self.console.stream)
