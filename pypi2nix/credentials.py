"""Credentials in URLs: the one place that hides or drops them.

An index URL may carry a user name and password (``https://user:secret@host/``).
Messages show such a URL with the password hidden; files never hold either part.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

_CREDENTIALS = re.compile(r"(?<=://)([^/@:]+):([^/@]+)@")


def redact_url(url: str) -> str:
    """The URL with its password hidden, for messages and logs."""
    return _CREDENTIALS.sub(r"\1:****@", url)


def without_credentials(url: str) -> str:
    """The URL without user name and password, for files."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=host))
