"""Render one pinned package as a ``buildPythonPackage`` call.

Shared by ``generate`` (packages inside an overlay, referring to ``self``/``super``)
and ``package`` (a nixpkgs-style file, referring to its arguments); the difference
is the :class:`Names` given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from pypi2nix.nix.escape import nix_select, nix_string
from pypi2nix.nix.licenses import map_license
from pypi2nix.nix.tables import build_system_attribute
from pypi2nix.options import PUBLIC_FILES_HOST

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from pypi2nix.models import DistFile, PackageMeta, Pin
    from pypi2nix.options import Fetcher

INDENT = "  "
MAX_INLINE_LIST = 80
SDIST_EXTENSIONS = ("tar.gz", "zip", "tar.bz2", "tar.xz")
_STORE_NAME_CHARACTERS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-._?="
)


@dataclass(frozen=True, slots=True)
class Names:
    """How a rendered package refers to what is outside of it."""

    build_python_package: str
    dependency: Callable[[str], str]
    build_tool: Callable[[str], str]
    fetch_pypi: str = "fetchPypi"
    fetchurl: str = "fetchurl"
    lib: str = "lib"


OVERLAY_NAMES = Names(
    build_python_package="self.buildPythonPackage",
    dependency=lambda name: nix_select("self", name),
    build_tool=lambda name: nix_select("super", build_system_attribute(name)),
)


def indent(lines: Sequence[str], levels: int = 1) -> list[str]:
    prefix = INDENT * levels
    return [prefix + line if line else line for line in lines]


def list_attribute(name: str, items: Sequence[str]) -> list[str]:
    """``name = [ ... ];`` inline when short, one item per line otherwise."""
    if not items:
        return [f"{name} = [ ];"]
    inline = f"{name} = [ {' '.join(items)} ];"
    if len(items) == 1 and len(inline) <= MAX_INLINE_LIST:
        return [inline]
    return [f"{name} = [", *indent(items), "];"]


def package_expression(pin: Pin, names: Names, *, fetcher: Fetcher) -> list[str]:
    """The ``buildPythonPackage rec { ... }`` expression of a pin, as lines."""
    body = [
        f"pname = {nix_string(pin.pname)};",
        f"version = {nix_string(pin.version)};",
    ]
    if pin.source.kind == "wheel":
        body.append('format = "wheel";')
    else:
        body.append("pyproject = true;")
    body.extend(source_attribute(pin, names, fetcher=fetcher))
    if pin.source.kind == "sdist":
        tools = sorted({names.build_tool(name) for name in pin.build_system})
        body.extend(list_attribute("build-system", tools))
    body.extend(
        list_attribute("dependencies", [names.dependency(dep.name) for dep in pin.dependencies])
    )
    body.extend(_dropped_dependencies(pin))
    body.append("doCheck = false;")
    body.extend(imports_check_attribute(pin.import_names, pin.skipped_imports))
    body.extend(meta_attribute(pin.meta, names))
    return [f"{names.build_python_package} rec {{", *indent(body), "}"]


def source_attribute(
    pin: Pin, names: Names, *, fetcher: Fetcher, pname: str | None = None
) -> list[str]:
    """``src = fetchPypi { ... };`` when fetchPypi reproduces the file, else fetchurl.

    :param pname: the ``pname`` of the derivation, when it is not the pin's.
    """
    hash_line = f"hash = {nix_string(pin.source.sri_hash)};"
    arguments = fetchpypi_arguments(pin.source, pname=pname or pin.pname, version=pin.version)
    if arguments is not None and uses_fetch_pypi(pin, fetcher):
        return [f"src = {names.fetch_pypi} {{", *indent([*arguments, hash_line]), "};"]
    lines = [f"url = {nix_string(pin.source.url)};"]
    store_name = _store_name(pin.source)
    if store_name is not None:
        lines.append(f"name = {nix_string(store_name)};")
    return [f"src = {names.fetchurl} {{", *indent([*lines, hash_line]), "};"]


def uses_fetch_pypi(pin: Pin, fetcher: Fetcher) -> bool:
    """Whether the pin's source is written as fetchPypi (else fetchurl)."""
    file = pin.source
    return fetchpypi_arguments(
        file, pname=pin.pname, version=pin.version
    ) is not None and _fetchpypi_allowed(file, fetcher)


