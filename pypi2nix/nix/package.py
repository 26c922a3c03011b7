"""Render one pinned package as a ``buildPythonPackage`` call.

Shared by ``generate`` (packages inside an overlay, referring to ``self``/``super``)
and ``package`` (a nixpkgs-style file, referring to its arguments); the difference
is the :class:`Names` given.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from packaging.utils import canonicalize_name

from pypi2nix.models import DJANGO_MODELS, IMPORT_GUARD, guard_condition, inside_package
from pypi2nix.nix.escape import (
    nix_absolute_path,
    nix_comment,
    nix_relative_path,
    nix_select,
    nix_string,
)
from pypi2nix.nix.hashes import sri_sha256
from pypi2nix.nix.licenses import map_license
from pypi2nix.nix.lines import indent, list_attribute
from pypi2nix.nix.native import (
    NOT_PYTHON_ATTRIBUTES,
    binary_wheel_attributes,
    extra_build_tools,
    source_build_attributes,
)
from pypi2nix.options import PUBLIC_FILES_HOST

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from pathlib import PurePath

    from pypi2nix.models import DirectSource, DistFile, PackageMeta, Pin
    from pypi2nix.nix.names import Names
    from pypi2nix.options import Fetcher

SDIST_EXTENSIONS = ("tar.gz", "zip", "tar.bz2", "tar.xz")
_STORE_NAME_CHARACTERS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-._?="
)


def package_expression(
    pin: Pin,
    names: Names,
    *,
    fetcher: Fetcher,
    output_dir: PurePath | None = None,
    dependencies: Sequence[str] | None = None,
) -> list[str]:
    """The ``buildPythonPackage rec { ... }`` expression of a pin, as lines.

    :param dependencies: the ``dependencies`` attribute's lines, when they are not the
        pin's own list (a definition shared by targets whose markers differ).
    """
    body = [
        f"pname = {nix_string(pin.pname)};",
        f"version = {nix_string(pin.version)};",
    ]
    if pin.source.kind == "wheel":
        body.append('format = "wheel";')
    else:
        body.append("pyproject = true;")
    body.extend(source_attribute(pin, names, fetcher=fetcher, output_dir=output_dir))
    body.extend(binary_wheel_attributes(pin, names))
    if pin.source.kind == "sdist":
        body.extend(list_attribute("build-system", _build_system(pin, names)))
        body.extend(source_build_attributes(pin, names))
    if dependencies is None:
        items = [names.dependency(dependency.name) for dependency in pin.dependencies]
        dependencies = list_attribute("dependencies", items)
    body.extend(dependencies)
    body.extend(_dropped_dependencies(pin))
    body.append("doCheck = false;")
    body.extend(
        imports_check_attribute(
            pin.import_names,
            pin.skipped_imports,
            environment=pin.imports_check_environment,
            optional=pin.optional_dependencies,
        )
    )
    body.extend(meta_attribute(pin.meta, names))
    return [f"{names.build_python_package} rec {{", *indent(body), "}"]


def _build_system(pin: Pin, names: Names) -> list[str]:
    """The build requirements that are Python packages in nixpkgs, each with its locked
    fallback when the names have one (the generated overlay), else by name."""
    # The table's tools are nixpkgs' own, by name (no lock has them).
    extra = [names.build_tool(name) for name in extra_build_tools(pin)]
    if names.build_requirement is not None and pin.build_requirements:
        locked = [
            names.build_requirement(requirement)
            for requirement in pin.build_requirements
            if requirement.name not in NOT_PYTHON_ATTRIBUTES
        ]
        return [*locked, *extra]
    python_tools = [name for name in pin.build_system if name not in NOT_PYTHON_ATTRIBUTES]
    return sorted({names.build_tool(name) for name in python_tools} | set(extra))


def source_fetcher(pin: Pin, fetcher: Fetcher) -> str:
    """How a pin's ``src`` is fetched: ``fetchPypi``, ``fetchurl``, ``fetchgit``,
    ``fetchFromGitHub``, or ``path`` for a local path."""
    direct = pin.direct
    if direct is not None and direct.kind == "path":
        return "path"
    if direct is not None and direct.kind == "git":
        github = github_repository(direct.url) is not None and not direct.export_differs
        return "fetchFromGitHub" if github else "fetchgit"
    if direct is None and uses_fetch_pypi(pin, fetcher):
        return "fetchPypi"
    return "fetchurl"


def fetchers_used(pins: Iterable[Pin], fetcher: Fetcher) -> list[str]:
    """The fetchers a file of these pins calls, sorted (for ``inherit (pkgs) ...``)."""
    return sorted({source_fetcher(pin, fetcher) for pin in pins} - {"path"})


def source_attribute(
    pin: Pin,
    names: Names,
    *,
    fetcher: Fetcher,
    pname: str | None = None,
    output_dir: PurePath | None = None,
) -> list[str]:
    """``src = fetchPypi { ... };`` when fetchPypi reproduces the file (an sdist), else
    fetchurl with the exact URL (always for a wheel); a direct source's own fetcher
    (fetchgit, fetchFromGitHub, a path).

    :param pname: the ``pname`` of the derivation, when it is not the pin's.
    :param output_dir: the absolute directory the file goes to (local paths are
        written relative to it; without it, as they are).
    """
    how = source_fetcher(pin, fetcher)
    if pin.direct is not None and how in ("path", "fetchgit", "fetchFromGitHub"):
        return _direct_source(pin.direct, how, names, output_dir)
    if pin.source.url.startswith("file:"):
        return _local_file(pin.source, output_dir)
    hash_line = f"hash = {nix_string(_file_hash(pin.source))};"
    if how == "fetchPypi":
        arguments = fetchpypi_arguments(pin.source, pname=pname or pin.pname, version=pin.version)
        assert arguments is not None
        return [f"src = {names.fetch_pypi} {{", *indent([*arguments, hash_line]), "};"]
    lines = [f"url = {nix_string(pin.source.url)};"]
    store_name = fetchurl_name(pin.source)
    if store_name is not None:
        lines.append(f"name = {nix_string(store_name)};")
    return [f"src = {names.fetchurl} {{", *indent([*lines, hash_line]), "};"]


_THIS_MACHINE_ONLY = "this lock builds on this machine only."


def _local_file(file: DistFile, output_dir: PurePath | None) -> list[str]:
    """A file of a ``--find-links`` folder or a ``file:`` index: a path, checked against
    its sha256 by ``builtins.path``; relative to the output folder when inside it,
    else absolute (it then builds on this machine only, which a comment says)."""
    path = unquote(urlsplit(file.url).path)
    assert file.sha256 is not None
    relative = None if output_dir is None else posixpath.relpath(path, str(output_dir))
    inside = relative is not None and not relative.startswith("..")
    if relative is not None and inside:
        literal = nix_relative_path(relative)
    else:
        literal = nix_absolute_path(path)
    lines = [
        f"path = {literal};",
        f"name = {nix_string(file.filename)};",
        "recursive = false;",
        f"sha256 = {nix_string(file.sha256)};",
    ]
    comment = [] if inside else [nix_comment(f"Outside the output folder: {_THIS_MACHINE_ONLY}")]
    return [*comment, "src = builtins.path {", *indent(lines), "};"]


def _direct_source(
    source: DirectSource, how: str, names: Names, output_dir: PurePath | None
) -> list[str]:
    if how == "path":
        start = source.url if output_dir is None else str(output_dir)
        relative = nix_relative_path(posixpath.relpath(source.url, start))
        if source.folder:
            return [f"src = {names.lib}.cleanSource {relative};"]
        return [f"src = {relative};"]
    assert source.commit is not None
    assert source.sha256 is not None
    hash_line = f"hash = {nix_string(sri_sha256(bytes.fromhex(source.sha256)))};"
    github = github_repository(source.url)
    if how == "fetchFromGitHub" and github is not None:
        owner, repository = github
        lines = [f"owner = {nix_string(owner)};", f"repo = {nix_string(repository)};"]
        fetch = names.fetch_from_github
    else:
        lines = [f"url = {nix_string(source.url)};"]
        fetch = names.fetchgit
    lines += [f"rev = {nix_string(source.commit)};", hash_line]
    return [f"src = {fetch} {{", *indent(lines), "};"]


def github_repository(url: str) -> tuple[str, str] | None:
    """``(owner, repo)`` of a GitHub repository URL over HTTPS."""
    parts = urlsplit(url)
    segments = parts.path.strip("/").split("/")
    if parts.scheme != "https" or parts.hostname != "github.com" or len(segments) != 2:
        return None
    owner, repository = segments[0], segments[1].removesuffix(".git")
    return (owner, repository) if owner and repository else None


def uses_fetch_pypi(pin: Pin, fetcher: Fetcher) -> bool:
    """Whether the pin's source is written as fetchPypi (else fetchurl)."""
    file = pin.source
    return fetchpypi_arguments(
        file, pname=pin.pname, version=pin.version
    ) is not None and _fetchpypi_allowed(file, fetcher)


