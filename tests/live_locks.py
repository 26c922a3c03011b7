"""Live check: convert the real lock files of public projects against the live index,
check that every pin is the locked one, and build every pin in the test stand-in.

    python -m tests.live_locks [--work DIR] [--only NAME,...] [--jobs 2] [--git-dirs DIR]
    python -m tests.live_locks --web-pylock [--work DIR]

The locks are fixtures/live_locks/FORMAT/OWNER+NAME/ (recorded by
fixtures/live_locks/record.py; each source.toml says where the lock comes from and
which flags select its roots). The origins of the index and of its files host are kept
there as ``@INDEX_ORIGIN@`` and ``@FILES_ORIGIN@`` (see :func:`origins`). Each lock is
copied, with its project files and those origins put back, into a folder of its own;
with ``--git-dirs`` (a folder of bare clones, ``OWNER+NAME/repo``) the project's whole
tree at the recorded commit is there too, which a lock holding the project itself
(uv's editable root) needs to build it. ``pypi2nix generate -r LOCK`` runs for Python
3.11 on x86_64-linux. Every pin's version and file hash is checked against the lock as
read here (not by pypi2nix's readers), the pylock.toml written with packaging's pylock
module and with ``uv pip install --dry-run`` (which must install every pin), and every
pin is built offline as tests/live_build.py builds a set. A lock the recording marks
as refused must end in that error. Prints the pins that did not build with their
causes, and a table ("as locked": the pins that pass those checks).

``--web-pylock`` checks instead that the pylock.toml written for the benchmark's web set
validates with packaging's pylock module and that ``uv pip install --dry-run -r
pylock.toml`` (in a scratch venv, against the live index) accepts it.

Needs the network and the nix binaries; run it as root.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests
from packaging.pylock import Pylock, PylockValidationError
from packaging.utils import canonicalize_name

from pypi2nix.commands.generate import generate
from pypi2nix.options import DEFAULT_INDEX_URL, GenerateOptions, IndexOptions
from pypi2nix.ui import Console
from tests import live_build
from tests.live_build import TARGET, Lock
from tests.support import nix

ROOT = Path(__file__).resolve().parents[1]
RECORDED = ROOT / "fixtures" / "live_locks"
_DIGEST = re.compile(r"\b[0-9a-f]{64}\b")
INDEX_TOKEN, FILES_TOKEN = b"@INDEX_ORIGIN@", b"@FILES_ORIGIN@"


@dataclass
class Case:
    fmt: str
    name: str  # FORMAT/OWNER+NAME
    recorded: Path
    source: dict[str, object]
    outcome: str = ""  # "" (converted), or the error that ended generate
    lock: Lock | None = None
    not_as_locked: list[str] = field(default_factory=list)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=None, help="keep the files here")
    parser.add_argument("--only", default="", help="only these (OWNER+NAME, comma-separated)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--git-dirs", type=Path, default=None, help="bare clones, OWNER+NAME/repo")
    parser.add_argument("--web-pylock", action="store_true", help="check the web set's pylock")
    arguments = parser.parse_args()
    work = arguments.work or Path(tempfile.mkdtemp(prefix="pypi2nix-live-locks-"))
    if arguments.web_pylock:
        return check_web_pylock(work)
    missing = [binary for binary in nix.BINARIES if shutil.which(binary) is None]
    if missing:
        parser.error(f"needs the nix binaries; missing: {', '.join(missing)}")
    wanted = {name for name in arguments.only.split(",") if name}
    cases = [case for case in recorded_cases() if not wanted or case.recorded.name in wanted]
    tokens = origins()
    for case in cases:
        convert(case, prepare(case, work, arguments.git_dirs, tokens), work)
    locks = [case.lock for case in cases if case.lock is not None]
    if locks:
        nixpkgs = live_build.make_nixpkgs(work, locks, live_build.nixpkgs_attributes())
        for lock in locks:
            live_build.build_lock(lock, nixpkgs, arguments.jobs)
    live_build.print_failures(locks)
    print_table(cases)
    return 0


def origins() -> dict[bytes, bytes]:
    """Each token of the recorded files -> the origin it stands for: the default index's
    and that of the files the index lists (asked of it, for one project)."""
    index = urlsplit(DEFAULT_INDEX_URL)
    page = requests.get(
        urljoin(DEFAULT_INDEX_URL, "pip/"),
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
        timeout=60,
    )
    page.raise_for_status()
    files = urlsplit(urljoin(page.url, page.json()["files"][0]["url"]))
    return {
        INDEX_TOKEN: f"{index.scheme}://{index.netloc}".encode(),
        FILES_TOKEN: f"{files.scheme}://{files.netloc}".encode(),
    }


def restored(data: bytes, tokens: dict[bytes, bytes]) -> bytes:
    for token, origin in tokens.items():
        data = data.replace(token, origin)
    return data


def recorded_cases() -> list[Case]:
    cases = []
    for path in sorted(RECORDED.glob("*/*/source.toml")):
        folder = path.parent
        cases.append(
            Case(
                fmt=folder.parent.name,
                name=f"{folder.parent.name}/{folder.name}",
                recorded=folder,
                source=tomllib.loads(path.read_text()),
            )
        )
    return cases


def prepare(case: Case, work: Path, git_dirs: Path | None, tokens: dict[bytes, bytes]) -> Path:
    """The case's input folder: the project's tree (with ``git_dirs``) and the recorded
    lock and project files, as they are at the commit; the lock's path."""
    folder = work / "inputs" / case.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    repository = str(case.source["repo"]).replace("/", "+")
    git_dir = None if git_dirs is None else git_dirs / repository / "repo"
    if git_dir is not None and git_dir.is_dir():
        tree = subprocess.run(
            ["git", f"--git-dir={git_dir}", "archive", str(case.source["commit"])],
            capture_output=True, check=True,
        ).stdout  # fmt: skip
        subprocess.run(["tar", "-x", "-C", str(folder)], input=tree, check=True)
    lock = str(case.source["lock"])
    for name in [lock, *_strings(case.source.get("files"))]:
        target = folder / name
        data = restored((case.recorded / name).read_bytes(), tokens)
        if target.exists() and target.read_bytes() != data:
            raise SystemExit(f"{case.name}: {name} differs from the tree at the commit")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return folder / lock


