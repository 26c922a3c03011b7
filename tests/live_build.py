"""Live check: lock real requirement sets against the live index, then build every pin
in the test stand-in for nixpkgs, which fails where nixpkgs fails.

    python -m tests.live_build [--work DIR] [--sets NAME,...] [--jobs 2] [--universal]
                               [--no-binary NAMES] [--only-binary NAMES]
                               [--build-constraint FILE] [SPEC ...]

The sets are the benchmark's ``web`` and ``data`` (benchmarks/compare_uv.py) and the
requirement files of benchmarks/projects/ (modeled on six kinds of public projects);
SPEC arguments lock those specs instead. For each set it runs ``pypi2nix generate``
for Python 3.11 on x86_64-linux (with ``--universal``, for every target of
``--universal``: the one lock then serves this machine), downloads every file the
lock fetches here (the pins' files and the locked build tools' wheels of the Python
3.11, x86_64-linux target) into the Nix store under the name its fetcher gives, and
builds every pin of that target offline with ``nix-build --keep-going``. The
stand-in's Python set holds, for each build tool the locks name that nixpkgs has
(shared/nixpkgs-python-attrs.txt in a parent folder of the repository, or the file
``$PYPI2NIX_NIXPKGS_ATTRS`` names), that tool's newest wheel; a tool nixpkgs lacks
is missing there as in nixpkgs. A pin is built when its build, its runtime-dependency
check, its pythonImportsCheck and, for a binary wheel, the autoPatchelfHook check
pass. Pins whose file is over 200 MB are "not tried". ``--no-binary`` and
``--only-binary`` (comma-separated names or ``:all:``, as pip takes them) set the
policy of every lock, as generate's flags of those names do; ``--build-constraint``
gives every lock build constraints. A failure whose log shows a build requirement
too new for the sdist, or a setup.py the target's Python cannot run, says so (with
the constraint to try), as generate does for a metadata hook.

Prints one verdict per pin (built, failed: cause, dependency failed, not tried) and a
table per set. Needs the network and the nix binaries; run it as root.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import requests
from packaging.utils import canonicalize_name

from pypi2nix.backend import diagnosis
from pypi2nix.backend.diagnosis import InstalledTool
from pypi2nix.commands.generate import generate
from pypi2nix.nix.escape import nix_attribute
from pypi2nix.nix.package import fetchurl_name
from pypi2nix.options import DEFAULT_INDEX_URL, GenerateOptions, IndexOptions
from pypi2nix.target import Target
from pypi2nix.ui import Console
from tests.support import nix

if TYPE_CHECKING:
    from pypi2nix.commands.generate import GenerateResult
    from pypi2nix.models import DistFile

ROOT = Path(__file__).resolve().parents[1]
PROJECTS = ROOT / "benchmarks" / "projects"
ATTRIBUTES_ENVIRONMENT_VARIABLE = "PYPI2NIX_NIXPKGS_ATTRS"
ATTRIBUTES_FILE = Path("shared") / "nixpkgs-python-attrs.txt"
MAX_TRIED_BYTES = 200 * 1024 * 1024
TARGET = Target.parse("3.11", "x86_64-linux")
_BUILD_TOOL = re.compile(r'\(buildTool "([^"]+)"')
# A build tool taken from nixpkgs by name (the output's table of known builds adds some).
_NIXPKGS_TOOL = re.compile(r"^ +super\.([A-Za-z0-9_-]+)$", re.MULTILINE)
_FAILED_BUILDER = re.compile(r"builder for '([^']+)' failed")


@dataclass
class Lock:
    name: str
    folder: Path
    pins: dict[str, list[str]] = field(default_factory=dict)  # name -> dependencies
    roots: list[str] = field(default_factory=list)
    too_large: set[str] = field(default_factory=set)
    tools: dict[str, tuple[InstalledTool, ...]] = field(default_factory=dict)
    verdicts: dict[str, str] = field(default_factory=dict)
    interpreter: str = "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("specs", nargs="*")
    parser.add_argument("--work", type=Path, default=None, help="keep the files here")
    parser.add_argument("--sets", default="", help="only these sets (comma-separated)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-binary", type=names, default=(), help="build these from sdists")
    parser.add_argument("--only-binary", type=names, default=(), help="admit only wheels")
    parser.add_argument("--universal", action="store_true", help="lock for every system and Python")
    parser.add_argument("--build-constraint", type=Path, action="append", default=[])
    arguments = parser.parse_args()
    missing = [binary for binary in nix.BINARIES if shutil.which(binary) is None]
    if missing:
        parser.error(f"needs the nix binaries; missing: {', '.join(missing)}")
    work = arguments.work or Path(tempfile.mkdtemp(prefix="pypi2nix-live-"))
    sets = requirement_sets(work, arguments.specs, arguments.sets)
    policy = {
        "no_binary": arguments.no_binary,
        "only_binary": arguments.only_binary,
        "build_constraints": tuple(arguments.build_constraint),
    }
    locks = [
        lock_set(name, files, work, universal=arguments.universal, **policy)
        for name, files in sets.items()
    ]
    nixpkgs = make_nixpkgs(work, locks, nixpkgs_attributes())
    for lock in locks:
        build_lock(lock, nixpkgs, arguments.jobs)
    print_verdicts(locks)
    return 0


def names(value: str) -> tuple[str, ...]:
    """A policy flag's value: comma-separated names, normalized, or ``:all:``."""
    items = [name for name in value.split(",") if name.strip()]
    return tuple(name if name == ":all:" else canonicalize_name(name) for name in items)


