"""The lock cache's JSON form of a lock."""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any

import pytest

from pypi2nix.lock.serialize import lock_from_json, lock_to_json
from tests.test_cache import generate

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.fixture_index import FixtureIndex


def test_a_lock_is_written_without_deep_copies_and_reads_back_the_same(
    fixture_index: FixtureIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert generate(tmp_path / "out", "--cache-dir", str(tmp_path / "cache")) == 0
    entry = sorted((tmp_path / "cache" / "locks").glob("*.json"))[0]
    stored = json.loads(entry.read_bytes())["value"]["lock"]
    lock = lock_from_json(stored)
    (graph,) = lock.graphs
    assert graph.pins
    assert graph.build_tools
    assert graph.target.python == "3.11"

    def deep_copy(_value: Any) -> Any:
        raise AssertionError("dataclasses.asdict copies the whole graph, slowly")

    monkeypatch.setattr(dataclasses, "asdict", deep_copy)
    assert lock_to_json(lock) == stored
    assert lock_from_json(lock_to_json(lock)) == lock


def test_a_universal_lock_keeps_each_pin_and_file_once(
    fixture_index: FixtureIndex, tmp_path: Path
) -> None:
    arguments = ["--cache-dir", str(tmp_path / "cache"), "--python", "3.12", "--python", "3.11"]
    systems = ["--system", "x86_64-linux", "--system", "aarch64-darwin"]
    assert generate(tmp_path / "out", *arguments, *systems) == 0
    entry = sorted((tmp_path / "cache" / "locks").glob("*.json"))[0]
    stored = json.loads(entry.read_bytes())["value"]["lock"]
    lock = lock_from_json(stored)
    assert len(lock.graphs) == 4
    pins = [pin for graph in lock.graphs for pin in graph.pins]
    tools = [tool.pin for graph in lock.graphs for tool in graph.build_tools]
    assert len(stored["pins"]) == len({*pins, *tools}) < len(pins)  # pure-Python pins once
    files = [file for pin in {*pins, *tools} for file in (pin.source, *pin.files)]
    assert len(stored["files"]) == len(set(files)) < len(files)
    # read back, the targets share one object per pin
    assert len({id(pin) for pin in pins}) == len(set(pins))
    assert lock_from_json(lock_to_json(lock)) == lock


def test_a_place_outside_a_table_is_another_shape(
    fixture_index: FixtureIndex, tmp_path: Path
) -> None:
    assert generate(tmp_path / "out", "--cache-dir", str(tmp_path / "cache")) == 0
    entry = sorted((tmp_path / "cache" / "locks").glob("*.json"))[0]
    stored = json.loads(entry.read_bytes())["value"]["lock"]
    for place in (-1, len(stored["pins"]), "0", True):
        stored["graphs"][0]["pins"][0] = place
        with pytest.raises(ValueError, match="no entry"):
            lock_from_json(stored)
