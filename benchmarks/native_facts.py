"""Check on the live index that binary wheels read in ranges give the libraries a whole
read gives, and how many bytes and seconds each way takes.

    python benchmarks/native_facts.py [--sets web,data,big] [--work DIR]

Each set of ``benchmarks/compare_uv.py`` is locked with ``pypi2nix generate
--prefer-wheels --python 3.11`` in a scratch folder; then, for every Linux binary
wheel it pins, the native facts (the libraries it ships and needs, the modules that
guard their import) are read twice, each time with a fresh client and no cache: the
old way, the whole wheel downloaded to a temporary file (what pypi2nix still does
when the index ignores ``Range``), and the new way, in ranges. Any difference is
printed and makes the exit status 1. The table gives, per set, the wheels, the MB
each way received, its range requests and its seconds (one wheel after another).
"""

from __future__ import annotations

import argparse
import base64
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from compare_uv import PYTHON, SETS
from packaging.version import Version

from pypi2nix.filenames import is_linux_binary_wheel
from pypi2nix.index.cache import Cache
from pypi2nix.index.client import HttpClient
from pypi2nix.index.repository import PackageIndex
from pypi2nix.index.whole_files import WholeFiles
from pypi2nix.options import DEFAULT_INDEX_URL

if TYPE_CHECKING:
    from collections.abc import Callable

    from pypi2nix.dists.streams import RangeResponse, Readable
    from pypi2nix.dists.wheel import NativeFacts
    from pypi2nix.models import DistFile

T = TypeVar("T")
# A package of requirements.nix: its name, version and the hash of its source.
_PACKAGE = re.compile(
    r'pname = "([^"]+)";\s*version = "([^"]+)";.*?hash = "sha256-([^"]+)";', re.DOTALL
)


class WholeClient(HttpClient):
    """A client for an index that ignores ``Range``: every file comes whole."""

    def get_range_or_stream(
        self, url: str, start: int | None, end: int, whole: Callable[[Readable], T]
    ) -> RangeResponse | T:
        return self.read_stream(url, whole)


@dataclass
class Way:
    megabytes: float = 0.0
    requests: int = 0
    seconds: float = 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default="web,data,big")
    parser.add_argument("--work", type=Path, default=None)
    arguments = parser.parse_args()
    work = arguments.work or Path(tempfile.mkdtemp(prefix="pypi2nix-native-"))
    rows, differences, compared = [], 0, 0
    for name in arguments.sets.split(","):
        wheels = pinned_binary_wheels(work / name, SETS[name])
        old, new = Way(), Way()
        for wheel in wheels:
            whole = measure(WholeClient(), wheel, old)
            ranged = measure(HttpClient(), wheel, new)
            compared += 1
            if whole != ranged:
                differences += 1
                print(f"DIFFERENT {wheel.filename}:\n  whole  {whole}\n  ranged {ranged}")
        rows.append((name, len(wheels), old, new))
    print_table(rows)
    print(f"{compared - differences} of {compared} wheels: the same facts both ways")
    sys.exit(1 if differences else 0)


def pinned_binary_wheels(folder: Path, requirements: list[str]) -> list[DistFile]:
    """The Linux binary wheels the set's lock installs."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "requirements.txt").write_text("\n".join(requirements) + "\n")
    command = [sys.executable, "-m", "pypi2nix", "generate", "-r", "requirements.txt"]
    command += ["--prefer-wheels", "--python", PYTHON, "--cache-dir", str(folder / "cache")]
    subprocess.run(command, cwd=folder, check=True, capture_output=True)
    index = PackageIndex(HttpClient(), [DEFAULT_INDEX_URL])
    wheels = []
    for pname, version, sri in _PACKAGE.findall((folder / "requirements.nix").read_text()):
        digest = base64.b64decode(sri).hex()
        for file in index.project_page(pname).files(Version(version)):
            if file.sha256 == digest and is_linux_binary_wheel(file.filename):
                wheels.append(file)
    return wheels


def measure(client: HttpClient, wheel: DistFile, way: Way) -> NativeFacts | None:
    started = time.perf_counter()
    facts = WholeFiles(client, Cache.at(None)).native_facts(wheel)
    way.seconds += time.perf_counter() - started
    way.megabytes += client.stats.bytes / 1e6
    way.requests += client.stats.requests
    return facts


def print_table(rows: list[tuple[str, int, Way, Way]]) -> None:
    print(f"{'set':6} {'wheels':>6}  {'whole MB':>9} {'req':>4} {'s':>6}  ", end="")
    print(f"{'ranged MB':>9} {'req':>4} {'s':>6}  {'MB saved':>8}")
    for name, count, old, new in rows:
        saved = 1 - new.megabytes / old.megabytes if old.megabytes else 0.0
        print(
            f"{name:6} {count:6}  {old.megabytes:9.1f} {old.requests:4} {old.seconds:6.2f}  "
            f"{new.megabytes:9.1f} {new.requests:4} {new.seconds:6.2f}  {saved:8.0%}"
        )


if __name__ == "__main__":
    main()