def nixpkgs_attributes() -> Path:
    """nixpkgs' Python attribute names: the file the environment names, else
    shared/nixpkgs-python-attrs.txt in the nearest parent folder that has one (a
    worktree may sit deeper than the main checkout)."""
    named = os.environ.get(ATTRIBUTES_ENVIRONMENT_VARIABLE)
    if named:
        return Path(named)
    for folder in ROOT.parents:
        if (folder / ATTRIBUTES_FILE).is_file():
            return folder / ATTRIBUTES_FILE
    raise SystemExit(f"no {ATTRIBUTES_FILE} above {ROOT}; set ${ATTRIBUTES_ENVIRONMENT_VARIABLE}")


def requirement_sets(work: Path, specs: list[str], only: str) -> dict[str, list[Path]]:
    """Set name -> requirements files."""
    inputs = work / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    if specs:
        path = inputs / "specs.txt"
        path.write_text("\n".join(specs) + "\n")
        return {"specs": [path]}
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from compare_uv import SETS

    sets: dict[str, list[Path]] = {}
    for name in ("web", "data"):
        path = inputs / f"{name}.txt"
        path.write_text("\n".join(SETS[name]) + "\n")
        sets[name] = [path]
    for path in sorted(PROJECTS.glob("*.txt")):
        sets[path.stem] = [path]
    wanted = {name for name in only.split(",") if name}
    return {name: files for name, files in sets.items() if not wanted or name in wanted}


def lock_set(
    name: str,
    files: list[Path],
    work: Path,
    *,
    no_binary: tuple[str, ...] = (),
    only_binary: tuple[str, ...] = (),
    build_constraints: tuple[Path, ...] = (),
    universal: bool = False,
) -> Lock:
    """Lock a set (for :data:`TARGET`, or every target of ``--universal``) and put the
    files that :data:`TARGET`'s pins and build tools fetch in the store."""
    folder = work / "locks" / name
    options = GenerateOptions(
        requirement_files=tuple(files),
        build_constraint_files=build_constraints,
        targets=() if universal else (TARGET,),
        universal=universal,
        no_binary=no_binary,
        only_binary=only_binary,
        output_dir=folder,
        index=IndexOptions(cache_dir=work / "cache"),
    )
    return fetch_pins(name, folder, generate(options, Console(-1)), work)


def fetch_pins(name: str, folder: Path, result: GenerateResult, work: Path) -> Lock:
    """The lock generate wrote, with every file that :data:`TARGET`'s pins and build
    tools fetch in the store (a lock of several targets: this machine's)."""
    (graph,) = (graph for graph in result.lock.graphs if graph.target == TARGET)
    lock = Lock(name=name, folder=folder, roots=list(graph.roots))
    tools = {tool.key: tool for tool in graph.build_tools}
    for pin in graph.pins:
        lock.pins[pin.name] = [dependency.name for dependency in pin.dependencies]
        lock.tools[pin.name] = tuple(
            InstalledTool(
                name=requirement.name,
                version=tools[requirement.tool].pin.version if requirement.tool else "",
            )
            for requirement in pin.build_requirements
        )
        if (pin.source.size or 0) > MAX_TRIED_BYTES:
            lock.too_large.add(pin.name)
            continue
        if pin.direct is None:
            download(pin.source.url, store_name(pin.source), pin.source.sha256, work / "files")
    for tool in tools.values():
        source = tool.pin.source
        download(source.url, store_name(source), source.sha256, work / "files")
    count = len(result.lock.graphs)
    several = f" (this target's, of {count} targets)" if count > 1 else ""
    print(f"{name}: locked {len(graph.pins)} pins{several}, {len(tools)} locked build tools")
    return lock


