"""The command of each lock's own tool that moves its pins."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

_UPGRADES = {
    "uv.lock": "uv lock --upgrade",
    "poetry.lock": "poetry update",
    "Pipfile.lock": "pipenv update",
    "pdm.lock": "pdm update",
}


def upgrade_command(path: Path) -> str:
    """How the pins of a lock are moved: by the tool that wrote it."""
    return _UPGRADES.get(path.name, f"the tool that wrote it (e.g. uv pip compile -o {path.name})")