def convert(case: Case, lock_file: Path, work: Path) -> None:
    """Run generate on the lock; check its pins; fetch their files."""
    flags = selection(_strings(case.source.get("flags")))
    folder = lock_file.parent / "out"
    options = GenerateOptions(
        requirement_files=(lock_file,),
        targets=(TARGET,),
        output_dir=folder,
        index=IndexOptions(cache_dir=work / "cache"),
        extras=tuple(flags.extra),
        groups=tuple(flags.group),
        all_extras=flags.all_extras,
        all_groups=flags.all_groups,
    )
    refused = str(case.source.get("refused", ""))
    try:
        result = generate(options, Console(-1))
    except Exception as error:  # the table says what ended it
        if refused and refused in str(error):
            case.outcome = f"refused as expected: {error}"
        else:
            case.outcome = f"{type(error).__name__}: {error}".splitlines()[0][:200]
        return
    if refused:
        case.outcome = f"UNEXPECTED: converted, where the recording expects {refused!r}"
    (graph,) = result.lock.graphs
    try:
        Pylock.from_dict(tomllib.loads((folder / "pylock.toml").read_text()))
    except PylockValidationError as error:
        case.not_as_locked.append(f"the pylock.toml written is not valid: {error}")
    dry_run = uv_dry_run(folder / "pylock.toml", work)
    would = sum(line.startswith(" + ") for line in dry_run.stderr.splitlines())
    if dry_run.returncode != 0 or would != len(graph.pins):
        errors = [line for line in dry_run.stderr.splitlines() if "error" in line] or ["-"]
        case.not_as_locked.append(f"uv's dry run: exit {dry_run.returncode}, {would}: {errors[0]}")
    versions, digests = locked(lock_file)
    for pin in graph.pins:
        known = versions.get(pin.name)
        if known is None:
            case.not_as_locked.append(f"{pin.name} {pin.version}: not in the lock")
        elif pin.direct is None and pin.version not in known:
            case.not_as_locked.append(f"{pin.name} {pin.version}: the lock has {sorted(known)}")
        elif pin.direct is None and pin.source.sha256 not in digests:
            case.not_as_locked.append(f"{pin.name} {pin.version}: {pin.source.filename} unlocked")
    try:
        case.lock = live_build.fetch_pins(case.name, folder, result, work)
    except (OSError, SystemExit) as error:
        case.outcome = f"files not fetched: {error}"