def fetchpypi_arguments(file: DistFile, *, pname: str, version: str) -> list[str] | None:
    """fetchPypi's arguments (without ``hash``) for a file, or ``None`` when the URL
    fetchPypi builds would name a different file."""
    if file.kind == "sdist":
        for extension in SDIST_EXTENSIONS:
            suffix = f"-{version}.{extension}"
            if file.filename.endswith(suffix) and len(file.filename) > len(suffix):
                stem = file.filename[: -len(suffix)]
                arguments = _pname_arguments(stem, pname)
                if extension != "tar.gz":
                    arguments.append(f"extension = {nix_string(extension)};")
                return arguments
        return None
    parts = file.filename[: -len(".whl")].split("-")
    if len(parts) != 5 or parts[1] != version:
        return None
    stem, _, python, abi, platform = parts
    return [
        *_pname_arguments(stem, pname),
        'format = "wheel";',
        f"dist = {nix_string(python)};",
        f"python = {nix_string(python)};",
        f"abi = {nix_string(abi)};",
        f"platform = {nix_string(platform)};",
    ]


def _pname_arguments(stem: str, pname: str) -> list[str]:
    if stem == pname:
        return ["inherit pname version;"]
    return [f"pname = {nix_string(stem)};", "inherit version;"]


def _fetchpypi_allowed(file: DistFile, fetcher: Fetcher) -> bool:
    if fetcher == "fetchurl":
        return False
    return fetcher == "fetchpypi" or urlsplit(file.url).hostname == PUBLIC_FILES_HOST


def _store_name(file: DistFile) -> str | None:
    """A ``name`` for fetchurl when the URL's last segment is not a valid store name."""
    basename = urlsplit(file.url).path.rsplit("/", 1)[-1]
    if basename == file.filename and set(basename) <= _STORE_NAME_CHARACTERS:
        return None
    name = "".join(c if c in _STORE_NAME_CHARACTERS else "_" for c in unquote(file.filename))
    return name.lstrip(".") or "source"


def _dropped_dependencies(pin: Pin) -> list[str]:
    if not pin.dropped_dependencies:
        return []
    lines = []
    for dependency in pin.dropped_dependencies:
        lines.append(
            f"# Dependency cycle broken here: {pin.name} -> {dependency.name} is left out"
            f" ({dependency.name} depends on {pin.name} through the cycle)."
        )
    spelled = sorted({name for dep in pin.dropped_dependencies for name in dep.spelled})
    return [*lines, *list_attribute("pythonRemoveDeps", [nix_string(name) for name in spelled])]


def imports_check_attribute(
    import_names: Sequence[str], skipped: Sequence[tuple[str, Sequence[str]]] = ()
) -> list[str]:
    lines = [
        f"# pythonImportsCheck leaves out {module}: it imports {', '.join(missing)},"
        " not among its dependencies."
        for module, missing in skipped
    ]
    if not import_names and not skipped:
        lines.append("# The distribution's files hold no importable top-level module.")
    items = [nix_string(name) for name in import_names]
    return [*lines, *list_attribute("pythonImportsCheck", items)]


def meta_attribute(
    meta: PackageMeta, names: Names, *, changelog: bool = False, maintainers: bool = False
) -> list[str]:
    body = []
    if meta.description is not None:
        body.append(f"description = {nix_string(meta.description)};")
    if meta.homepage is not None:
        body.append(f"homepage = {nix_string(meta.homepage)};")
    if changelog and meta.changelog is not None:
        body.append(f"changelog = {nix_string(meta.changelog)};")
    body.extend(license_attribute(meta, names))
    if maintainers:
        body.append("maintainers = [ ];")
    if not body:
        return ["meta = { };"]
    return ["meta = {", *indent(body), "};"]


def license_attribute(meta: PackageMeta, names: Names) -> list[str]:
    mapping = map_license(meta)
    lines = [
        f"# License {nix_string(unknown)} names no single lib.licenses attribute; it is left out."
        for unknown in mapping.unknown
    ]
    attributes = mapping.attributes
    if len(attributes) == 1:
        lines.append(f"license = {nix_select(names.lib + '.licenses', attributes[0])};")
    elif attributes:
        lines.append(f"license = with {names.lib}.licenses; [ {' '.join(attributes)} ];")
    return lines
