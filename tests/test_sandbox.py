"""The one code from the index pypi2nix runs, a build backend, attacks the machine
(fixtures/hostile_backend: it reads a canary from its parent's environment and from
the home named there, writes outside its folder and into the cache, connects to a
listener on 127.0.0.1, double-forks a daemon, and hangs when told to). pypi2nix runs
as a process of its own, with the canary in its environment, as a user would run it:
in the sandbox, nothing leaks, nothing is written, no connection arrives, no process
is left and the run ends in time. Where no sandbox can be made, it says so once."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from fixtures.hostile_sdist import CANARY_VARIABLE, FILENAME, attack_settings, build_sdist
from pypi2nix.backend.sandbox import find_sandbox
from tests.support.fixture_index import ROOT, IndexFile, build_files
from tests.support.local_index import local_index

if TYPE_CHECKING:
    from collections.abc import Iterator

CANARY = f"canary-{uuid.uuid4().hex}"
NETRC = f"machine index.example.test login me password netrc-{CANARY}"
SSH_KEY = f"-----BEGIN OPENSSH PRIVATE KEY-----\nssh-{CANARY}\n"
RUN_SECONDS = 60
NO_SANDBOX_PATH = "/nonexistent-pypi2nix-test-path"


@dataclass
class Listener:
    """A TCP listener on 127.0.0.1 that keeps what it is sent."""

    port: int = 0
    received: list[bytes] = field(default_factory=list)


@contextlib.contextmanager
def listening() -> Iterator[Listener]:
    """A listener on 127.0.0.1 for as long as the block runs."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    found = Listener(port=server.getsockname()[1])
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(2)
                found.received.append(connection.recv(65536))

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        stop.set()
        thread.join()
        server.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    with listening() as found:
        yield found


@dataclass
class Attack:
    """The folders and files of one run of the hostile backend."""

    root: Path
    marker: str = field(default_factory=lambda: f"pypi2nix-daemon-{uuid.uuid4().hex}")

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    @property
    def outside(self) -> Path:
        return self.root / "outside"

    def prepare(self) -> None:
        (self.home / ".ssh").mkdir(parents=True)
        (self.home / ".netrc").write_text(NETRC)
        (self.home / ".ssh" / "id_ed25519").write_text(SSH_KEY)
        self.cache.mkdir()
        self.outside.mkdir()


@dataclass(frozen=True)
class Run:
    returncode: int
    output: str
    seconds: float


def run_pypi2nix(
    attack: Attack, port: int, *arguments: str, hang: bool = False, path: str | None = None
) -> Run:
    """pypi2nix generate of the hostile sdist, from a local index, as its own process with
    the canary in its environment and the fake home as HOME."""
    attack.prepare()
    settings = attack_settings(
        port=port, home=attack.home, cache=attack.cache, outside=attack.outside,
        marker=attack.marker, hang=hang,
    )  # fmt: skip
    evil = IndexFile("evilpkg", FILENAME, build_sdist(settings))
    environment = {
        "PATH": path or os.environ["PATH"],
        "HOME": str(attack.home),
        "PYTHONPATH": str(ROOT),
        CANARY_VARIABLE: CANARY,
    }
    with local_index([evil, *build_files()]) as url:
        command = [
            sys.executable, "-m", "pypi2nix", "generate", "-i", url, "--python", "3.11",
            "-e", "evilpkg", "--cache-dir", str(attack.cache), "-O", str(attack.root / "out"),
            *arguments,
        ]  # fmt: skip
        started = time.monotonic()
        result = subprocess.run(
            command, env=environment, capture_output=True, text=True,
            timeout=RUN_SECONDS, check=False, cwd=attack.root,
        )  # fmt: skip
    return Run(result.returncode, result.stdout + result.stderr, time.monotonic() - started)


