"""Runs one build backend hook (the process ``pyproject-hooks`` asks for), in a sandbox
when there is one: a clean environment, an empty home, a time limit. Its output goes
to an unnamed file, never a pipe, so a process it leaves behind holds nothing the run
waits for; when the hook ends or times out, every process it started is ended (in a
sandbox, by the end of its PID namespace; else, those of its session)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import IO, TYPE_CHECKING

from pypi2nix.backend.sandbox import Sandbox, View, command

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

# pyproject-hooks reads the hook's answer (output.json) whole: no larger than this.
MAX_ANSWER_BYTES = 1024 * 1024
_TAIL_BYTES = 64 * 1024


class HookFailed(Exception):
    """The hook did not end well: its message is one line; ``output`` is the end of
    what the hook printed (for :mod:`pypi2nix.backend.diagnosis`)."""

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output


class HookTimedOut(HookFailed):
    pass


class HookRunner:
    """A ``pyproject-hooks`` runner.

    :param site: the folder of the build requirements (on the hook's path).
    :param home: its (empty) home.
    :param work: the build's folder: the only one, with the hook's control folder, it
        may write in a sandbox.
    :param sandbox: what makes the sandbox (none: run as pip runs it).
    :param view: the folders a sandbox shows (``writable`` gains ``work`` and the
        control folder).
    """

    def __init__(
        self,
        *,
        site: Path,
        home: Path,
        work: Path,
        timeout: float,
        sandbox: Sandbox | None,
        view: View,
    ) -> None:
        self.site, self.home, self.work, self.timeout = site, home, work, timeout
        self.sandbox, self.view = sandbox, view

    def __call__(
        self,
        cmd: Sequence[str],
        cwd: str | None = None,
        extra_environ: Mapping[str, str] | None = None,
    ) -> None:
        self.home.mkdir(exist_ok=True)
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "TMPDIR": str(self.work),
            "PYTHONPATH": str(self.site),
            "PYTHONNOUSERSITE": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "SOURCE_DATE_EPOCH": "315532800",
            **(extra_environ or {}),
        }
        control = Path(cmd[-1])  # pyproject-hooks' folder of input.json and output.json
        folder = Path(cwd or self.work)
        words = list(cmd)
        if self.sandbox is not None:
            view = View(
                writable=(*self.view.writable, self.work, control),
                readable=self.view.readable,
                hidden=self.view.hidden,
            )
            words = command(self.sandbox, words, view, environment, folder)
        self._run(words, folder, environment)
        _check_answer(control / "output.json")

    def _run(self, words: list[str], cwd: Path, environment: Mapping[str, str]) -> None:
        with tempfile.TemporaryFile() as output:
            process = subprocess.Popen(
                words, cwd=cwd, env=dict(environment), stdin=subprocess.DEVNULL,
                stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
            try:
                status = process.wait(self.timeout)
            except subprocess.TimeoutExpired:
                _end(process)
                raise HookTimedOut(f"ran for more than {self.timeout:g} s") from None
            finally:
                _end(process)
            if status != 0:
                tail = _tail(output)
                raise HookFailed(_last_line(tail) or f"exit status {status}", tail)


def _end(process: subprocess.Popen[bytes]) -> None:
    """End the hook's process and the others of its process group (outside a sandbox,
    what it left behind without a session of its own)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _tail(output: IO[bytes]) -> str:
    size = output.seek(0, os.SEEK_END)
    output.seek(max(0, size - _TAIL_BYTES))
    return output.read(_TAIL_BYTES).decode(errors="replace")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:500] if lines else ""


def _check_answer(path: Path) -> None:
    """The hook's answer must be a regular file pyproject-hooks can read at little cost.

    :raises HookFailed: when it is not.
    """
    try:
        status = path.lstat()
    except FileNotFoundError:
        return  # pyproject-hooks says what is missing
    if not path.is_file() or path.is_symlink():
        raise HookFailed("its answer (output.json) is not a regular file")
    if status.st_size > MAX_ANSWER_BYTES:
        raise HookFailed(f"its answer (output.json) is larger than {MAX_ANSWER_BYTES} bytes")
