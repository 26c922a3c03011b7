"""Time ``pypi2nix generate`` against ``uv pip compile`` on the live index.

    python benchmarks/compare_uv.py [--runs 3] [--sets small,web,data,big] [--work DIR]
                                    [--growth]

uv is installed into a scratch virtual environment from the package index when it
is not there yet. For each set the tools take turns, run after run: a cold run with
an empty cache directory, a warm run with the cache that run filled, then an edit
run: the requirements with one more line (a project the set already pins, so every
page is cached but the lock cache misses), with that same cache. Each run writes
to an empty output folder, and pypi2nix runs from compiled bytecode. uv locks
with hashes for the same target (``--python-version 3.11 --python-platform
x86_64-unknown-linux-gnu``); pypi2nix does more (it also reads each sdist's build
system and the file lists for pythonImportsCheck).

The table gives, per set and tool, cold, warm and edit wall time (min and median),
pins, the cold median per pin, HTTP requests and MB downloaded (pypi2nix's own
count), peak RSS, and the ratio of the medians. With ``--growth``, a second table
shows pypi2nix's cold cost as the number of pins grows: the web set, the data set
(about twice as many pins), and both at once.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pypi2nix.options import DEFAULT_INDEX_URL

if TYPE_CHECKING:
    from collections.abc import Sequence

SETS = {
    "small": ["requests"],
    "web": [
        "django", "djangorestframework", "celery[redis]", "psycopg[binary]", "gunicorn",
        "sentry-sdk", "boto3", "pydantic", "fastapi", "uvicorn[standard]", "sqlalchemy",
        "alembic", "httpx", "jinja2", "pyyaml",
    ],
    "data": [
        "numpy", "pandas", "scipy", "scikit-learn", "matplotlib", "jupyterlab", "seaborn",
        "statsmodels", "pyarrow", "polars",
    ],
    "big": ["apache-airflow[celery,postgres]", "sphinx", "pytest", "black", "mypy", "tox"],
}  # fmt: skip
# The edit run's extra line: a project every set already pins, so that no new page
# is needed and only the lock cache misses.
EDIT_LINE = "idna"
KINDS = ("cold", "warm", "edit")
PYTHON = "3.11"
_SUMMARY = re.compile(r"Locked (\d+) packages .*\((\d+) requests, ([\d.]+) MB\)")
_SDIST_READS = re.compile(r"Streamed \d+ sdists: .*")


@dataclass
class Run:
    seconds: float
    peak_rss_mb: float
    pins: int
    requests: int | None
    megabytes: float | None = None
    sdist_reads: str | None = None


@dataclass
class Results:
    cold: list[Run] = field(default_factory=list)
    warm: list[Run] = field(default_factory=list)
    edit: list[Run] = field(default_factory=list)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sets", default="small,web,data,big")
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--growth", action="store_true", help="also the growth table")
    arguments = parser.parse_args()
    work = arguments.work or Path(tempfile.mkdtemp(prefix="pypi2nix-bench-"))
    uv = ensure_uv(work / "uv-venv")
    warm_up_bytecode(work)
    names = arguments.sets.split(",")
    files = {name: write_requirements(work, name, SETS[name]) for name in names}
    edited = {
        name: write_requirements(work, f"{name}-edit", [*SETS[name], EDIT_LINE]) for name in names
    }
    results = {(name, tool): Results() for name in names for tool in ("pypi2nix", "uv")}
    for run in range(arguments.runs):
        for name in names:
            for tool in ("pypi2nix", "uv"):
                cache = work / "cache" / f"{tool}-{name}-{run}"
                shutil.rmtree(cache, ignore_errors=True)
                for kind in KINDS:
                    requirements = edited[name] if kind == "edit" else files[name]
                    outcome = run_tool(tool, uv, requirements, cache, work / "out" / tool / name)
                    getattr(results[name, tool], kind).append(outcome)
                    print(
                        f"run {run + 1} {name:6} {tool:8} {kind}: {outcome.seconds:6.2f} s",
                        flush=True,
                    )
    print_table(names, results)
    if arguments.growth:
        print_growth(work, uv, arguments.runs)


def ensure_uv(venv: Path) -> Path:
    uv = venv / "bin" / "uv"
    if not uv.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "--quiet", "--isolated",
             "--index-url", DEFAULT_INDEX_URL, "uv"],
            check=True,
        )  # fmt: skip
    return uv


def tool_environment(work: Path) -> dict[str, str]:
    """pypi2nix runs from compiled bytecode, as an installed copy does (this
    environment may say not to write it): kept under the work folder."""
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    environment["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    return environment


def warm_up_bytecode(work: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pypi2nix", "generate", "--help"],
        env=tool_environment(work),
        stdout=subprocess.DEVNULL,
        check=True,
    )
    subprocess.run(
        [sys.executable, "-c", "import pypi2nix.commands.generate, pypi2nix.commands.pipeline"],
        env=tool_environment(work),
        check=True,
    )


def write_requirements(work: Path, name: str, requirements: list[str]) -> Path:
    path = work / f"{name}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(requirements) + "\n")
    return path


def run_tool(
    tool: str,
    uv: Path | None,
    requirements: Path,
    cache: Path,
    output: Path,
    *,
    targets: Sequence[str] = ("--python", PYTHON),
    empty_output: bool = True,
) -> Run:
    """One run into an empty output folder: an earlier run's frozen file there would
    be read as preferences, and change the lock cache's key (``empty_output=False``:
    over what the last run wrote there). pypi2nix locks for ``targets``."""
    if empty_output:
        shutil.rmtree(output, ignore_errors=True)
    output.mkdir(parents=True, exist_ok=True)
    if tool == "pypi2nix":
        command = [
            sys.executable, "-m", "pypi2nix", "generate", "-r", str(requirements),
            *targets, "-O", str(output), "--cache-dir", str(cache), "--verbose",
        ]  # fmt: skip
    else:
        assert uv is not None
        command = [
            str(uv), "pip", "compile", "--quiet", "--generate-hashes",
            "--python-version", PYTHON, "--python-platform", "x86_64-unknown-linux-gnu",
            "--index-url", DEFAULT_INDEX_URL, "--cache-dir", str(cache),
            "-o", str(output / "requirements.txt"), str(requirements),
        ]  # fmt: skip
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=tool_environment(requirements.parent),
    )
    assert process.stderr is not None
    stderr = process.stderr.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{tool} failed on {requirements.name}:\n{stderr}")
    return Run(
        seconds=seconds,
        peak_rss_mb=usage.ru_maxrss / 1024,
        pins=count_pins(tool, output),
        requests=requests_made(stderr) if tool == "pypi2nix" else None,
        megabytes=megabytes_read(stderr) if tool == "pypi2nix" else None,
        sdist_reads=sdist_reads(stderr) if tool == "pypi2nix" else None,
    )


def count_pins(tool: str, output: Path) -> int:
    name = "requirements_frozen.txt" if tool == "pypi2nix" else "requirements.txt"
    return sum(1 for line in (output / name).read_text().splitlines() if "==" in line)


def requests_made(stderr: str) -> int | None:
    match = _SUMMARY.search(stderr)
    return int(match[2]) if match else None


def megabytes_read(stderr: str) -> float | None:
    match = _SUMMARY.search(stderr)
    return float(match[3]) if match else None


def sdist_reads(stderr: str) -> str | None:
    match = _SDIST_READS.search(stderr)
    return match[0] if match else None


def print_table(names: list[str], results: dict[tuple[str, str], Results]) -> None:
    print()
    print(
        "set    tool     cold min  median  warm min  median  edit min  median  pins  ms/pin"
        "  requests      MB  peak RSS  ratio cold/warm/edit"
    )
    for name in names:
        medians: dict[str, list[float]] = {}
        for tool in ("pypi2nix", "uv"):
            result = results[name, tool]
            times = {kind: [run.seconds for run in getattr(result, kind)] for kind in KINDS}
            medians[tool] = [statistics.median(times[kind]) for kind in KINDS]
            first = result.cold[0]
            rss = max(run.peak_rss_mb for kind in KINDS for run in getattr(result, kind))
            ratio = ""
            if tool == "uv":
                ratio = " / ".join(
                    f"{ours / theirs:.2f}x"
                    for ours, theirs in zip(medians["pypi2nix"], medians["uv"], strict=True)
                )
            columns = " ".join(
                f"{min(times[kind]):8.2f} {statistics.median(times[kind]):7.2f}" for kind in KINDS
            )
            per_pin = medians[tool][0] / first.pins * 1000
            requests = first.requests if first.requests is not None else "-"
            megabytes = f"{first.megabytes:7.1f}" if first.megabytes is not None else "      -"
            print(
                f"{name:6} {tool:8} {columns} {first.pins:5} {per_pin:7.1f} {requests:>9} "
                f"{megabytes} {rss:6.0f} MB  {ratio}"
            )
    print()
    print("How far pypi2nix read the sdists (cold run):")
    for name in names:
        print(f"{name:6} {results[name, 'pypi2nix'].cold[0].sdist_reads or '-'}")


def print_growth(work: Path, uv: Path, runs: int) -> None:
    both = write_requirements(work, "web+data", SETS["web"] + SETS["data"])
    print()
    print("pypi2nix cold cost as the lock grows")
    print("set       pins  median s  ms/pin  requests")
    for name in ("web", "data", "web+data"):
        requirements = both if name == "web+data" else work / f"{name}.txt"
        outcomes = []
        for run in range(runs):
            cache = work / "cache" / f"growth-{name}-{run}"
            shutil.rmtree(cache, ignore_errors=True)
            outcomes.append(
                run_tool("pypi2nix", uv, requirements, cache, work / "out" / "growth" / name)
            )
        median = statistics.median(run.seconds for run in outcomes)
        pins = outcomes[0].pins
        print(
            f"{name:9} {pins:4} {median:9.2f} {median / pins * 1000:7.1f} {outcomes[0].requests:9}"
        )


if __name__ == "__main__":
    main()
