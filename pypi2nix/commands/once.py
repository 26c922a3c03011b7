"""Warnings said once per run: the same metadata is read many times during a lock (by
the resolver, the look-ahead threads and the pins), and releases are read that are
never pinned. A warning about a release's metadata is held back until the lock is
made, then said only when that release is pinned; every warning is said once."""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name, canonicalize_version

from pypi2nix.project_files import RELEASE_ATTRIBUTE

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

_LOGGER = "pypi2nix"
_VERDICT = "pypi2nix_said_once"

Release = tuple[str, str]


def _release(name: str, version: str) -> Release:
    return canonicalize_name(name), canonicalize_version(version)


class SaidOnce(logging.Filter):
    """Lets each distinct warning through once, keeps them in order, and holds back
    those about a release."""

    def __init__(self) -> None:
        super().__init__()
        self.said: list[str] = []
        self._seen: set[str] = set()
        self._held: dict[str, Release] = {}
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.WARNING:
            return True
        with self._lock:
            # A record goes through several handlers: decide once, on the record.
            verdict: bool | None = record.__dict__.get(_VERDICT)
            if verdict is None:
                verdict = self._decide(record)
                record.__dict__[_VERDICT] = verdict
            return verdict

    def _decide(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        release = record.__dict__.get(RELEASE_ATTRIBUTE)
        if release is not None:
            self._held.setdefault(message, _release(*release))
            return False
        if message in self._seen:
            return False
        self._seen.add(message)
        self.said.append(message)
        return True

    def say_held(self, pinned: Iterable[tuple[str, str]]) -> None:
        """Say the warnings held back about the ``pinned`` releases (name, version)."""
        releases = {_release(name, version) for name, version in pinned}
        with self._lock:
            held = [message for message, release in self._held.items() if release in releases]
            self._held.clear()
        logger = logging.getLogger(_LOGGER)
        for message in held:
            logger.warning("%s", message)


class _Keep(logging.Handler):
    """A handler that only runs its filters (so warnings are kept with no console)."""

    def emit(self, record: logging.LogRecord) -> None:
        pass


@contextmanager
def warnings_said_once() -> Iterator[SaidOnce]:
    """Within the block, each distinct warning of pypi2nix is said once (even with
    ``-q``, it is kept in ``said``)."""
    once = SaidOnce()
    logger = logging.getLogger(_LOGGER)
    level, effective = logger.level, logger.getEffectiveLevel()
    handler_levels = [(handler, handler.level) for handler in logger.handlers]
    if effective > logging.WARNING:  # -q: the console stays quiet, the warnings are kept
        for handler, handler_level in handler_levels:
            handler.setLevel(max(handler_level, effective))
        logger.setLevel(logging.WARNING)
    keeper = _Keep(logging.WARNING)
    logger.addHandler(keeper)
    handlers = [*logger.handlers]
    for handler in handlers:
        handler.addFilter(once)
    try:
        yield once
    finally:
        for handler in handlers:
            handler.removeFilter(once)
        logger.removeHandler(keeper)
        logger.setLevel(level)
        for handler, handler_level in handler_levels:
            handler.setLevel(handler_level)


def say_again(warnings: Iterable[str]) -> None:
    """Say the warnings of an earlier run (a lock read back from the cache)."""
    logger = logging.getLogger(_LOGGER)
    for warning in warnings:
        logger.warning("%s", warning)
