"""What ``generate`` wrote, remembered in the store, so that a run whose lock comes
from the lock cache neither parses nor renders again what the last one wrote:

- ``pylocks/``: per digest of a ``pylock.toml``'s bytes, the state the next run reads
  back from it (:class:`~pypi2nix.lock.pylock.LockedState`);
- ``outputs/``: per digest of everything the files are rendered from (the lock's
  content, the options that shape the files, where they are written), the digest of
  each file's text.

A file whose bytes no longer have the digest (edited, deleted, written by another
version) is rendered again, as is every file when the lock is not from the cache.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pypi2nix import __version__
from pypi2nix.errors import UsageError
from pypi2nix.lock.pylock import (
    LockedState,
    parse_pylock,
    read_pylock_bytes,
    state_from_json,
    state_to_json,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from pypi2nix.store import Store
    from pypi2nix.writer import OutputFile

STATES = "pylocks"
OUTPUTS = "outputs"
# Raised when the files a lock renders to change within one version (2: pylock.toml
# keeps the graph tree reads), so that no memo of the earlier text says they are current.
RENDER_FORMAT = 2


@dataclass(frozen=True, slots=True)
class OutputMemo:
    store: Store

    def read_state(self, path: Path) -> LockedState:
        """The state of the ``pylock.toml`` at ``path`` (empty when there is none).

        :raises InputFileError: for a file that cannot be read or is not a valid lock.
        """
        content = read_pylock_bytes(path)
        if content is None:
            return LockedState()
        digest = hashlib.sha256(content).hexdigest()
        entry = self.store.read_json(STATES, digest)
        if entry is not None:
            try:
                return state_from_json(entry)
            except (KeyError, TypeError, ValueError, AttributeError, UsageError):
                self.store.discard(STATES, digest)
        state = parse_pylock(content, path)
        self.remember_state(content, state)
        return state

    def remember_state(self, content: bytes, state: LockedState) -> None:
        digest = hashlib.sha256(content).hexdigest()
        self.store.write_json(STATES, digest, state_to_json(state))

    def up_to_date(self, key: str, paths: Sequence[Path]) -> bool:
        """Whether each file holds the text last rendered under ``key``."""
        entry = self.store.read_json(OUTPUTS, key)
        if entry is None:
            return False
        return all(entry.get(path.name) == _file_digest(path) for path in paths)

    def remember_outputs(self, key: str, files: Sequence[OutputFile]) -> None:
        digests = {file.path.name: _text_digest(file.text) for file in files}
        self.store.write_json(OUTPUTS, key, digests)


def outputs_key(lock_digest: str, settings: Mapping[str, Any]) -> str:
    """The digest of what the files are rendered from: the lock's content, the
    settings that shape them, the folder they are written to and the one the command
    runs in (the input files' paths are written relative to both)."""
    facts = {
        "version": __version__,
        "format": RENDER_FORMAT,
        "lock": lock_digest,
        "settings": settings,
        "cwd": os.getcwd(),
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True, default=str).encode()).hexdigest()


def _file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
