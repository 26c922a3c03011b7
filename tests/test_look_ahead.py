"""What the resolver's look-ahead starts for a candidate likely to be pinned."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from packaging.utils import NormalizedName
from packaging.version import Version

from pypi2nix.dists.sdist import SdistContents
from pypi2nix.models import DistFile
from pypi2nix.pins import BuildFactsLookAhead
from pypi2nix.resolve import ResolutionPolicy
from pypi2nix.resolve.base import Candidate
from pypi2nix.resolve.policy import SourcePolicy
from pypi2nix.session import LockSession
from pypi2nix.target import Target

if TYPE_CHECKING:
    from collections.abc import Callable

    from pypi2nix.index.repository import PackageIndex
    from pypi2nix.threads import Prefetcher

TARGET = Target(python="3.11", system="x86_64-linux")
VERSION = Version("1.0")


class RecordingIndex:
    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []

    def sdist_contents(self, sdist: DistFile, *, until_pyproject: bool) -> SdistContents:
        self.asked.append(("sdist", sdist.filename))
        return SdistContents(files={}, names=(), complete=True)  # no [build-system]

    def project_page(self, name: str) -> None:
        self.asked.append(("page", name))

    def native_facts(self, wheel: DistFile) -> None:
        self.asked.append(("libraries", wheel.filename))


class InlinePrefetcher:
    """Runs each task at once, and remembers which pool it was given to."""

    workers = 4

    def __init__(self) -> None:
        self.pools: list[bool] = []

    def submit(self, task: Callable[[], object], *, bulk: bool = False) -> None:
        self.pools.append(bulk)
        task()


def dist_file(filename: str) -> DistFile:
    kind: Any = "wheel" if filename.endswith(".whl") else "sdist"
    return DistFile(
        filename=filename, url=f"https://files.test/{filename}", kind=kind, version=VERSION
    )


def look_ahead(
    *filenames: str, policy: ResolutionPolicy | None = None
) -> tuple[RecordingIndex, InlinePrefetcher]:
    index, prefetcher = RecordingIndex(), InlinePrefetcher()
    candidate = Candidate(
        name=NormalizedName("thing"),
        version=VERSION,
        files=tuple(dist_file(filename) for filename in filenames),
    )
    session = LockSession(
        index=cast("PackageIndex", index),
        target=TARGET,
        policy=policy or ResolutionPolicy(),
        prefetcher=cast("Prefetcher", prefetcher),
    )
    BuildFactsLookAhead(session)(candidate)
    return index, prefetcher


def test_an_sdist_is_read_then_the_pages_of_its_build_tools() -> None:
    source = ResolutionPolicy(sources=SourcePolicy(no_binary=frozenset({"thing"})))
    files = ("thing-1.0-py3-none-any.whl", "thing-1.0.tar.gz")
    index, prefetcher = look_ahead(*files, policy=source)
    assert index.asked == [("sdist", "thing-1.0.tar.gz"), ("page", "setuptools")]
    assert prefetcher.pools == [True, False]  # the page is a lookup, not bulk work


def test_a_pure_wheel_needs_nothing_read() -> None:
    index, prefetcher = look_ahead("thing-1.0-py3-none-any.whl", "thing-1.0.tar.gz")
    assert index.asked == []
    assert prefetcher.pools == []


def test_a_linux_binary_wheel_is_read_for_its_libraries() -> None:
    wheel = "thing-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"
    index, prefetcher = look_ahead(wheel, "thing-1.0.tar.gz")
    assert index.asked == [("libraries", wheel)]
    assert prefetcher.pools == [True]
