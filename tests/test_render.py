from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import pytest
from packaging.utils import NormalizedName
from packaging.version import Version

from pypi2nix.lock.frozen import render_frozen
from pypi2nix.models import (
    BrokenCycleEdge,
    Dependency,
    DistFile,
    Lock,
    LockGraph,
    PackageMeta,
    Pin,
)
from pypi2nix.nix.hashes import sri_sha256
from pypi2nix.nix.names import OVERLAY_NAMES
from pypi2nix.nix.package import fetchpypi_arguments, source_attribute
from pypi2nix.nix.requirements import render_requirements_nix
from pypi2nix.options import PUBLIC_FILES_HOST
from pypi2nix.target import Target
from tests.support import nix

if TYPE_CHECKING:
    from pathlib import Path

    from pypi2nix.filenames import DistKind

SHA = "0" * 63 + "1"


def dist(filename: str, *, host: str = "files.example.test", version: str = "1.0") -> DistFile:
    kind: DistKind = "wheel" if filename.endswith(".whl") else "sdist"
    return DistFile(
        filename=filename,
        url=f"https://{host}/packages/ab/cd/{filename}",
        kind=kind,
        version=Version(version),
        sha256=SHA,
    )


def pin(name: str, filename: str, **changes: object) -> Pin:
    base = Pin(
        name=NormalizedName(name),
        pname=name,
        version="1.0",
        source=dist(filename),
        files=(dist(filename),),
        build_system=("setuptools",),
        import_names=(name.replace("-", "_"),),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("filename", "pname", "expected"),
    [
        ("demo-1.0.tar.gz", "demo", ["inherit pname version;"]),
        ("Demo-1.0.tar.gz", "Demo", ["inherit pname version;"]),
        (
            "typing_extensions-1.0.tar.gz",
            "typing-extensions",
            ['pname = "typing_extensions";', "inherit version;"],
        ),
        ("demo-1.0.zip", "demo", ["inherit pname version;", 'extension = "zip";']),
        ("demo-1.0.0.tar.gz", "demo", None),  # the file names another version string
        # A wheel never: fetchPypi's URL for it holds the python_version of its upload.
        ("demo-1.0-py3-none-any.whl", "demo", None),
        ("demo-1.0-1-py3-none-any.whl", "demo", None),
    ],
)
def test_fetchpypi_arguments(filename: str, pname: str, expected: list[str] | None) -> None:
    assert fetchpypi_arguments(dist(filename), pname=pname, version="1.0") == expected


def test_fetcher_choice() -> None:
    public = pin("demo", "demo-1.0.tar.gz", source=dist("demo-1.0.tar.gz", host=PUBLIC_FILES_HOST))
    assert source_attribute(public, OVERLAY_NAMES, fetcher="auto")[0] == "src = fetchPypi {"
    assert source_attribute(public, OVERLAY_NAMES, fetcher="fetchurl")[0] == "src = fetchurl {"
    private = pin("demo", "demo-1.0.tar.gz")
    assert private.source.sha256 is not None
    assert source_attribute(private, OVERLAY_NAMES, fetcher="auto") == [
        "src = fetchurl {",
        '  url = "https://files.example.test/packages/ab/cd/demo-1.0.tar.gz";',
        f'  hash = "{sri_sha256(bytes.fromhex(private.source.sha256 or ""))}";',
        "};",
    ]
    assert source_attribute(private, OVERLAY_NAMES, fetcher="fetchpypi")[0] == "src = fetchPypi {"
    for host in (PUBLIC_FILES_HOST, "files.example.test"):
        wheel = pin("demo", "w", source=dist("demo-1.0-py3-none-any.whl", host=host))
        for choice in ("auto", "fetchpypi"):
            lines = source_attribute(wheel, OVERLAY_NAMES, fetcher=choice)
            assert lines[:2] == ["src = fetchurl {", f'  url = "{wheel.source.url}";']


def test_fetchurl_gets_a_valid_store_name() -> None:
    source = dataclasses.replace(
        dist("demo-1.0+local.tar.gz"), url="https://files.example.test/x/demo-1.0%2Blocal.tar.gz"
    )
    lines = source_attribute(pin("demo", "x", source=source), OVERLAY_NAMES, fetcher="auto")
    assert '  name = "demo-1.0+local.tar.gz";' in lines


