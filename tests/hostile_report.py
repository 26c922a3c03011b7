"""What the hostile build backend of tests/test_sandbox.py reaches, run by run: once
in the sandbox and once with ``--sandbox=off`` (as pip and uv run a backend).

    python -m tests.hostile_report

Prints, per mode, what the backend saw (its own report, written into the Summary it
answered), what it wrote outside its folder, what reached the listener, which of its
processes were left and how long the run took. Needs no network.
"""

from __future__ import annotations

import re
import socket
import tempfile
import threading
import time
from pathlib import Path

from tests.test_sandbox import Attack, Listener, daemons, end_daemons, files_under, run_pypi2nix


def listen() -> tuple[Listener, threading.Event]:
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
        server.close()

    threading.Thread(target=accept, daemon=True).start()
    return found, stop


def report(mode: str, *arguments: str) -> None:
    listener, stop = listen()
    with tempfile.TemporaryDirectory() as folder:
        attack = Attack(Path(folder))
        try:
            run = run_pypi2nix(attack, listener.port, *arguments)
            time.sleep(1)
            nix = attack.root / "out" / "requirements.nix"
            seen = (
                re.search(r"environ=\S+ .*?daemon=\w+", nix.read_text()) if nix.exists() else None
            )
            print(f"## {mode} (exit {run.returncode}, {run.seconds:.1f} s)")
            print(f"- the backend's own report: {seen.group(0) if seen else 'none'}")
            print(
                f"- written outside its folder: {sorted(files_under(attack.outside)) or 'nothing'}"
            )
            print(
                f"- written into the cache by it: {[n for n in files_under(attack.cache) if 'poisoned' in n] or 'nothing'}"
            )
            print(f"- received by the listener: {len(listener.received)} connection(s)")
            print(f"- its processes left running: {len(daemons(attack.marker))}")
            print(
                f"- pypi2nix said: {[line for line in run.output.splitlines() if 'build backend' in line]}"
            )
        finally:
            end_daemons(attack.marker)
            stop.set()


if __name__ == "__main__":
    report("sandboxed (default)")
    report("not sandboxed (--sandbox=off)", "--sandbox=off")
