"""An sdist's or a project folder's file list as a tree of folders, and the files a
build backend's selection puts in the wheel (:mod:`pypi2nix.dists.selection`)."""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

# (path in the wheel, path in the source tree)
Placed = tuple[str, str]


class SourceTree:
    """The folders and files of a list of paths relative to the root (``""``)."""

    def __init__(self, paths: Iterable[str]) -> None:
        self.files: set[str] = set()
        self._children: dict[str, tuple[set[str], set[str]]] = {"": (set(), set())}
        for path in paths:
            self.files.add(path)
            parent, _, name = path.rpartition("/")
            self._folder(parent)[1].add(name)

    def _folder(self, path: str) -> tuple[set[str], set[str]]:
        folder = self._children.get(path)
        if folder is None:
            folder = self._children[path] = (set(), set())
            parent, _, name = path.rpartition("/")
            self._folder(parent)[0].add(name)
        return folder

    def is_dir(self, path: str) -> bool:
        return path.strip("/") in self._children

    def is_file(self, path: str) -> bool:
        return path in self.files

    def subfolders(self, path: str) -> list[str]:
        return sorted(self._children.get(path.strip("/"), ((), ()))[0])

    def file_names(self, path: str) -> list[str]:
        return sorted(self._children.get(path.strip("/"), ((), ()))[1])

    def below(self, path: str) -> list[str]:
        """Every file below a folder (or the file itself), as paths from the root."""
        path = path.strip("/")
        if path in self.files:
            return [path]
        if path not in self._children:
            return []
        found: list[str] = []
        pending = [path]
        while pending:
            folder = pending.pop()
            subfolders, names = self._children[folder]
            prefix = f"{folder}/" if folder else ""
            found.extend(prefix + name for name in names)
            pending.extend(prefix + name for name in subfolders)
        return sorted(found)

    def glob(self, folder: str, pattern: str) -> list[str]:
        """The entries (files and folders) of a folder whose names match a pattern."""
        folder = folder.strip("/")
        subfolders, names = self._children.get(folder, (set(), set()))
        prefix = f"{folder}/" if folder else ""
        return sorted(
            prefix + name for name in subfolders | names if fnmatch.fnmatchcase(name, pattern)
        )


def placed_below(tree: SourceTree, path: str, *, strip: str = "", to: str = "") -> list[Placed]:
    """The files below ``path``, each placed in the wheel at its path without the
    folder ``strip`` and under ``to``."""
    strip = strip.strip("/")
    to = to.strip("/")
    placed = []
    for source in tree.below(path):
        inner = source[len(strip) + 1 :] if strip and source.startswith(f"{strip}/") else source
        placed.append((f"{to}/{inner}" if to else inner, source))
    return placed


def has_glob(pattern: str) -> bool:
    return any(character in pattern for character in "*?[")
