"""Source URLs: parsing and redaction.  No password ever leaves this module.

A credential can sit in the user-info (``user:password@``, even with a raw
``@`` inside the password) or in the query (``?password=...``,
``?sslpassword=...``, any parameter named like a pass, secret, token or
key): every form is masked as ``***`` wherever a URL or a message is shown.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from sql2dynamo.common.errors import UsageError

# user:password@ up to the *last* @ before the host (a raw @ inside a password must not show its tail)
_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][\w+.-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^\s/?#]*)@(?=[^@\s]*(?:[/?#\s]|$))")
_SECRET_NAME = re.compile(r"pass|pwd|secret|token|credential|auth|(^|_)key$", re.IGNORECASE)
"""Query parameters whose value is a credential: ``password``, ``passwd``, ``sslpassword``, ``auth_token`` ..."""
_SECRET_PARAM = re.compile(
    r"(?P<name>\b[\w.-]*(?:pass|pwd|secret|token|credential|auth)[\w.-]*)(?P<eq>\s*=\s*)(?P<value>'[^']*'|\"[^\"]*\"|[^&\s;,)]+)",
    re.IGNORECASE,
)
MASK = "***"


def is_secret_parameter(name: str) -> bool:
    """Whether a URL query parameter (or DSN keyword) named ``name`` carries a credential."""
    return bool(_SECRET_NAME.search(name))


def _quote_userinfo(url: str) -> str:
    """``url`` with every raw ``@`` percent-encoded but the one ending the user-info.

    A raw ``@`` inside a password (``user:P@W@host``), or in a query value
    (``?password=P@W``), would otherwise make the parser cut the URL at the
    wrong ``@`` and show the rest as a host name.
    """
    head, sep, rest = url.partition("://")
    if not sep:
        return url
    end = min((i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    authority, tail = rest[:end], rest[end:]
    path, qmark, query = tail.partition("?")
    tail = path + qmark + query.replace("@", "%40")
    if authority.count("@") >= 2:
        userinfo, _, host = authority.rpartition("@")
        authority = f"{userinfo.replace('@', '%40')}@{host}"
    return f"{head}://{authority}{tail}"


def parse_url(url: str) -> URL:
    """Parse a SQLAlchemy URL (a raw ``@`` in the password is allowed), or raise a usage error shown redacted."""
    try:
        return make_url(_quote_userinfo(url))
    except (ArgumentError, ValueError) as exc:
        raise UsageError(
            f"not a database URL: {redact_text(url)!r}",
            hint="use sqlite:///file.db, postgresql+psycopg://user@host/db or mysql+pymysql://user@host/db",
        ) from exc


def url_secrets(url: URL) -> list[str]:
    """Every credential in ``url``: its password and the values of credential-bearing query parameters."""
    found = [url.password] if url.password else []
    for name, value in url.query.items():
        if is_secret_parameter(name):
            found.extend(v for v in ((value,) if isinstance(value, str) else value) if v)
    return [str(v) for v in found]


def redact_url(url: str | URL) -> str:
    """The URL as it may be shown: the password and credential query parameters replaced by ``***``."""
    if not isinstance(url, URL):
        text = url
        try:
            url = make_url(_quote_userinfo(text))
        except (ArgumentError, ValueError):
            return redact_text(text)
    if any(is_secret_parameter(name) for name in url.query):
        url = url.set(query={k: (MASK if is_secret_parameter(k) else v) for k, v in url.query.items()})
    return url.render_as_string(hide_password=True).replace("%2A%2A%2A", MASK)


def redact_endpoint(url: str) -> str:
    """An HTTP endpoint as it may be shown: any ``user:password@`` replaced by ``***@``."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[1]))


def redact_text(text: str, *secrets: str | None) -> str:
    """Remove passwords from free text (driver messages, echoed URLs and DSNs).

    Any ``scheme://user:password@`` is masked (a raw ``@`` inside the
    password included), so is the value of every credential-bearing
    ``name=value`` (``?password=...``, ``password='...'`` in a DSN), and so is
    every given secret, wherever it appears: some drivers echo the DSN in
    their errors.
    """
    out = _USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", text)
    out = _SECRET_PARAM.sub(lambda m: f"{m['name']}{m['eq']}{MASK}", out)
    for secret in secrets:
        if secret:
            out = out.replace(secret, MASK)
    return out
