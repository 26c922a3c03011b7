"""The sandbox a build backend's hook runs in, when the system can make one: a user
namespace with no network, a private /proc (no other process visible), the system
read-only, only the build's folders writable, the user's files and the cache hidden
under empty folders, and every process in it ended when its first process ends.

bubblewrap (``bwrap``) makes it; where only util-linux's ``unshare`` is installed, it
makes the same namespaces and a shell script inside them makes the mounts. Which one
works is found once per run, by making a sandbox that runs ``true``."""

from __future__ import annotations

import functools
import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = ["Sandbox", "View", "find_sandbox", "system_hidden"]

# Folders that hold the user's files, sockets or other programs' temporary files.
SYSTEM_HIDDEN = ("/home", "/root", "/tmp", "/var/tmp", "/run", "/var/run", "/mnt", "/media")
_PROBE_SECONDS = 10
# What a hook may write in the hidden folders, held in memory: /tmp inside the sandbox.
_TMPFS_BYTES = 256 * 1024 * 1024
_HIDDEN_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class Sandbox:
    """The tool that makes sandboxes here (``bwrap`` or ``unshare``), or why none can be
    made."""

    tool: str | None
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class View:
    """What a hook sees of the system, besides the read-only rest of it.

    :param writable: the build's folders, the only ones it may write.
    :param readable: folders it must read although they lie in a hidden one (the
        interpreter when it lives in a home folder).
    :param hidden: folders shown empty (the user's home, the cache).
    """

    writable: tuple[Path, ...] = ()
    readable: tuple[Path, ...] = ()
    hidden: tuple[Path, ...] = ()


def system_hidden(*extra: Path) -> tuple[Path, ...]:
    """The folders every sandbox hides: the homes, the temporary and runtime folders (the
    sockets of other programs), the home of this user, and ``extra``."""
    folders = [Path(path) for path in SYSTEM_HIDDEN]
    folders += [Path.home(), *extra]
    return tuple(dict.fromkeys(path.resolve() for path in folders))


def interpreter_folders() -> tuple[Path, ...]:
    """The folders the running interpreter (and a virtual environment of it) reads."""
    executable = Path(os.path.realpath(sys.executable)).parent
    folders = sorted({Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), executable})
    return outermost(folders)


def outermost(folders: Sequence[Path]) -> tuple[Path, ...]:
    """The folders that lie in none of the others."""
    return tuple(
        folder
        for folder in folders
        if not any(other != folder and folder.is_relative_to(other) for other in folders)
    )


@functools.cache
def find_sandbox() -> Sandbox:
    """The first tool that makes a working sandbox here (tried once per process)."""
    reasons = []
    for tool in ("bwrap", "unshare"):
        path = shutil.which(tool)
        if path is None:
            reasons.append(f"{tool} is not installed")
            continue
        view = View(hidden=system_hidden())
        probe = command(Sandbox(path), ["true"], view, {}, Path("/"))
        try:
            result = subprocess.run(
                probe, capture_output=True, text=True, timeout=_PROBE_SECONDS, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            reasons.append(f"{tool} failed ({error})")
            continue
        if result.returncode == 0:
            return Sandbox(path)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        reasons.append(f"{tool} failed ({lines[-1] if lines else result.returncode})")
    return Sandbox(None, "; ".join(reasons))


def command(
    sandbox: Sandbox,
    words: Sequence[str],
    view: View,
    environment: Mapping[str, str],
    cwd: Path,
) -> list[str]:
    """``words`` run in a sandbox of ``sandbox.tool``, with only ``environment`` set."""
    assert sandbox.tool is not None
    if Path(sandbox.tool).name == "bwrap":
        return [sandbox.tool, *_bwrap_options(view, environment, cwd), "--", *words]
    return _unshare_command(sandbox.tool, words, view, environment, cwd)


def _bwrap_options(view: View, environment: Mapping[str, str], cwd: Path) -> list[str]:
    options = ["--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent"]
    options += ["--new-session"]
    options += ["--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev"]
    hidden = _existing(view.hidden)
    for folder in hidden:
        options += ["--size", str(_tmpfs_size(folder)), "--tmpfs", str(folder)]
    for folder in _existing(view.readable):
        options += ["--ro-bind", str(folder), str(folder)]
    for folder in _existing(view.writable):
        options += ["--bind", str(folder), str(folder)]
    for folder in hidden:
        if not _scratch(folder):
            options += ["--remount-ro", str(folder)]
    options += ["--chdir", str(cwd), "--clearenv"]
    for key, value in sorted(environment.items()):
        options += ["--setenv", key, value]
    return options


def _unshare_command(
    tool: str, words: Sequence[str], view: View, environment: Mapping[str, str], cwd: Path
) -> list[str]:
    """unshare makes the namespaces (``--kill-child``: its child, the init of the PID
    namespace, dies with it, and every process in the namespace with that child); a
    shell script inside makes the mounts. A folder to show inside a hidden one is
    opened before it is hidden, and mounted from that descriptor."""
    shown = [(folder, "ro") for folder in _existing(view.readable)]
    shown += [(folder, "rw") for folder in _existing(view.writable)]
    if len(shown) > 7:
        raise ValueError("the unshare sandbox shows at most 7 folders")
    lines = ["set -e"]
    lines += [f"exec {fd}<{shlex.quote(str(folder))}" for fd, (folder, _) in enumerate(shown, 3)]
    lines.append("mount -o remount,bind,ro /")
    lines.append(
        "for m in $(cut -d' ' -f5 /proc/self/mountinfo); do "
        'mount -o remount,bind,ro "$m" 2>/dev/null || true; done'
    )
    lines += [f"mount -t tmpfs -o size={_tmpfs_size(folder)} tmpfs {shlex.quote(str(folder))}"
              for folder in _existing(view.hidden)]  # fmt: skip
    for fd, (folder, mode) in enumerate(shown, 3):
        quoted = shlex.quote(str(folder))
        mount = f"mount --no-canonicalize --bind /proc/self/fd/{fd}"
        lines.append(f"mkdir -p {quoted} && {mount} {quoted}")
        lines.append(f"mount -o remount,bind,{mode} {quoted}")
    lines += [f"mount -o remount,ro {shlex.quote(str(folder))}"
              for folder in _existing(view.hidden) if not _scratch(folder)]  # fmt: skip
    lines += [f"exec {fd}<&-" for fd in range(3, 3 + len(shown))]
    lines.append(f"cd {shlex.quote(str(cwd))}")
    settings = [f"{key}={value}" for key, value in sorted(environment.items())]
    lines.append(f'exec env -i {shlex.join(settings)} "$@"')
    namespaces = ["--user", "--map-root-user", "--net", "--pid", "--fork", "--mount"]
    return [
        tool, *namespaces, "--mount-proc", "--kill-child", "--",
        "/bin/sh", "-c", "\n".join(lines), "sh", *words,
    ]  # fmt: skip


def _scratch(folder: Path) -> bool:
    """A temporary folder, shown empty and writable (the others are empty and read-only)."""
    return str(folder) in ("/tmp", "/var/tmp")


def _tmpfs_size(folder: Path) -> int:
    return _TMPFS_BYTES if _scratch(folder) else _HIDDEN_BYTES


def _existing(folders: Sequence[Path]) -> list[Path]:
    return [
        folder
        for folder in folders
        if folder != Path("/") and folder.is_dir() and not folder.is_symlink()
    ]
