from __future__ import annotations

import io
from typing import TYPE_CHECKING

from pypi2nix.ui import Console

if TYPE_CHECKING:
    import pytest


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_drawn_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pypi2nix.ui.PROGRESS_INTERVAL", 0.0)
    terminal = Terminal()
    console = Console(0, terminal)
    console.set_status(lambda: "[3 requests, 0.1 MB]")
    console.progress("project requests")
    console.say("Locked 1 packages")
    assert (
        terminal.getvalue()
        == "\r\x1b[K[3 requests, 0.1 MB] project requests\r\x1b[KLocked 1 packages\n"
    )
    pipe = io.StringIO()
    Console(0, pipe).progress("project requests")
    assert pipe.getvalue() == ""
    quiet = Terminal()
    console = Console(-1, quiet)
    console.progress("project requests")
    console.say("Locked 1 packages")
    console.error("boom")
    assert quiet.getvalue() == "error: boom\n"


def test_control_characters_never_reach_the_terminal() -> None:
    import logging

    from pypi2nix.ui import configure_logging

    terminal = Terminal()
    console = Console(0, terminal)
    configure_logging(console)
    logging.getLogger("pypi2nix.test").warning("name %s", "evil\x1b[2J\r\x9b1m")
    console.say("line\x1b]0;title\x07")
    console.error("bad\x00\x7f")
    assert terminal.getvalue() == (
        "warning: name evil\\x1b[2J\\x0d\\x9b1m\nline\\x1b]0;title\\x07\nerror: bad\\x00\\x7f\n"
    )
