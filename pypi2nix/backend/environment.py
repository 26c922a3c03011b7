"""An isolated environment for a build backend: a virtual environment of the running
interpreter with nothing installed, and a folder of unpacked wheels on its path."""

from __future__ import annotations

import shutil
import subprocess
import sys
from typing import TYPE_CHECKING

from pypi2nix.backend.unpack import unpack_zip

if TYPE_CHECKING:
    from collections.abc import Iterable
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
