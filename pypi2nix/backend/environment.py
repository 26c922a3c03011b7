"""An isolated environment for a build backend: a virtual environment of the running
interpreter with nothing installed, and a folder of unpacked wheels on its path."""

from __future__ import annotations

import shutil
import subprocess
import sys
from typing import TYPE_CHECKING

from pypi2nix.backend.diagnosis import InstalledTool, tools_of
from pypi2nix.backend.unpack import unpack_zip

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable
    from pathlib import Path


def make_interpreter(folder: Path) -> Path:
    """A virtual environment without pip; its python."""
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(folder)],
        check=True,
        capture_output=True,
    )
    return folder / "bin" / "python"


def install_wheels(wheels: Iterable[bytes], site: Path) -> None:
    """Put wheels on a path folder as an installer would lay them out (no scripts)."""
    for data in wheels:
        unpack_zip(data, site)
    for data_folder in site.glob("*.data"):
        for scheme in ("purelib", "platlib"):
            for entry in (data_folder / scheme).glob("*"):
                shutil.move(str(entry), site / entry.name)
        shutil.rmtree(data_folder)


def installed_tools(site: Path, *, first: Collection[str] = ()) -> tuple[InstalledTool, ...]:
    """The projects installed on the path folder, with their top-level modules (read
    from each ``RECORD``); those named in ``first`` (normalized) come first."""
    found = []
    for dist_info in sorted(site.glob("*.dist-info")):
        name, _, version = dist_info.name.removesuffix(".dist-info").partition("-")
        record = dist_info / "RECORD"
        text = record.read_text(errors="replace") if record.is_file() else ""
        paths = [line.split(",", 1)[0] for line in text.splitlines()]
        modules = {
            path.split("/", 1)[0].removesuffix(".py")
            for path in paths
            if path and not path.startswith(("..", "/")) and ".dist-info/" not in path
        }
        found.append((name, version, sorted(module for module in modules if module)))
    tools = tools_of(found)
    return tuple(sorted(tools, key=lambda tool: tool.name not in first))
