"""Time a universal lock against a single-target one on the live index.

    python benchmarks/universal.py [--runs 3] [--sets big] [--work DIR]

For each set of ``benchmarks/compare_uv.py`` (same requirements, same way of running
pypi2nix: compiled bytecode, ``--verbose``, wall time of the whole process), run
after run: a cold single-target lock (``--python 3.11``, x86_64-linux) and a cold
``--universal`` lock, each with an empty cache directory and output folder, taking
turns in which goes first; then two cached universal runs with the cache the cold
one filled: one into an empty output folder (the lock comes from the lock cache and
is rendered) and one over the folder it wrote (the lock and its files are current:
nothing is rendered). Each run notes the 1-minute load average when it starts: the
machine may be shared, and only runs taken in turns under the same load compare.

The table gives, per set and kind, the min and median seconds, pins, requests, MB and
the load, then the ratios the issue asks for: universal cold over single-target cold
(at most 3x) and the cached universal run (at most 0.3 s).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from compare_uv import SETS, run_tool, warm_up_bytecode, write_requirements

if TYPE_CHECKING:
    from compare_uv import Run

SINGLE = ("--python", "3.11")
UNIVERSAL = ("--universal",)
KINDS = ("single cold", "universal cold", "universal cached", "universal current")


@dataclass(frozen=True)
class Timed:
    run: Run
    load: float


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sets", default="big")
    parser.add_argument("--work", type=Path, default=None)
    arguments = parser.parse_args()
    work = arguments.work or Path(tempfile.mkdtemp(prefix="pypi2nix-universal-"))
    warm_up_bytecode(work)
    names = arguments.sets.split(",")
    results: dict[tuple[str, str], list[Timed]] = {
        (name, kind): [] for name in names for kind in KINDS
    }
    for number in range(arguments.runs):
        for name in names:
            requirements = write_requirements(work, name, SETS[name])
            colds = [("single cold", SINGLE), ("universal cold", UNIVERSAL)]
            for kind, targets in colds if number % 2 == 0 else colds[::-1]:
                cache = _fresh(work / "cache" / f"{name}-{kind.split()[0]}")
                output = work / "out" / name / kind.split()[0]
                _record(results, name, kind, number, requirements, cache, output, targets)
            cache = work / "cache" / f"{name}-universal"
            output = work / "out" / name / "cached"
            for kind, empty in (("universal cached", True), ("universal current", False)):
                _record(results, name, kind, number, requirements, cache, output, UNIVERSAL, empty)
    print_table(names, results)


def _fresh(cache: Path) -> Path:
    shutil.rmtree(cache, ignore_errors=True)
    return cache


def _record(
    results: dict[tuple[str, str], list[Timed]],
    name: str,
    kind: str,
    number: int,
    requirements: Path,
    cache: Path,
    output: Path,
    targets: tuple[str, ...],
    empty_output: bool = True,
) -> None:
    load = os.getloadavg()[0]
    run = run_tool(
        "pypi2nix", None, requirements, cache, output, targets=targets, empty_output=empty_output
    )
    results[name, kind].append(Timed(run=run, load=load))
    print(
        f"run {number + 1} {name:6} {kind:17}: {run.seconds:6.2f} s (load {load:.1f})",
        flush=True,
    )


def print_table(names: list[str], results: dict[tuple[str, str], list[Timed]]) -> None:
    print()
    print("set    kind               min  median  pins  requests      MB  load (mean)")
    for name in names:
        for kind in KINDS:
            timed = results[name, kind]
            seconds = [each.run.seconds for each in timed]
            first = timed[0].run
            load = statistics.mean(each.load for each in timed)
            requests = first.requests if first.requests is not None else "-"
            megabytes = f"{first.megabytes:7.1f}" if first.megabytes is not None else "      -"
            print(
                f"{name:6} {kind:17} {min(seconds):6.2f} {statistics.median(seconds):7.2f} "
                f"{first.pins:5} {requests:>9} {megabytes} {load:6.1f}"
            )
    print()
    for name in names:
        single, universal, cached, current = (
            statistics.median(each.run.seconds for each in results[name, kind]) for kind in KINDS
        )
        pairs = zip(results[name, "universal cold"], results[name, "single cold"], strict=True)
        paired = statistics.median(u.run.seconds / s.run.seconds for u, s in pairs)
        print(
            f"{name}: universal cold / single cold = {universal / single:.2f}x of the medians, "
            f"{paired:.2f}x the median of each run's pair (goal: at most 3x); universal "
            f"cached {cached:.2f} s into an empty folder, {current:.2f} s over its own files "
            "(goal: at most 0.3 s)"
        )


if __name__ == "__main__":
    main()
