"""Credentials in URLs: the one place that hides or drops them.

An index URL may carry a user name and password (``https://user:secret@host/``).
The HTTP client keeps them apart, for the requests to that URL's origin
(:func:`split_credentials`), so that no URL of a page or a file holds them; messages
show such a URL with the password hidden; files and the cache never hold either part.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit, urlunsplit

Origin = tuple[str, str, int | None]
_DEFAULT_PORTS = {"https": 443, "http": 80}

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


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """The URL without credentials, and its user name and password (``None`` if none)."""
    parts = urlsplit(url)
    if parts.username is None:
        return url, None
    return without_credentials(url), (unquote(parts.username), unquote(parts.password or ""))


def origin(url: str) -> Origin:
    """Scheme, host and port: where the credentials of an index URL are sent."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme)
