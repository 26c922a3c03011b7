"""Run the docs' real examples against the live index and rewrite their blocks.

    python docs/examples/refresh.py           # rewrite the blocks with what the runs print
    python docs/examples/refresh.py --check   # exit 1 when a block differs from a run

It makes the blocks of docs/*.md whose marker says ``refreshed by
docs/examples/refresh.py`` (see tests/support/doc_blocks.py). The live index moves,
so these runs are not part of the test suite; timings and request counts are not
compared by ``--check``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import shlex
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pypi2nix.cli import main  # noqa: E402
from tests.support.doc_blocks import Block, all_blocks  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Callable

PRODUCER = "docs/examples/refresh.py"
VOLATILE = re.compile(r"in [\d.]+ s \(\d+ requests?, [\d.]+ MB\)")


def run(folder: Path, command: str) -> str:
    """``$ command`` and what it prints, standard output and error in the order printed."""
    printed = io.StringIO()
    arguments = shlex.split(command)
    with (
        contextlib.chdir(folder),
        contextlib.redirect_stdout(printed),
        contextlib.redirect_stderr(printed),
    ):
        main(arguments[1:])
    return f"$ {command}\n{printed.getvalue()}"


def httpx_update(folder: Path) -> str:
    """A project locked with httpx==0.23.0 whose requirement was then relaxed."""
    (folder / "requirements.txt").write_text("httpx==0.23.0\n")
    run(folder, "pypi2nix generate -r requirements.txt")
    (folder / "requirements.txt").write_text("httpx\n")
    run(folder, "pypi2nix generate -r requirements.txt")  # keeps 0.23.0
    dry_run = run(folder, "pypi2nix update httpx --dry-run")
    return f"{dry_run}\n{run(folder, 'pypi2nix update')}"


def httpx_package(folder: Path) -> str:
    run(folder, "pypi2nix package httpx")
    return (folder / "httpx" / "default.nix").read_text()


def typing_extensions(folder: Path) -> str:
    """A pin built from its sdist, whose file name spells the project another way."""
    run(folder, "pypi2nix generate -e typing-extensions --no-binary typing-extensions")
    text = (folder / "requirements.nix").read_text()
    found = re.search(r"(?ms)^( *)typing-extensions = self\.buildPythonPackage.*?^\1\};\n", text)
    assert found is not None, "no typing-extensions in requirements.nix"
    return found.group(0)


README_EXAMPLE = "/tmp/pypi2nix-example"


def readme_example(folder: Path, *, then: str | None = None) -> str:
    """The README's first command, run in a fresh folder (shown as the README names it),
    and ``then`` a command on its output."""
    out = folder / "pypi2nix-example"
    requirements = ROOT / "docs" / "examples" / "requirements.txt"
    text = run(folder, f"pypi2nix generate -r {requirements} --python 3.11 -O {out}")
    if then is not None:
        text = run(folder, f"{then} -O {out}")
    return text.replace(str(out), README_EXAMPLE).replace(f"{ROOT}/", "")


BLOCKS: dict[str, Callable[[Path], str]] = {
    f"pypi2nix generate -r docs/examples/requirements.txt --python 3.11 -O {README_EXAMPLE}": (
        readme_example
    ),
    f"pypi2nix tree -O {README_EXAMPLE}, after the README's first command": (
        lambda folder: readme_example(folder, then="pypi2nix tree")
    ),
    "pypi2nix update httpx --dry-run, then pypi2nix update, on a lock of httpx==0.23.0 "
    "relaxed to httpx": httpx_update,
    "httpx/default.nix of pypi2nix package httpx": httpx_package,
    "requirements.nix of pypi2nix generate -e typing-extensions --no-binary "
    "typing-extensions, its typing-extensions attribute": typing_extensions,
}


def produce(block: Block) -> str:
    assert block.marker is not None
    make = BLOCKS.get(block.marker.what)
    if make is None:
        raise SystemExit(f"{block.where}: {PRODUCER} has no example {block.marker.what!r}")
    with tempfile.TemporaryDirectory() as folder:
        return make(Path(folder))


def rewrite(block: Block, text: str) -> None:
    lines = block.path.read_text().splitlines(keepends=True)
    end = next(i for i in range(block.line, len(lines)) if lines[i].strip() == "```")
    lines[block.line : end] = [text]
    block.path.write_text("".join(lines))


def main_refresh(arguments: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    check = parser.parse_args(arguments).check
    stale = []
    with tempfile.TemporaryDirectory() as cache:
        os.environ["XDG_CACHE_HOME"] = cache  # a fresh cache: every request is counted
        # From the last block up, so that rewriting one keeps the lines of the others.
        mine = [b for b in all_blocks() if b.marker and b.marker.producer == PRODUCER]
        for block in sorted(mine, key=lambda b: (str(b.path), -b.line)):
            text = produce(block)
            if VOLATILE.sub("", text) == VOLATILE.sub("", block.text):
                continue
            stale.append(block.where)
            if not check:
                rewrite(block, text)
    for where in stale:
        print(f"{where}: {'differs from the live run' if check else 'rewritten'}")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main_refresh(sys.argv[1:]))
