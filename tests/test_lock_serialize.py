"""The lock cache's JSON form of a lock."""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any

from pypi2nix.lock.serialize import lock_from_json, lock_to_json
from tests.test_cache import generate

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

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
