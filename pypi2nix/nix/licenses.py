"""Map a package's license facts to ``lib.licenses`` attributes.

Sources, in order: ``License-Expression`` (SPDX), then the free-text ``License``
field when it names one license, then license classifiers; the ambiguous "BSD
License" classifier is made certain by the license file's text (or a ``License``
field that holds the whole text) when that is recognized
(:mod:`pypi2nix.dists.license_texts`). A
license that has no certain attribute is reported back so the renderer can leave it
out with a comment; an attribute is never made up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from pypi2nix.models import PackageMeta

SPDX_TO_NIX: dict[str, str] = {
    "0BSD": "bsd0",
    "AFL-2.1": "afl21",
    "AFL-3.0": "afl3",
    "AGPL-3.0": "agpl3Only",
    "AGPL-3.0-only": "agpl3Only",
    "AGPL-3.0-or-later": "agpl3Plus",
    "Apache-2.0": "asl20",
    "Apache-2.0 WITH LLVM-exception": "asl20-llvm",
    "Artistic-1.0": "artistic1",
    "Artistic-2.0": "artistic2",
    "Beerware": "beerware",
    "BlueOak-1.0.0": "blueOak100",
    "BSD-1-Clause": "bsd1",
    "BSD-2-Clause": "bsd2",
    "BSD-2-Clause-Patent": "bsd2Patent",
    "BSD-3-Clause": "bsd3",
    "BSD-3-Clause-Clear": "bsd3Clear",
    "BSD-4-Clause": "bsdOriginal",
    "BSL-1.0": "boost",
    "CC-BY-3.0": "cc-by-30",
    "CC-BY-4.0": "cc-by-40",
    "CC-BY-SA-4.0": "cc-by-sa-40",
    "CC0-1.0": "cc0",
    "CDDL-1.0": "cddl",
    "curl": "curl",
    "ECL-2.0": "ecl20",
    "EPL-1.0": "epl10",
    "EPL-2.0": "epl20",
    "EUPL-1.1": "eupl11",
    "EUPL-1.2": "eupl12",
    "GPL-1.0-or-later": "gpl1Plus",
    "GPL-2.0": "gpl2Only",
    "GPL-2.0+": "gpl2Plus",
    "GPL-2.0-only": "gpl2Only",
    "GPL-2.0-or-later": "gpl2Plus",
    "GPL-3.0": "gpl3Only",
    "GPL-3.0+": "gpl3Plus",
    "GPL-3.0-only": "gpl3Only",
    "GPL-3.0-or-later": "gpl3Plus",
    "HPND": "hpnd",
    "ISC": "isc",
    "LGPL-2.0-only": "lgpl2Only",
    "LGPL-2.0-or-later": "lgpl2Plus",
    "LGPL-2.1": "lgpl21Only",
    "LGPL-2.1+": "lgpl21Plus",
    "LGPL-2.1-only": "lgpl21Only",
    "LGPL-2.1-or-later": "lgpl21Plus",
    "LGPL-3.0": "lgpl3Only",
    "LGPL-3.0+": "lgpl3Plus",
    "LGPL-3.0-only": "lgpl3Only",
    "LGPL-3.0-or-later": "lgpl3Plus",
    "MIT": "mit",
    "MIT-0": "mit0",
    "MPL-1.0": "mpl10",
    "MPL-1.1": "mpl11",
    "MPL-2.0": "mpl20",
    "MulanPSL-2.0": "mulan-psl2",
    "NCSA": "ncsa",
    "OFL-1.1": "ofl",
    "OpenSSL": "openssl",
    "PostgreSQL": "postgresql",
    "PSF-2.0": "psfl",
    "Python-2.0": "psfl",
    "Unicode-DFS-2016": "unicode-dfs-2016",
    "Unlicense": "unlicense",
    "UPL-1.0": "upl",
    "W3C": "w3c",
    "WTFPL": "wtfpl",
    "X11": "x11",
    "ZPL-2.0": "zpl20",
    "ZPL-2.1": "zpl21",
    "Zlib": "zlib",
}

_OSI = "License :: OSI Approved :: "
CLASSIFIER_TO_NIX: dict[str, str] = {
    _OSI + "Apache Software License": "asl20",
    _OSI + "Boost Software License 1.0 (BSL-1.0)": "boost",
    _OSI + "Eclipse Public License 2.0 (EPL-2.0)": "epl20",
    _OSI + "European Union Public Licence 1.2 (EUPL 1.2)": "eupl12",
    _OSI + "GNU Affero General Public License v3": "agpl3Only",
    _OSI + "GNU Affero General Public License v3 or later (AGPLv3+)": "agpl3Plus",
    _OSI + "GNU General Public License v2 (GPLv2)": "gpl2Only",
    _OSI + "GNU General Public License v2 or later (GPLv2+)": "gpl2Plus",
    _OSI + "GNU General Public License v3 (GPLv3)": "gpl3Only",
    _OSI + "GNU General Public License v3 or later (GPLv3+)": "gpl3Plus",
    _OSI + "GNU Lesser General Public License v2 (LGPLv2)": "lgpl2Only",
    _OSI + "GNU Lesser General Public License v2 or later (LGPLv2+)": "lgpl2Plus",
    _OSI + "GNU Lesser General Public License v3 (LGPLv3)": "lgpl3Only",
    _OSI + "GNU Lesser General Public License v3 or later (LGPLv3+)": "lgpl3Plus",
    _OSI + "Historical Permission Notice and Disclaimer (HPND)": "hpnd",
    _OSI + "ISC License (ISCL)": "isc",
    _OSI + "MIT License": "mit",
    _OSI + "MIT No Attribution License (MIT-0)": "mit0",
    _OSI + "Mozilla Public License 1.1 (MPL 1.1)": "mpl11",
    _OSI + "Mozilla Public License 2.0 (MPL 2.0)": "mpl20",
    _OSI + "Python Software Foundation License": "psfl",
    _OSI + "The Unlicense (Unlicense)": "unlicense",
    _OSI + "Universal Permissive License (UPL)": "upl",
    _OSI + "University of Illinois/NCSA Open Source License": "ncsa",
    _OSI + "zlib/libpng License": "zlib",
    "License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication": "cc0",
    "License :: Public Domain": "publicDomain",
}

# Free-text ``License`` values seen in the wild, keyed by their letters and digits.
_TEXT_TO_SPDX: dict[str, str] = {
    "apache": "Apache-2.0",
    "apache20": "Apache-2.0",
    "apachelicense20": "Apache-2.0",
    "apachelicenseversion20": "Apache-2.0",
    "apachesoftwarelicense": "Apache-2.0",
    "apachesoftwarelicense20": "Apache-2.0",
    "asl20": "Apache-2.0",
    "bsd2clause": "BSD-2-Clause",
    "bsd3clause": "BSD-3-Clause",
    "bsd3": "BSD-3-Clause",
    "3clausebsd": "BSD-3-Clause",
    "newbsd": "BSD-3-Clause",
    "newbsdlicense": "BSD-3-Clause",
    "modifiedbsd": "BSD-3-Clause",
    "simplifiedbsd": "BSD-2-Clause",
    "gplv2": "GPL-2.0-only",
    "gplv2orlater": "GPL-2.0-or-later",
    "gplv3": "GPL-3.0-only",
    "gplv3orlater": "GPL-3.0-or-later",
    "isclicense": "ISC",
    "mitlicense": "MIT",
    "expat": "MIT",
    "mpl20": "MPL-2.0",
    "mozillapubliclicense20": "MPL-2.0",
    "psf": "PSF-2.0",
    "psflicense": "PSF-2.0",
    "pythonsoftwarefoundationlicense": "PSF-2.0",
    "publicdomain": "",
    "unlicense": "Unlicense",
}
_SPDX_TOKEN = re.compile(r"\(|\)|\bAND\b|\bOR\b|\s+")
_MAX_LICENSE_TEXT = 100


@dataclass(frozen=True, slots=True)
class LicenseMapping:
    """``lib.licenses`` attributes found, and license names that had none."""

    attributes: tuple[str, ...]
    unknown: tuple[str, ...]


def map_license(meta: PackageMeta) -> LicenseMapping:
    if meta.license_expression:
        return _from_expression(meta.license_expression)
    if meta.license_text and _is_short(meta.license_text):
        from_text = _from_text(meta.license_text)
        if from_text is not None:
            return from_text
    if meta.license_classifiers:
        return _with_license_text(_look_up(meta.license_classifiers, CLASSIFIER_TO_NIX), meta)
    if meta.license_text and _is_short(meta.license_text):
        return LicenseMapping(attributes=(), unknown=(meta.license_text,))
    return LicenseMapping(attributes=(), unknown=())


AMBIGUOUS_BSD = _OSI + "BSD License"


def _with_license_text(mapping: LicenseMapping, meta: PackageMeta) -> LicenseMapping:
    """The ambiguous BSD classifier made certain by the license's text, when the text
    is recognized as a BSD license (and nothing else says otherwise)."""
    spdx = meta.license_from_text
    if AMBIGUOUS_BSD not in mapping.unknown or spdx is None or not spdx.startswith("BSD-"):
        return mapping
    attribute = SPDX_TO_NIX[spdx]
    attributes = (
        mapping.attributes if attribute in mapping.attributes else (*mapping.attributes, attribute)
    )
    unknown = tuple(name for name in mapping.unknown if name != AMBIGUOUS_BSD)
    return LicenseMapping(attributes=attributes, unknown=unknown)


def _from_expression(expression: str) -> LicenseMapping:
    try:
        canonical = canonicalize_license_expression(expression)
    except InvalidLicenseExpression:
        return LicenseMapping(attributes=(), unknown=(expression,))
    return _look_up(_license_ids(canonical), SPDX_TO_NIX)


def _license_ids(expression: str) -> list[str]:
    """The license ids of a canonical SPDX expression, ``X WITH Y`` kept together."""
    tokens = [token for token in _SPDX_TOKEN.split(expression) if token]
    ids: list[str] = []
    position = 0
    while position < len(tokens):
        if position + 2 < len(tokens) and tokens[position + 1] == "WITH":
            ids.append(" ".join(tokens[position : position + 3]))
            position += 3
        else:
            ids.append(tokens[position])
            position += 1
    return ids


def _from_text(text: str) -> LicenseMapping | None:
    key = re.sub(r"[^a-z0-9]", "", text.lower())
    if key in _TEXT_TO_SPDX:
        spdx = _TEXT_TO_SPDX[key]
        attribute = SPDX_TO_NIX[spdx] if spdx else "publicDomain"
        return LicenseMapping(attributes=(attribute,), unknown=())
    try:
        canonical = canonicalize_license_expression(text)
    except InvalidLicenseExpression:
        return None
    mapping = _from_expression(canonical)
    return mapping if mapping.attributes and not mapping.unknown else None


def _look_up(keys: Iterable[str], table: Mapping[str, str]) -> LicenseMapping:
    """Each key's attribute (once, in order), and the keys the table lacks."""
    attributes: list[str] = []
    unknown: list[str] = []
    for key in keys:
        attribute = table.get(key)
        if attribute is None:
            unknown.append(key)
        elif attribute not in attributes:
            attributes.append(attribute)
    return LicenseMapping(attributes=tuple(attributes), unknown=tuple(unknown))


def _is_short(text: str) -> bool:
    return len(text) <= _MAX_LICENSE_TEXT and "\n" not in text.strip()
