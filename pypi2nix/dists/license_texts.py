"""Which license a license file's text is, for the few texts whose wording tells
for certain: MIT, BSD-2-Clause and BSD-3-Clause (a small strict matcher: no
maintained library matches license texts without pulling in a large toolkit).

Used only when the metadata is ambiguous (the "BSD License" classifier names no
clause count). The text is compared after normalization (lowercase, words only)
against the clauses that make each license; any text with a clause of another
license (BSD-4-Clause's advertising clause, another license's name) or missing one
is not recognized: the answer is never a guess.
"""

from __future__ import annotations

import functools
import re

_NON_WORD = re.compile(r"[^a-z0-9]+")

_BSD_CONDITIONS = (
    "redistribution and use in source and binary forms with or without modification are "
    "permitted provided that the following conditions are met"
)
_BSD_SOURCE = "redistributions of source code must retain the above copyright notice"
_BSD_BINARY = "redistributions in binary form must reproduce the above copyright notice"
_BSD_ENDORSE = (
    "may be used to endorse or promote products derived from this software without specific "
    "prior written permission"
)
_BSD_DISCLAIMER = "provided by"
_BSD_AS_IS = "as is and any express or implied warranties"
_BSD_ADVERTISING = "all advertising materials mentioning features or use of this software"

_MIT_GRANT = (
    "permission is hereby granted free of charge to any person obtaining a copy of this software"
)
_MIT_NOTICE = (
    "the above copyright notice and this permission notice shall be included in all copies or "
    "substantial portions of the software"
)
_MIT_AS_IS = "the software is provided as is without warranty of any kind"

# Words that belong to other licenses: a text holding one is more than MIT or BSD.
_OTHER_LICENSES = (
    "apache license", "gnu general public license", "gnu lesser general public license",
    "mozilla public license", "python software foundation", "eclipse public license",
    "patent", "creative commons", "the unlicense", "isc license", "zlib",
)  # fmt: skip


def _normalized(text: str) -> str:
    return " " + _NON_WORD.sub(" ", text.lower()).strip() + " "


def _has(text: str, phrase: str) -> bool:
    return f" {phrase} " in text


def _count(text: str, phrase: str) -> int:
    return text.count(f" {phrase} ")


@functools.lru_cache(maxsize=1024)
def recognize_license_text(text: str) -> str | None:
    """``MIT``, ``BSD-2-Clause`` or ``BSD-3-Clause`` when the text is exactly one of
    them (copyright lines and names aside), else ``None``. Remembered: a lock of
    several targets asks it of the same texts once per target."""
    words = _normalized(text)
    if any(_has(words, other) for other in _OTHER_LICENSES):
        return None
    mit = _has(words, _MIT_GRANT) and _has(words, _MIT_NOTICE) and _has(words, _MIT_AS_IS)
    bsd = (
        _count(words, _BSD_CONDITIONS) == 1
        and _count(words, _BSD_SOURCE) == 1
        and _count(words, _BSD_BINARY) == 1
        and _has(words, _BSD_DISCLAIMER)
        and _has(words, _BSD_AS_IS)
        and not _has(words, _BSD_ADVERTISING)
    )
    if mit == bsd:  # neither, or the text holds both
        return None
    if mit:
        return "MIT" if not _has(words, _BSD_SOURCE) else None
    endorse = _count(words, _BSD_ENDORSE)
    if endorse == 0:
        return "BSD-2-Clause"
    return "BSD-3-Clause" if endorse == 1 else None
