"""What the hostile build backend of tests/test_sandbox.py reaches, run by run: once
in the sandbox and once with ``--sandbox=off`` (as pip and uv run a backend).

    python -m tests.hostile_report

Prints, per mode, what the backend saw (its own report, written into the Summary it
answered), what it wrote outside its folder, what reached the listener, which of its
processes were left and how long the run took. Needs no network.
"""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path

from tests.test_sandbox import Attack, daemons, end_daemons, files_under, listening, run_pypi2nix


def report(mode: str, *arguments: str) -> None:
    with listening() as listener, tempfile.TemporaryDirectory() as folder:
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


if __name__ == "__main__":
    report("sandboxed (default)")
    report("not sandboxed (--sandbox=off)", "--sandbox=off")