def store_name(file: DistFile) -> str:
    """The name the fetcher gives the file in the store (fetchurl's ``name`` when the
    URL's last segment cannot be one)."""
    return fetchurl_name(file) or urlsplit(file.url).path.rsplit("/", 1)[-1]


def download(url: str, filename: str, sha256: str | None, directory: Path) -> None:
    """Fetch a file (once) and add it to the store under the name its fetcher uses."""
    path = directory / filename
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        data = requests.get(url, timeout=300).content
        if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
            raise SystemExit(f"{filename}: hash mismatch")
        path.write_bytes(data)
    nix.add_fixed(path)


def make_nixpkgs(work: Path, locks: list[Lock], attributes: Path) -> Path:
    """The stand-in, whose Python set has the newest wheel of each build tool the locks
    name that nixpkgs has, with those tools' own dependencies."""
    in_nixpkgs = set(attributes.read_text().split())
    named = {"setuptools", "wheel"}
    for lock in locks:
        text = (lock.folder / "requirements.nix").read_text()
        named.update(_BUILD_TOOL.findall(text), _NIXPKGS_TOOL.findall(text))
    wheels = work / "nixpkgs-wheels"
    for tool in sorted(named & in_nixpkgs):
        fetched = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--isolated", "--quiet", "--only-binary",
             ":all:", "--python-version", TARGET.python, "--index-url", DEFAULT_INDEX_URL,
             "--dest", str(wheels), tool],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if fetched.returncode != 0:
            print(f"nixpkgs tool {tool}: no wheel; the stand-in lacks it")
    kept = [
        wheel
        for wheel in sorted(wheels.glob("*.whl"))
        if canonicalize_name(wheel.name.split("-")[0]) in in_nixpkgs
    ]
    directory = work / "nixpkgs"
    directory.mkdir(exist_ok=True)
    base = nix.write_base_wheels(kept, directory / "base-wheels.json")
    (directory / "default.nix").write_text(f"{{ ... }}: {nix.stand_in(base)}\n")
    return directory


