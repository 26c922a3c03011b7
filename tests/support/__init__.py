"""Helpers shared by the tests: the fixture index and the nix stand-in."""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator


@contextlib.contextmanager
def preserved_logging() -> Iterator[None]:
    """``main()`` configures the ``pypi2nix`` logger for the terminal; undo that after."""
    logger = logging.getLogger("pypi2nix")
    saved = (logger.handlers[:], logger.level, logger.propagate)
    try:
        yield
    finally:
        logger.handlers[:], logger.level, logger.propagate = saved
