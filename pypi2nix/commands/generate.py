"""``pypi2nix generate``: requirements in, requirements.nix and friends out."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pypi2nix.errors import UsageError
from pypi2nix.index.cache import Cache
from pypi2nix.index.client import HttpClient
from pypi2nix.index.prefetch import Prefetcher
from pypi2nix.index.repository import PackageIndex
from pypi2nix.inputs import read_inputs
from pypi2nix.lock.frozen import render_frozen
from pypi2nix.nix.override import render_override_nix
from pypi2nix.nix.requirements import render_requirements_nix
from pypi2nix.options import DEFAULT_INDEX_URL, index_url_from_environment
from pypi2nix.resolve import lock
from pypi2nix.writer import OutputFile, WriteReport, write_outputs

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from pathlib import Path

    from pypi2nix.models import LockGraph, RequirementSet
    from pypi2nix.options import GenerateOptions
    from pypi2nix.ui import Console


@dataclass(frozen=True, slots=True)
class OutputPaths:
    nix: Path
    override: Path
    frozen: Path

    @classmethod
    def for_options(cls, options: GenerateOptions) -> OutputPaths:
        directory, base = options.output_dir, options.basename
        return cls(
            nix=directory / f"{base}.nix",
            override=directory / f"{base}_override.nix",
            frozen=directory / f"{base}_frozen.txt",
        )


@dataclass(frozen=True, slots=True)
class GenerateResult:
    graph: LockGraph
    report: WriteReport
    seconds: float
    requests: int
    bytes: int


def generate(options: GenerateOptions, console: Console) -> GenerateResult:
    """Read the inputs, lock them for the target, write the three files."""
    started = time.monotonic()
    inputs = read_inputs(options.requirement_files, options.specs, options.constraint_files)
    if not inputs.requirements:
        raise UsageError("nothing to lock: give a requirements file (-r FILE) or a spec (-e SPEC)")
    client = HttpClient()
    index = PackageIndex(
        client,
        index_urls(options, inputs),
        cache=Cache(options.cache_dir),
        offline=options.offline,
        refresh=options.refresh,
        progress=console.progress,
    )
    console.set_status(
        lambda: f"[{client.stats.requests} requests, {client.stats.bytes / 1e6:.1f} MB]"
    )
    prefetcher = Prefetcher(options.workers)
    try:
        graph = lock(
            inputs,
            index,
            options.target,
            pre=options.pre,
            prefetcher=prefetcher,
            progress=console.progress,
        )
    finally:
        prefetcher.close()
    logger.info("%s", index.sdist_reads.describe())
    report = write_outputs(render_outputs(graph, options))
    console.clear()
    return GenerateResult(
        graph=graph,
        report=report,
        seconds=time.monotonic() - started,
        requests=client.stats.requests,
        bytes=client.stats.bytes,
    )


def index_urls(options: GenerateOptions, inputs: RequirementSet) -> list[str]:
    """The indexes to use: command line, then requirements files, then the environment."""
    main = options.index_url or inputs.index_url or index_url_from_environment()
    extras = [*options.extra_index_urls, *inputs.extra_index_urls]
    return list(dict.fromkeys([main or DEFAULT_INDEX_URL, *extras]))


def render_outputs(graph: LockGraph, options: GenerateOptions) -> list[OutputFile]:
    paths = OutputPaths.for_options(options)
    nix = render_requirements_nix(
        graph, nix_file=paths.nix.name, override_file=paths.override.name, fetcher=options.fetcher
    )
    return [
        OutputFile(paths.nix, nix),
        OutputFile(paths.override, render_override_nix(generated_file=paths.nix.name), True),
        OutputFile(paths.frozen, render_frozen(graph, file_name=paths.frozen.name)),
    ]


def summary_lines(result: GenerateResult) -> list[str]:
    graph = result.graph
    wheels = [pin.name for pin in graph.pins if pin.source.kind == "wheel"]
    lines = [
        f"Locked {len(graph.pins)} packages ({len(graph.roots)} top-level) for Python "
        f"{graph.python} on {graph.system} in {result.seconds:.1f} s "
        f"({result.requests} requests, {result.bytes / 1e6:.1f} MB).",
    ]
    lines.extend(
        f"Dependency cycle broken: {edge.dependent} -> {edge.dependency} is left out."
        for edge in graph.broken_edges
    )
    if wheels:
        lines.append(f"Built from wheels (no sdist): {', '.join(wheels)}.")
    written = ", ".join(str(path) for path in result.report.written)
    lines.append(f"Wrote {written}.")
    if result.report.kept:
        lines.append(f"Kept {', '.join(str(path) for path in result.report.kept)} as it was.")
    return lines