def graph(*pins: Pin, broken: tuple[BrokenCycleEdge, ...] = (), python: str = "3.12") -> Lock:
    """A lock of one target."""
    target = Target.parse(python, "x86_64-linux")
    graph = LockGraph(target=target, pins=pins, roots=(pins[0].name,), broken_edges=broken)
    return Lock(
        graphs=(graph,),
        sources=("requirements.txt",),
        index_urls=("https://index.example.test/simple/",),
    )


def render(lock: Lock) -> str:
    return render_requirements_nix(
        lock, nix_file="requirements.nix", override_file="requirements_override.nix", fetcher="auto"
    )


def sample_pins() -> tuple[Pin, ...]:
    return (
        pin(
            "3to2",
            "3to2-1.0.tar.gz",
            dependencies=(Dependency(name=NormalizedName("or"), spelled=("or",)),),
            meta=PackageMeta(description='a "quoted" ${thing}', license_expression="MIT"),
        ),
        pin("or", "or-1.0-py3-none-any.whl", build_system=()),
    )


def test_requirements_nix_shape() -> None:
    text = render(graph(*sample_pins()))
    assert text.startswith("# Generated by pypi2nix")
    assert "  python ? pkgs.python312,\n" in text
    assert '    "3to2" = self.buildPythonPackage rec {\n' in text
    assert '      dependencies = [ self."or" ];\n' in text
    assert "      build-system = [ super.setuptools ];\n" in text
    assert '        description = "a \\"quoted\\" \\${thing}";\n' in text
    assert "        license = lib.licenses.mit;\n" in text
    assert '    "or" = self.buildPythonPackage rec {\n' in text
    assert '      format = "wheel";\n' in text
    assert 'interpreter = pythonWithPins.withPackages (ps: [\n    ps."3to2"\n  ]);' in text
    assert render(graph(*sample_pins())) == text  # a pure function of the graph


def test_broken_cycle_and_unknown_license() -> None:
    cyclic = pin(
        "cyc-b",
        "cyc_b-1.0.tar.gz",
        dropped_dependencies=(Dependency(name=NormalizedName("cyc-a"), spelled=("Cyc_A",)),),
        meta=PackageMeta(license_text="Custom\nLicense"),
    )
    text = render(
        graph(
            pin("cyc-a", "cyc_a-1.0.tar.gz"),
            cyclic,
            broken=(
                BrokenCycleEdge(
                    dependent=NormalizedName("cyc-b"), dependency=NormalizedName("cyc-a")
                ),
            ),
        )
    )
    assert "# Dependency cycle broken: cyc-b -> cyc-a dropped." in text
    assert "      # Dependency cycle broken here: cyc-b -> cyc-a is left out" in text
    assert '      pythonRemoveDeps = [ "Cyc_A" ];\n' in text
    assert "license" not in text.split("cyc-b = ")[1]  # multi-line license text: no mapping
    assert "    ps.cyc-a\n" in text


def test_unknown_license_comment_is_one_line() -> None:
    text = render(
        graph(pin("demo", "demo-1.0.tar.gz", meta=PackageMeta(license_expression="Weird\n${x}")))
    )
    assert (
        '        # License "Weird\\n\\${x}" names no single lib.licenses attribute; it is left out.\n'
        in text
    )


def test_frozen_file() -> None:
    lock = graph(
        pin(
            "demo",
            "demo-1.0.tar.gz",
            files=(
                dataclasses.replace(dist("demo-1.0.tar.gz"), sha256="a" * 64),
                dataclasses.replace(dist("demo-1.0-py3-none-any.whl"), sha256="b" * 64),
            ),
            required_by=("requirements.txt:3",),
        ),
        pin("dep", "dep-1.0.tar.gz", required_by=("demo", "other")),
    )
    command = ["pypi2nix", "generate", "-r", "requirements.txt", "-e", "x>=1; python_version<'4'"]
    assert render_frozen(lock, file_name="requirements_frozen.txt", command=command) == (
        "# Generated by pypi2nix 0.1.0 for Python 3.12 on x86_64-linux.\n"
        "#   pip install --require-hashes -r requirements_frozen.txt\n"
        "# Inputs, relative to this file: pypi2nix generate -r requirements.txt -e "
        "'x>=1; python_version<'\"'\"'4'\"'\"''\n"
        "--index-url https://index.example.test/simple/\n"
        "demo==1.0 \\\n"
        f"    --hash=sha256:{'a' * 64} \\\n"
        f"    --hash=sha256:{'b' * 64}\n"
        "    # via requirements.txt:3\n"
        "dep==1.0 \\\n"
        f"    --hash=sha256:{SHA}\n"
        "    # via\n"
        "    #   demo\n"
        "    #   other\n"
    )