def build_lock(lock: Lock, nixpkgs: Path, jobs: int) -> None:
    """Build every pin it can; record a verdict for each."""
    expression = f"import {lock.folder}/requirements.nix {{ pkgs = import {nixpkgs} {{ }}; }}"
    paths = _evaluate(expression, list(lock.pins))
    tried = {
        name: value
        for name, value in paths.items()
        if value is not None and name not in lock.too_large
    }
    for name, value in paths.items():
        if value is None:
            lock.verdicts[name] = f"failed: evaluation: {_evaluation_cause(expression, name)}"
    failed_builders: list[str] = []
    if tried:
        selected = " ".join(f"lock.packages.{nix_attribute(name)}" for name in sorted(tried))
        realised = subprocess.run(
            ["nix-build", "--no-out-link", "--keep-going", "--max-jobs", str(jobs),
             *nix.BUILD_OPTIONS, "--expr", f"let lock = {expression}; in [ {selected} ]"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        failed_builders = _FAILED_BUILDER.findall(realised.stderr)
        if realised.returncode != 0 and not failed_builders:
            errors = [line for line in realised.stderr.splitlines() if "error" in line]
            print(f"{lock.name}: nix-build failed:", *errors[:5], sep="\n  ")
    pin_drvs = {value["drv"] for value in tried.values()}
    for drv in failed_builders:
        if drv not in pin_drvs:  # a build tool of nixpkgs' or a locked one
            print(f"{lock.name}: {drv.split('-', 1)[1]} failed: {_cause(drv)}")
    built = _valid_outputs(tried)
    for name in sorted(lock.pins):
        if name in lock.verdicts:
            continue
        if name in lock.too_large:
            lock.verdicts[name] = "not tried (over 200 MB)"
        elif name in built:
            lock.verdicts[name] = "built"
        elif _failed_dependency(lock, name, built):
            lock.verdicts[name] = "dependency failed"
        else:
            lock.verdicts[name] = f"failed: {_cause(tried[name]['drv'], lock.tools[name])}"
    if all(verdict == "built" for verdict in lock.verdicts.values()):
        lock.interpreter = _check_interpreter(lock, expression)


def _evaluate(expression: str, names: list[str]) -> dict[str, dict[str, str] | None]:
    """Each pin's derivation and output path; None for one that fails to evaluate (a
    missing attribute is not caught by tryEval, so each is tried on its own then)."""
    paths = (
        "let tried = builtins.tryEval p.drvPath; in "
        "if tried.success then { drv = tried.value; out = p.outPath; } else null"
    )
    try:
        evaluated: dict[str, dict[str, str] | None] = nix.evaluate(
            f"builtins.mapAttrs (name: p: {paths}) ({expression}).packages"
        )
        return evaluated
    except AssertionError:
        pass
    result: dict[str, dict[str, str] | None] = {}
    for name in names:
        try:
            result[name] = nix.evaluate(
                f"let p = ({expression}).packages.{nix_attribute(name)}; in {paths}"
            )
        except AssertionError:
            result[name] = None
    return result


def _evaluation_cause(expression: str, name: str) -> str:
    """The error that ends a pin's evaluation (the stand-in has no native libraries, so
    a pin that needs one names the missing attribute)."""
    error = nix.evaluation_error(f"({expression}).packages.{nix_attribute(name)}.drvPath")
    errors = [line.strip() for line in error.splitlines() if line.strip().startswith("error:")]
    return (errors or ["unknown"])[-1].removeprefix("error: ")[:160]


def _valid_outputs(tried: dict[str, dict[str, str]]) -> set[str]:
    """The pins whose output is a valid store path: a failed build may leave its output
    folder behind (without a sandbox), so existing is not enough."""
    outputs = {value["out"]: name for name, value in tried.items()}
    invalid = subprocess.run(
        ["nix-store", "--check-validity", "--print-invalid", *outputs],
        capture_output=True, text=True, check=False,
    ).stdout.split()  # fmt: skip
    return {name for out, name in outputs.items() if out not in invalid}


def _failed_dependency(lock: Lock, name: str, built: set[str]) -> bool:
    return any(dependency not in built for dependency in lock.pins.get(name, []))


def _cause(drv: str, tools: tuple[InstalledTool, ...] = ()) -> str:
    log = subprocess.run(["nix-store", "-l", drv], capture_output=True, text=True, check=False)
    if not log.stdout.strip():
        return "no log (a dependency failed)"
    explained = diagnosis.explain_failure(log.stdout, tools=tools, python=TARGET.python)
    return explained or last_error(log.stdout)


def last_error(text: str) -> str:
    """The line of a build log that says what went wrong: a compiler's fatal error, a
    Python exception, else the last line naming an error (not pip's notes and hints)."""
    lines = [
        line for line in diagnosis.clean_lines(text) if not line.startswith(("note:", "hint:"))
    ]
    fatal = [line for line in lines if "fatal error" in line]
    interesting = [
        line for line in lines
        if any(word in line for word in ("Error", "error", "No module", "needs", "not installed"))
    ]  # fmt: skip
    exception = diagnosis.error_line(lines)
    chosen = fatal or ([exception] if exception else []) or interesting or lines or ["unknown"]
    return chosen[-1][:160]


def _check_interpreter(lock: Lock, expression: str) -> str:
    try:
        interpreter = nix.build(f"({expression}).interpreter")
    except AssertionError as error:
        return f"failed: {last_error(str(error))}"
    modules = json.dumps(sorted(lock.roots))
    code = (
        "import importlib.metadata as m, json, sys; "
        f"[m.distribution(name) for name in json.loads({modules!r})]; print('ok')"
    )
    check = subprocess.run(
        [f"{interpreter}/bin/python", "-c", code], capture_output=True, text=True, check=False
    )
    return "ok" if check.returncode == 0 else "failed"


def print_failures(locks: list[Lock]) -> None:
    """Each lock's pins that did not build, with their verdicts."""
    for lock in locks:
        print(f"\n== {lock.name}")
        for name, verdict in sorted(lock.verdicts.items()):
            if verdict != "built":
                print(f"  {nix_attribute(name)}: {verdict}")


def print_verdicts(locks: list[Lock]) -> None:
    print_failures(locks)
    print(
        f"\n{'set':<14}{'pins':>6}{'built':>7}{'failed':>8}{'dep':>5}{'not tried':>11}  interpreter"
    )
    totals = [0, 0, 0, 0, 0]
    for lock in locks:
        verdicts = list(lock.verdicts.values())
        row = [
            len(verdicts),
            verdicts.count("built"),
            sum(v.startswith("failed") for v in verdicts),
            verdicts.count("dependency failed"),
            sum(v.startswith("not tried") for v in verdicts),
        ]
        totals = [a + b for a, b in zip(totals, row, strict=True)]
        print(
            f"{lock.name:<14}{row[0]:>6}{row[1]:>7}{row[2]:>8}{row[3]:>5}{row[4]:>11}  {lock.interpreter}"
        )
    tried = totals[0] - totals[4]
    share = 100 * totals[1] / tried if tried else 0.0
    print(f"{'all':<14}{totals[0]:>6}{totals[1]:>7}{totals[2]:>8}{totals[3]:>5}{totals[4]:>11}")
    print(f"built and imported: {totals[1]} of {tried} tried ({share:.1f}%)")


if __name__ == "__main__":
    raise SystemExit(main())
