"""Live check: lock well-known packages against the live index, then build them with Nix.

    python -m tests.live_build [--python 3.11] [--work DIR] [SPEC ...]
    python -m tests.live_build --pyproject path/to/pyproject.toml [--extra X] [--group Y]

For each spec (default: the list of the core pipeline issue), or for a project's
``pyproject.toml``, it runs ``pypi2nix generate`` and checks every written file with
``nix-instantiate --parse``.
Then it downloads every pinned source from the index's own file URL, adds it to the
Nix store under its file name (the store path fetchPypi expects), and builds each pin
offline in the test stand-in for nixpkgs (``tests/nixpkgs``), whose "nixpkgs" build
tools are wheels fetched with pip. A pin counts as built when its build, its
runtime-dependency check and its pythonImportsCheck pass.

Pins without a pure-Python wheel (C or Rust extensions) are not built from source:
the stand-in has no compilers' toolchains of nixpkgs. They are taken from their
binary wheel for the host, as a binary cache would give them, so the pure-Python
packages above them still build; the table counts them apart.

Needs the network and the nix binaries; run it as root (builds use the host Python).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
from packaging.version import Version

from pypi2nix.commands.generate import generate
from pypi2nix.commands.outputs import OutputPaths
from pypi2nix.index.client import HttpClient
from pypi2nix.index.repository import PackageIndex
from pypi2nix.nix.escape import nix_attribute, nix_string
from pypi2nix.nix.hashes import sri_sha256
from pypi2nix.options import DEFAULT_INDEX_URL, GenerateOptions
from pypi2nix.resolve.factory import Factory
from pypi2nix.target import Target
from pypi2nix.ui import Console
from tests.support import nix

ISSUE_SPECS = (
    "requests", "flask", "httpx[http2]", "rich", "typer", "attrs", "jsonschema", "black",
    "sphinx", "pydantic", "django", "celery[redis]", "boto3",
)  # fmt: skip


@dataclass
class Report:
    spec: str
    pins: int = 0
    from_source: list[str] = field(default_factory=list)
    from_wheel: list[str] = field(default_factory=list)
    built: list[str] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)
    interpreter: str = "-"
    seconds: float = 0.0
    imports: list[str] = field(default_factory=list)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("specs", nargs="*", default=list(ISSUE_SPECS))
    parser.add_argument("--python", default=f"{sys.version_info.major}.{sys.version_info.minor}")
    parser.add_argument("--work", type=Path, default=None, help="keep the files here")
    parser.add_argument("--pyproject", type=Path, help="lock this project instead of specs")
    parser.add_argument("--extra", action="append", default=[], help="with --pyproject")
    parser.add_argument("--group", action="append", default=[], help="with --pyproject")
    arguments = parser.parse_args()
    missing = [binary for binary in nix.BINARIES if shutil.which(binary) is None]
    if missing:
        parser.error(f"needs the nix binaries; missing: {', '.join(missing)}")
    work = arguments.work or Path(tempfile.mkdtemp(prefix="pypi2nix-live-"))
    target = Target.parse(arguments.python, "x86_64-linux")
    if arguments.pyproject is not None:
        project = GenerateOptions(
            pyproject=arguments.pyproject.resolve(),
            extras=tuple(arguments.extra),
            groups=tuple(arguments.group),
            target=target,
        )
        reports = [
            lock_and_parse(f"project {arguments.pyproject.parent.name}", target, work, project)
        ]
    else:
        reports = [lock_and_parse(spec, target, work) for spec in arguments.specs]
    nixpkgs = make_nixpkgs(work, reports)
    for report in reports:
        build_report(report, work, nixpkgs)
    print_table(reports)
    return 0 if all(not report.failures for report in reports) else 1


def lock_and_parse(
    spec: str, target: Target, work: Path, options: GenerateOptions | None = None
) -> Report:
    report = Report(spec)
    output = lock_directory(work, spec)
    base = options or GenerateOptions(specs=(spec,), target=target)
    options = dataclasses.replace(base, output_dir=output)
    started = time.monotonic()
    result = generate(options, Console(-1))
    report.seconds = time.monotonic() - started
    paths = OutputPaths.for_options(options)
    for path in (paths.nix, paths.override):
        nix.run("nix-instantiate", "--parse", str(path))
    report.pins = len(result.graph.pins)
    report.imports = [
        module
        for pin in result.graph.pins
        if pin.name in result.graph.roots
        for module in pin.import_names
    ]
    index = PackageIndex(HttpClient(), [DEFAULT_INDEX_URL])
    factory = Factory(source=index, target=target)
    for pin in result.graph.pins:
        if pin.direct is not None and pin.direct.kind != "url":
            report.from_source.append(pin.name)  # a local or git tree: Nix reads it itself
            continue
        download(pin.source.url, pin.source.filename, pin.source.sha256, work / "files")
        release = factory.release(pin.name, Version(pin.version))
        files = [*release.files, *release.other_wheels]
        wheels = [file for file in release.files if file.kind == "wheel"]
        pure = any(file.filename.endswith("-none-any.whl") for file in files)
        if pure or pin.source.kind == "wheel" or not wheels:
            report.from_source.append(pin.name)
        else:
            wheel = wheels[0]
            download(wheel.url, wheel.filename, wheel.sha256, work / "files")
            (output / f"{pin.name}.wheel").write_text(
                f"{wheel.url}\n{sri_sha256(bytes.fromhex(wheel.sha256 or ''))}\n"
            )
            report.from_wheel.append(pin.name)
    return report


def lock_directory(work: Path, spec: str) -> Path:
    """A folder per spec, named so that it is a valid Nix path literal."""
    return work / "locks" / re.sub(r"[^A-Za-z0-9._-]", "_", spec)


def download(url: str, filename: str, sha256: str | None, directory: Path) -> None:
    path = directory / filename
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        data = requests.get(url, timeout=120).content
        if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
            raise SystemExit(f"{filename}: hash mismatch")
        path.write_bytes(data)
    nix.add_fixed(path)


def make_nixpkgs(work: Path, reports: list[Report]) -> Path:
    """The stand-in, with the build tools every source build declares, as wheels."""
    tools = {"setuptools", "wheel"}
    for report in reports:
        text = (lock_directory(work, report.spec) / "requirements.nix").read_text()
        tools.update(word[len("super.") :] for word in text.split() if word.startswith("super."))
    wheels = work / "build-tools"
    for tool in sorted(tools):
        fetched = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--isolated", "--quiet", "--only-binary",
             ":all:", "--index-url", DEFAULT_INDEX_URL, "--dest", str(wheels), tool],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if fetched.returncode != 0:
            print(f"build tool {tool} is not available as a wheel; pins needing it will fail")
    directory = work / "nixpkgs"
    directory.mkdir(exist_ok=True)
    base = nix.write_base_wheels(sorted(wheels.glob("*.whl")), directory / "base-wheels.json")
    (directory / "default.nix").write_text(f"{{ ... }}: {nix.stand_in(base)}\n")
    return directory


def build_report(report: Report, work: Path, nixpkgs: Path) -> None:
    output = lock_directory(work, report.spec)
    overrides = binary_overrides(output, report.from_wheel)
    expression = (
        f"let pkgs = import {nixpkgs} {{ }}; lock = import {output}/requirements.nix "
        f"{{ inherit pkgs; overrides = {overrides}; }}; in lock"
    )
    for name in report.from_source:
        result = subprocess.run(
            ["nix-build", "--no-out-link", *nix.BUILD_OPTIONS, "--expr",
             f"({expression}).packages.{nix_attribute(name)}"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if result.returncode == 0:
            report.built.append(name)
        else:
            report.failures[name] = cause(result.stderr)
    if not report.failures:
        interpreter = nix.build(f"({expression}).interpreter")
        imports = ", ".join(report.imports) or "sys"
        check = subprocess.run(
            [f"{interpreter}/bin/python", "-c", f"import {imports}"], check=False
        )
        report.interpreter = "ok" if check.returncode == 0 else "import failed"


def binary_overrides(output: Path, names: list[str]) -> str:
    """An overlay that installs the named pins from their binary wheels."""
    attributes = []
    for name in names:
        url, sri = (output / f"{name}.wheel").read_text().split()
        old = f"super.{nix_attribute(name)}"
        attributes.append(
            f"{nix_attribute(name)} = self.buildPythonPackage {{ "
            f'inherit ({old}) pname version dependencies; format = "wheel"; doCheck = false; '
            f"src = pkgs.fetchurl {{ url = {nix_string(url)}; hash = {nix_string(sri)}; }}; }};"
        )
    return "self: super: { " + " ".join(attributes) + " }"


def cause(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    interesting = [
        line for line in lines
        if any(word in line for word in ("Error", "error:", "No module", "runtime dependency", "not installed"))
    ]  # fmt: skip
    return (interesting or lines or ["unknown"])[-1][:200]


def print_table(reports: list[Report]) -> None:
    print(f"{'spec':<16}{'pins':>5}{'source':>8}{'built':>7}{'wheel':>7}{'failed':>8}  env  lock s")
    for r in reports:
        print(
            f"{r.spec:<16}{r.pins:>5}{len(r.from_source):>8}{len(r.built):>7}"
            f"{len(r.from_wheel):>7}{len(r.failures):>8}  {r.interpreter:<4} {r.seconds:5.1f}"
        )
    for r in reports:
        for name, message in sorted(r.failures.items()):
            print(f"FAILED {r.spec}: {name}: {message}")
        if r.from_wheel:
            print(f"binary (from wheel) in {r.spec}: {', '.join(r.from_wheel)}")


if __name__ == "__main__":
    sys.exit(main())