def fetchpypi_arguments(file: DistFile, *, pname: str, version: str) -> list[str] | None:
    """fetchPypi's arguments (without ``hash``) for an sdist, or ``None`` when the URL
    fetchPypi builds would name a different file. Always ``None`` for a wheel: fetchPypi
    asks for it at the files host's redirect path, which holds the python_version
    recorded at upload, a value the index does not give and not always the wheel's
    own tag; a wheel is fetched from its exact URL."""
    if file.kind != "sdist":
        return None
    for extension in SDIST_EXTENSIONS:
        suffix = f"-{version}.{extension}"
        if file.filename.endswith(suffix) and len(file.filename) > len(suffix):
            stem = file.filename[: -len(suffix)]
            arguments = _pname_arguments(stem, pname)
            if extension != "tar.gz":
                arguments.append(f"extension = {nix_string(extension)};")
            return arguments
    return None


def _pname_arguments(stem: str, pname: str) -> list[str]:
    if stem == pname:
        return ["inherit pname version;"]
    return [f"pname = {nix_string(stem)};", "inherit version;"]


def _fetchpypi_allowed(file: DistFile, fetcher: Fetcher) -> bool:
    if fetcher == "fetchurl":
        return False
    return fetcher == "fetchpypi" or urlsplit(file.url).hostname == PUBLIC_FILES_HOST


