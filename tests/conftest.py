"""Test configuration: no network by default, the fixture index, nix markers."""

from __future__ import annotations

import socket
import threading
from typing import TYPE_CHECKING

import pytest
import responses
from hypothesis import HealthCheck, settings

from tests.support import nix, preserved_logging
from tests.support.fixture_index import FIXTURES, FixtureIndex, IndexFile, build_files
from tests.support.hostile_index import HostileIndex

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

# Property tests: a few dozen examples each in the default run; the dedicated fuzz run
# (`python -m pytest --hypothesis-profile=fuzz -m fuzz`) runs 10,000 each.
_PROPERTY_SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("pypi2nix", _PROPERTY_SETTINGS, max_examples=50)
settings.register_profile("fuzz", _PROPERTY_SETTINGS, max_examples=10_000)
settings.load_profile("pypi2nix")

# The stand-in's "nixpkgs" build tools: real wheels recorded from the live index.
BASE_WHEELS = ("setuptools-84.2.1-py3-none-any.whl", "flit_core-4.2.0-py3-none-any.whl")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--run-network",
        action="store_true",
        help="also run the tests marked 'network', which talk to the live package index",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-network"):
        return
    skip = pytest.mark.skip(reason="talks to the live index; run with --run-network")
    for item in items:
        if "network" in item.keywords:
            item.add_marker(skip)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if "nix" in item.keywords:
        nix.require_nix()


@pytest.fixture(autouse=True)
def _no_network(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse every socket connection, except in tests marked ``network``."""
    if "network" in request.keywords:
        return

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("the tests do not use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture(scope="session", autouse=True)
def _private_cache_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Never the user's cache, not even in module-scoped fixtures."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache-home")))
        yield


@pytest.fixture(autouse=True)
def _private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each test gets an empty cache directory (the default one is the user's)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    with preserved_logging():
        yield


@pytest.fixture(scope="session")
def fixture_files() -> list[IndexFile]:
    return build_files()


@pytest.fixture
def fixture_index(fixture_files: list[IndexFile]) -> Iterator[FixtureIndex]:
    """The fixture index, served for the duration of the test."""
    index = FixtureIndex(list(fixture_files))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        index.register(mock)
        yield index


@pytest.fixture
def hostile(fixture_files: list[IndexFile]) -> Iterator[HostileIndex]:
    """The fixture index, with the attacks of :class:`HostileIndex` it is told to make."""
    index = HostileIndex(list(fixture_files))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        index.register(mock)
        yield index


@pytest.fixture(scope="session")
def nixpkgs(tmp_path_factory: pytest.TempPathFactory, fixture_files: list[IndexFile]) -> Path:
    """A ``<nixpkgs>`` for ``-I nixpkgs=...``: the stand-in, with every fixture file in the
    store."""
    nix.require_nix()
    directory = tmp_path_factory.mktemp("nixpkgs")
    nix.add_files(((file.filename, file.data) for file in fixture_files), directory / "files")
    base = nix.write_base_wheels(
        [FIXTURES / "real" / name for name in BASE_WHEELS], directory / "base-wheels.json"
    )
    served = nix.write_served_urls(
        (url for file in fixture_files for url in file.served_urls()), directory / "served.json"
    )
    stand_in = nix.stand_in(base, served=served, system="system")
    (directory / "default.nix").write_text(f"{nix.STAND_IN_ARGUMENTS}: {stand_in}\n")
    return directory


@pytest.fixture
def held_cache_writes(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """The cache's writer thread waits (at most 10 s) until the event is set."""
    from pypi2nix.store.files import CacheFiles

    disk = threading.Event()
    apply = CacheFiles._apply

    def slow_disk(self: CacheFiles, path: Path, data: bytes | None) -> None:
        disk.wait(10)
        apply(self, path, data)

    monkeypatch.setattr(CacheFiles, "_apply", slow_disk)
    return disk