def selection(flags: list[str]) -> argparse.Namespace:
    """The recorded flags, as generate's options take them."""
    parser = argparse.ArgumentParser(prog="flags")
    parser.add_argument("--extra", action="append", default=[])
    parser.add_argument("--group", action="append", default=[])
    parser.add_argument("--all-extras", action="store_true")
    parser.add_argument("--all-groups", action="store_true")
    return parser.parse_args(flags)


def locked(path: Path) -> tuple[dict[str, set[str]], set[str]]:
    """Each name's locked versions, and every sha256 the lock holds, read from the file
    as each tool writes it."""
    text = path.read_text()
    versions: dict[str, set[str]] = {}
    if path.name == "Pipfile.lock":
        document = json.loads(text)
        for section in ("default", "develop"):
            for name, entry in document.get(section, {}).items():
                version = str(entry.get("version", "")).removeprefix("==")
                versions.setdefault(canonicalize_name(name), set()).add(version)
    else:
        document = tomllib.loads(text)
        key = "packages" if path.name.startswith("pylock") else "package"
        for entry in document.get(key, []):
            version = str(entry.get("version", ""))
            versions.setdefault(canonicalize_name(entry["name"]), set()).add(version)
    return versions, set(_DIGEST.findall(text))


def print_table(cases: list[Case]) -> None:
    print(
        f"\n{'lock':<48}{'pins':>5}{'as locked':>10}{'built':>6}{'failed':>7}{'dep':>4}"
        f"{'not tried':>10}  outcome"
    )
    for case in cases:
        verdicts = list(case.lock.verdicts.values()) if case.lock else []
        pins = len(case.lock.pins) if case.lock else 0
        row = (
            f"{case.name:<48}{pins:>5}{pins - len(case.not_as_locked):>10}"
            f"{verdicts.count('built'):>6}{sum(v.startswith('failed') for v in verdicts):>7}"
            f"{verdicts.count('dependency failed'):>4}"
            f"{sum(v.startswith('not tried') for v in verdicts):>10}"
        )
        print(f"{row}  {case.outcome or 'converted'}")
        for line in case.not_as_locked:
            print(f"    not as locked: {line}")


def check_web_pylock(work: Path) -> int:
    """The web set's pylock.toml: packaging's validation, then uv's dry run."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from compare_uv import SETS

    inputs = work / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    requirements = inputs / "web.txt"
    requirements.write_text("\n".join(SETS["web"]) + "\n")
    folder = work / "web"
    options = GenerateOptions(
        requirement_files=(requirements,),
        targets=(TARGET,),
        output_dir=folder,
        index=IndexOptions(cache_dir=work / "cache"),
    )
    generate(options, Console(-1))
    written = folder / "pylock.toml"
    document = Pylock.from_dict(tomllib.loads(written.read_text()))
    print(f"{written}: valid for packaging's pylock module, {len(document.packages)} packages")
    result = uv_dry_run(written, work, show=True)
    would = [line for line in result.stderr.splitlines() if line.startswith(" + ")]
    print(f"uv: exit {result.returncode}, would install {len(would)} of {len(document.packages)}")
    return result.returncode


def uv_dry_run(pylock: Path, work: Path, *, show: bool = False) -> subprocess.CompletedProcess[str]:
    """``uv pip install --dry-run -r pylock.toml`` into a scratch venv of the work folder
    (made once), against the live index."""
    uv = shutil.which("uv")
    if uv is None:
        raise SystemExit("uv not found")
    environment = {**os.environ, "UV_CACHE_DIR": str(work / "uv-cache"), "UV_NO_CONFIG": "1"}
    venv = work / "venv"
    if not venv.is_dir():
        subprocess.run(
            [uv, "venv", "-q", "--python", sys.executable, str(venv)], check=True, env=environment
        )
    command = [uv, "pip", "install", "--dry-run", "--python", str(venv), "-r", str(pylock)]
    result = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    if show:
        print("$", " ".join(command))
        print(result.stderr.rstrip())
    return result


def _strings(value: object) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []


if __name__ == "__main__":
    raise SystemExit(main())