def fetchurl_name(file: DistFile) -> str | None:
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
            nix_comment(
                f"Dependency cycle broken here: {pin.name} -> {dependency.name} is left out"
                f" ({dependency.name} depends on {pin.name} through the cycle)."
            )
        )
    spelled = sorted({name for dep in pin.dropped_dependencies for name in dep.spelled})
    return [*lines, *list_attribute("pythonRemoveDeps", [nix_string(name) for name in spelled])]


def imports_check_attribute(
    import_names: Sequence[str],
    skipped: Sequence[tuple[str, Sequence[str]]] = (),
    *,
    environment: Sequence[tuple[str, str]] = (),
    optional: Sequence[tuple[str, Sequence[str]]] = (),
) -> list[str]:
    """``pythonImportsCheck``, a comment for each name left out, and the environment
    the check needs (``env``, which nixpkgs' pythonImportsCheckPhase sees).

    :param optional: the release's extras and the projects each adds (named in the
        comments when a module imports one of them).
    """
    lines = [
        nix_comment(
            f"pythonImportsCheck leaves out {module}: {_why_skipped(module, missing, optional)}"
        )
        for module, missing in skipped
    ]
    if not import_names and not skipped:
        lines.append(nix_comment("The distribution's files hold no importable top-level module."))
    items = [nix_string(name) for name in import_names]
    lines += list_attribute("pythonImportsCheck", items)
    if environment:
        lines.append(
            nix_comment(
                "A Django app: pythonImportsCheck imports it with Django's default settings, "
                "as nixpkgs checks such apps (their modules may read settings when imported)."
            )
        )
        lines += [f"env.{name} = {nix_string(value)};" for name, value in environment]
    return lines


def _why_skipped(
    module: str, missing: Sequence[str], optional: Sequence[tuple[str, Sequence[str]]]
) -> str:
    if IMPORT_GUARD in missing:
        return "it raises ImportError at import time on a condition pypi2nix cannot judge."
    conditions = [condition for condition in map(guard_condition, missing) if condition]
    if conditions:
        return f"it raises ImportError at import time on this target (if {conditions[0]})."
    inside = next(filter(None, map(inside_package, missing)), None)
    if inside is not None:
        inner, package, distribution = inside
        what = "it is a module" if inner == module else f"it imports {inner}, a module"
        return (
            f"{what} inside {package}, a package of {distribution}, so it imports only "
            "where both are installed in one site-packages (python.withPackages does that)."
        )
    if DJANGO_MODELS in missing:
        return "it imports Django models, which only a configured Django project can import."
    named = []
    for name in missing:
        extras = [extra for extra, projects in optional if canonicalize_name(name) in projects]
        named.append(f"{name} (extra {', '.join(extras)}, not asked for)" if extras else name)
    return f"it imports {', '.join(named)}, not among its dependencies."


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
        nix_comment(
            f"License {nix_string(unknown)} names no single lib.licenses attribute; it is left out."
        )
        for unknown in mapping.unknown
    ]
    # Each in full, never under `with`: a package argument such as zlib would shadow
    # the license of that name.
    selected = [nix_select(names.lib + ".licenses", attribute) for attribute in mapping.attributes]
    if len(selected) == 1:
        lines.append(f"license = {selected[0]};")
    elif selected:
        lines += list_attribute("license", selected)
    return lines


def _file_hash(file: DistFile) -> str:
    if file.sha256 is None:
        raise ValueError(f"{file.filename} has no sha256")
    return sri_sha256(bytes.fromhex(file.sha256))
