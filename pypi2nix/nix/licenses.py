"""Map a package's license facts to ``lib.licenses`` attributes.

Sources, in order: ``License-Expression`` (SPDX), then the free-text ``License``
field when it names one license, then license classifiers; the ambiguous "BSD
License" classifier is made certain by the license file's text (or a ``License``
field that holds the whole text) when that is recognized
(:mod:`pypi2nix.dists.license_texts`). An SPDX id maps through nixpkgs' own list
(:mod:`pypi2nix.nix.spdx_licenses`); ``X WITH Y`` is two attributes, as nixpkgs has
an attribute for the exception. A license that has no certain attribute is reported
back so the renderer can leave it out with a comment; an attribute is never made up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression

from pypi2nix.nix.spdx_licenses import NIXPKGS_SPDX

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from pypi2nix.models import PackageMeta

# SPDX ids nixpkgs has no attribute for, and the attribute nixpkgs' own Python
# packages use for them (its psfl is Python-2.0, which PSF-2.0 is part of).
_NOT_IN_NIXPKGS: dict[str, str] = {"PSF-2.0": "psfl"}

SPDX_TO_NIX: dict[str, str] = {**NIXPKGS_SPDX, **_NOT_IN_NIXPKGS}

# SPDX's deprecated GNU ids: GPL-2.0 is GPL-2.0-only, GPL-2.0+ is GPL-2.0-or-later.
_DEPRECATED_GNU = re.compile(r"((?:A|L)?GPL|GFDL)-(\d\.\d)(\+?)")

# License classifiers whose name holds no SPDX id; those that end in one, such as
# "... :: Boost Software License 1.0 (BSL-1.0)", are read through the SPDX table.
_OSI = "License :: OSI Approved :: "
CLASSIFIER_TO_NIX: dict[str, str] = {
    _OSI + "Apache Software License": "asl20",
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
    _OSI + "ISC License (ISCL)": "isc",
    _OSI + "MIT License": "mit",
    _OSI + "Mozilla Public License 1.1 (MPL 1.1)": "mpl11",
    _OSI + "Mozilla Public License 2.0 (MPL 2.0)": "mpl20",
    _OSI + "Python Software Foundation License": "psfl",
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
_TRAILING_ID = re.compile(r"\(([^()]+)\)$")
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
        classifiers = _look_up(meta.license_classifiers, _classifier_attributes)
        return _with_license_text(classifiers, meta)
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
    return _look_up(_license_ids(canonical), spdx_attributes)


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


def spdx_attributes(license_id: str) -> tuple[str, ...] | None:
    """The attributes of one id of a canonical SPDX expression; ``X WITH Y`` gives two,
    as nixpkgs writes a license exception as an attribute of its own."""
    attributes: list[str] = []
    for part in license_id.split(" WITH "):
        attribute = SPDX_TO_NIX.get(_current_id(part))
        if attribute is None:
            return None
        attributes.append(attribute)
    return tuple(attributes)


def _current_id(license_id: str) -> str:
    match = _DEPRECATED_GNU.fullmatch(license_id)
    if match is None:
        return license_id
    family, version, plus = match.groups()
    return f"{family}-{version}-{'or-later' if plus else 'only'}"


def _classifier_attributes(classifier: str) -> tuple[str, ...] | None:
    """A classifier's attribute: from the table, or from the SPDX id it ends with."""
    if classifier in CLASSIFIER_TO_NIX:
        return (CLASSIFIER_TO_NIX[classifier],)
    match = _TRAILING_ID.search(classifier)
    if match is None:
        return None
    try:
        canonical = canonicalize_license_expression(match.group(1))
    except InvalidLicenseExpression:
        return None
    return spdx_attributes(canonical) if " " not in canonical else None


def _look_up(
    keys: Iterable[str], attributes_of: Callable[[str], tuple[str, ...] | None]
) -> LicenseMapping:
    """Each key's attributes (each once, in order), and the keys that have none."""
    attributes: list[str] = []
    unknown: list[str] = []
    for key in keys:
        found = attributes_of(key)
        if found is None:
            unknown.append(key)
        attributes += [attribute for attribute in found or () if attribute not in attributes]
    return LicenseMapping(attributes=tuple(attributes), unknown=tuple(unknown))


def _is_short(text: str) -> bool:
    return len(text) <= _MAX_LICENSE_TEXT and "\n" not in text.strip()
