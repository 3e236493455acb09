"""Source URLs: parsing and redaction.  No password ever leaves this module."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from sql2dynamo.common.errors import UsageError

_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][\w+.-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^@\s]*)@")


def parse_url(url: str) -> URL:
    """Parse a SQLAlchemy URL, or raise a usage error that shows it redacted."""
    try:
        return make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise UsageError(
            f"not a database URL: {redact_text(url)!r}",
            hint="use sqlite:///file.db, postgresql+psycopg://user@host/db or mysql+pymysql://user@host/db",
        ) from exc


def redact_url(url: str | URL) -> str:
    """The URL as it may be shown: the password, if any, replaced by ``***``."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return redact_text(url)


def redact_endpoint(url: str) -> str:
    """An HTTP endpoint as it may be shown: any ``user:password@`` replaced by ``***@``."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[1]))


def redact_text(text: str, *secrets: str | None) -> str:
    """Remove passwords from free text (driver messages, echoed URLs).

    Any ``scheme://user:password@`` is masked, and so is every given secret,
    wherever it appears: some drivers echo the DSN in their errors.
    """
    out = _USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:***@", text)
    for secret in secrets:
        if secret:
            out = out.replace(secret, "***")
    return out
