"""A PEP 691 project page as the cache keeps it: its files already grouped by version
string, each file still the index's JSON object. A warm run decodes only the groups
(one pass over the bytes, no Python work per file), and a file's fields are checked
when its version is looked at, by the same code that reads the index's page
(:meth:`~pypi2nix.index.simple.ProjectPage.entries`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from pypi2nix.index.file_fields import PageError
from pypi2nix.index.simple import ProjectPage

if TYPE_CHECKING:
    from packaging.utils import NormalizedName


class _Grouped(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    # each version's files stay one undecoded JSON list until the version is looked at
    groups: dict[str, msgspec.Raw]


_DECODER = msgspec.json.Decoder(_Grouped)


def grouped_form(page: ProjectPage) -> bytes | None:
    """The page in the cache's form; ``None`` when it cannot be kept so (an HTML page,
    or a value JSON cannot hold)."""
    groups = page.raw_groups()
    if groups is None:
        return None
    try:
        return msgspec.json.encode({"name": page.name, "groups": groups})
    except (msgspec.MsgspecError, OverflowError, TypeError):
        return None


def parse_grouped_page(name: NormalizedName, content: bytes, url: str) -> ProjectPage:
    """A page from its cached form (``url``: where the index served it, the base of
    relative file URLs).

    :raises PageError: when it does not have that form, or is another project's.
    """
    try:
        grouped = _DECODER.decode(content)
    except (msgspec.MsgspecError, RecursionError) as error:
        raise PageError(f"the cached page does not parse ({error})") from error
    if grouped.name != name:
        raise PageError(f"the cached page is that of {grouped.name!r}")
    # The decoder has checked each group is JSON; one that is not a list fails the page.
    if not all(bytes(memoryview(group)[:1]) == b"[" for group in grouped.groups.values()):
        raise PageError("a version of the cached page does not list files")
    return ProjectPage(name, dict(grouped.groups), raw_base=url)