def daemons(marker: str) -> list[int]:
    """The processes whose command line holds ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def end_daemons(marker: str) -> None:
    for pid in daemons(marker):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 9)


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def assert_nothing_leaked(attack: Attack, listener: Listener, run: Run) -> None:
    time.sleep(1)  # what a surviving daemon would write, it writes within 0.5 s
    assert daemons(attack.marker) == []
    assert files_under(attack.outside) == {}
    cache = files_under(attack.cache)
    assert not [name for name in cache if "poisoned" in name]
    assert not [name for name, data in cache.items() if CANARY.encode() in data]
    assert listener.received == []
    assert CANARY not in run.output
    out = attack.root / "out"
    assert (
        not [name for name, data in files_under(out).items() if CANARY.encode() in data]
        if out.exists()
        else True
    )
    assert files_under(attack.home) == {
        ".netrc": NETRC.encode(),
        ".ssh/id_ed25519": SSH_KEY.encode(),
    }


SANDBOXED = find_sandbox().tool is not None


def test_a_hostile_backend_reaches_nothing_in_the_sandbox(
    tmp_path: Path, listener: Listener
) -> None:
    attack = Attack(tmp_path)
    try:
        run = run_pypi2nix(attack, listener.port)
        if not SANDBOXED:  # this machine cannot make one: the notice is what there is to see
            assert run.output.count("no sandbox can be made for build backends here") == 1
            return
        assert run.returncode == 0, run.output
        assert (
            "Ran the build backend of evilpkg-1.0.0.tar.gz for its metadata, sandboxed."
            in run.output
        )
        frozen = (tmp_path / "out" / "requirements_frozen.txt").read_text()
        assert "beta==1.1.0" in frozen  # the METADATA it answered was read
        nix = (tmp_path / "out" / "requirements.nix").read_text()
        # What the backend itself saw, in the Summary it wrote: every attack tried, each blocked.
        expected = (
            "environ=no own-environment=no .netrc=no .ssh/id_ed25519=no outside=no cache=no "
            "connect=no daemon=yes"
        )
        assert expected in nix, [line for line in nix.splitlines() if "description" in line]
        assert run.seconds < 30
        assert_nothing_leaked(attack, listener, run)
    finally:
        end_daemons(attack.marker)


def test_a_hanging_backend_is_stopped_with_its_processes(
    tmp_path: Path, listener: Listener
) -> None:
    attack = Attack(tmp_path)
    try:
        run = run_pypi2nix(attack, listener.port, "--build-timeout", "3", hang=True)
        assert run.returncode == 1
        lines = run.output.strip().splitlines()
        assert lines[-1] == (
            "error: evilpkg 1.0.0: the build backend of evilpkg-1.0.0.tar.gz ran for more than "
            "3 s (--build-timeout); it was stopped"
        )
        assert run.seconds < 3 + 20
        if SANDBOXED:
            assert_nothing_leaked(attack, listener, run)
    finally:
        end_daemons(attack.marker)


def test_without_a_sandbox_it_says_so_once_and_never_waits_on_the_daemon(
    tmp_path: Path, listener: Listener
) -> None:
    attack = Attack(tmp_path)
    try:
        run = run_pypi2nix(attack, listener.port, path=NO_SANDBOX_PATH)
        assert run.returncode == 0, run.output
        notice = [line for line in run.output.splitlines() if "no sandbox" in line]
        assert notice == [
            "warning: no sandbox can be made for build backends here (bwrap is not installed; "
            "unshare is not installed): they run as pip runs them, as your user; "
            "--sandbox=require makes this an error, --no-build refuses to run them"
        ]
        assert (
            "Ran the build backend of evilpkg-1.0.0.tar.gz for its metadata, not sandboxed: "
            "bwrap is not installed; unshare is not installed." in run.output
        )
        assert run.seconds < 30  # the daemon holds no pipe pypi2nix waits on
    finally:
        end_daemons(attack.marker)


def test_require_refuses_to_run_it_without_a_sandbox(tmp_path: Path, listener: Listener) -> None:
    attack = Attack(tmp_path)
    try:
        run = run_pypi2nix(attack, listener.port, "--sandbox=require", path=NO_SANDBOX_PATH)
        assert run.returncode == 1
        assert run.output.strip().splitlines() == [
            "error: evilpkg 1.0.0: evilpkg-1.0.0.tar.gz: its build backend must run for its "
            "metadata, and no sandbox can be made here (bwrap is not installed; unshare is not "
            "installed); --sandbox=require forbids running it without one"
        ]
        assert daemons(attack.marker) == []
        assert files_under(attack.outside) == {}
    finally:
        end_daemons(attack.marker)