def test_frozen_file_drops_credentials() -> None:
    lock = dataclasses.replace(
        graph(pin("demo", "demo-1.0.tar.gz")),
        index_urls=("https://user:secret@index.example.test:8443/simple/",),
    )
    assert "--index-url https://index.example.test:8443/simple/\n" in render_frozen(
        lock, file_name="f.txt", command=["pypi2nix", "generate"]
    )


def test_skipped_imports_are_explained() -> None:
    text = render(
        graph(
            pin(
                "kappa",
                "kappa-1.0.tar.gz",
                import_names=(),
                skipped_imports=(("kappa", ("docutils", "sphinx")),),
            )
        )
    )
    assert (
        "      # pythonImportsCheck leaves out kappa: it imports docutils, sphinx, not among its dependencies.\n"
        "      pythonImportsCheck = [ ];\n"
    ) in text
    text = render(graph(pin("empty", "empty-1.0.tar.gz", import_names=())))
    assert "      # The distribution's files hold no importable top-level module.\n" in text


def hostile_graph(payload: str) -> Lock:
    """Strings a tampered cache entry could hold, where only comments show them."""
    cyclic = pin(
        "cyc-b",
        "cyc_b-1.0.tar.gz",
        import_names=(),
        skipped_imports=((f"mod{payload}", (f"dep{payload}",)),),
    )
    evil = NormalizedName(f"cyc-b{payload}")  # a dependent is only named in a comment
    edge = BrokenCycleEdge(dependent=evil, dependency=NormalizedName("cyc-a"))
    return graph(pin("cyc-a", "cyc_a-1.0.tar.gz"), cyclic, broken=(edge,))


PAYLOAD = '\n  injected = builtins.abort "ran";\r\u2028 # '


def code_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.lstrip().startswith("#")]


def test_strings_in_comments_never_reach_the_code() -> None:
    hostile, benign = render(hostile_graph(PAYLOAD)), render(hostile_graph(""))
    assert code_lines(hostile) == code_lines(benign)
    assert "injected" in hostile
    assert "\r" not in hostile
    assert "\u2028" not in hostile


@pytest.mark.nix
def test_strings_in_comments_parse_to_the_same_nix(tmp_path: Path) -> None:
    """``nix-instantiate --parse`` drops comments: the two files are the same code."""
    parsed: list[str] = []
    for payload in (PAYLOAD, ""):
        path = tmp_path / f"requirements-{len(parsed)}.nix"
        path.write_text(render(hostile_graph(payload)))
        parsed.append(nix.run("nix-instantiate", "--parse", str(path)))
    assert parsed[0] == parsed[1]


NIX_NAMES = ("false", "true", "import", "lib", "version", "pkgs", "python", "self", "super")


@pytest.mark.nix
def test_pins_named_like_nix_builtins_keep_their_meaning(nixpkgs: Path, tmp_path: Path) -> None:
    """In requirements.nix a pin is an attribute, never a variable: pins named
    ``false``, ``lib``, ``self``... shadow nothing."""
    dependencies = tuple(Dependency(name=NormalizedName(n), spelled=(n,)) for n in NIX_NAMES)
    pins = [
        pin("demo", "demo-1.0.tar.gz", dependencies=dependencies),
        *(pin(name, f"{name}-1.0-py3-none-any.whl", build_system=()) for name in NIX_NAMES),
    ]
    path = tmp_path / "requirements.nix"
    # Locked for the stand-in's Python: requirements.nix refuses another version.
    path.write_text(render(graph(*pins, python="3.11")))
    (tmp_path / "requirements_override.nix").write_text("{ pkgs, python }: self: super: { }\n")
    result = nix.evaluate(
        f"let pkgs = import {nixpkgs} {{ }}; "
        f"r = import {path} {{ inherit pkgs; python = pkgs.python311; }}; "
        "in map (p: p.pname) r.packages.demo.dependencies"
    )
    assert sorted(result) == sorted(NIX_NAMES)
