"""Runtime-dependency check of the stand-in buildPythonPackage.

Like nixpkgs' pythonRuntimeDepsCheckHook: every Requires-Dist of the built package
whose marker holds must be installed (in the package's runtime closure) in a version
the specifier allows. Like pythonRemoveDeps, the named requirements are first
removed from METADATA (matching the name exactly, as nixpkgs does).

usage: runtime_deps_check.py SITE_PACKAGES RUNTIME_PATH [REMOVED_NAME ...]
"""

import importlib.metadata
import sys
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def main() -> int:
    site_packages, runtime_path, *removed = sys.argv[1:]
    (metadata_file,) = Path(site_packages).glob("*.dist-info/METADATA")
    lines = metadata_file.read_text(encoding="utf-8").split("\n")
    kept = [line for line in lines if not _is_removed(line, removed)]
    metadata_file.write_text("\n".join(kept), encoding="utf-8")
    requirements = [_requirement(line) for line in kept if line.startswith("Requires-Dist:")]
    paths = [path for path in runtime_path.split(":") if path]
    installed = {
        canonicalize_name(dist.metadata["Name"]): dist.version
        for dist in importlib.metadata.distributions(path=paths)
    }
    problems = []
    for requirement in requirements:
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        version = installed.get(canonicalize_name(requirement.name))
        if version is None:
            problems.append(f"{requirement.name} is not installed")
        elif not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement} is not satisfied by version {version}")
    for problem in problems:
        print(f"runtime dependency check: {problem}", file=sys.stderr)
    return 1 if problems else 0


def _requirement(line: str) -> Requirement:
    return Requirement(line.split(":", 1)[1].strip())


def _is_removed(line: str, removed: list[str]) -> bool:
    return line.startswith("Requires-Dist:") and _requirement(line).name in removed


if __name__ == "__main__":
    sys.exit(main())
