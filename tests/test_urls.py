"""Passwords never appear in a URL or message that is shown."""

from __future__ import annotations

import pytest

from sql2dynamo.common.errors import UsageError
from sql2dynamo.common.urls import parse_url, redact_endpoint, redact_text, redact_url
from sql2dynamo.source.connect import normalize_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://app:s3cret@db:5432/shop", "postgresql://app:***@db:5432/shop"),
        ("mysql+pymysql://root:p%40ss@127.0.0.1/test", "mysql+pymysql://root:***@127.0.0.1/test"),
        ("postgresql://app@db/shop", "postgresql://app@db/shop"),
        ("sqlite:///file.db", "sqlite:///file.db"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown
    assert redact_url(parse_url(url)) == shown


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("http://key:secret@127.0.0.1:8000/", "http://***@127.0.0.1:8000/"),
        ("https://user@dynamodb.eu-west-1.amazonaws.com", "https://***@dynamodb.eu-west-1.amazonaws.com"),
        ("http://a:b@c@proxy:3128", "http://***@proxy:3128"),
    ],
)
def test_redact_endpoint_hides_all_userinfo(url: str, shown: str) -> None:
    assert redact_endpoint(url) == shown


def test_redact_text_masks_userinfo_and_secrets() -> None:
    text = 'failed for postgresql://u:hunter2@h/db (password "hunter2")'
    assert redact_text(text, "hunter2") == 'failed for postgresql://u:***@h/db (password "***")'
    assert redact_text("mysql://a:b@c/d and http://x:y@z") == "mysql://a:***@c/d and http://x:***@z"


def test_unparseable_url_is_a_usage_error_without_the_password() -> None:
    with pytest.raises(UsageError) as err:
        parse_url("postgresql://u:topsecret@host:notaport/db")
    assert "topsecret" not in err.value.one_line()


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("postgresql://u@h/db", "postgresql+psycopg"),
        ("postgres://u@h/db", "postgresql+psycopg"),
        ("mysql://u@h/db", "mysql+pymysql"),
        ("mariadb://u@h/db", "mariadb+pymysql"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg"),
        ("sqlite:///x.db", "sqlite"),
    ],
)
def test_default_drivers(url: str, driver: str) -> None:
    assert normalize_url(url).drivername == driver


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://u:PW@77@host/db", "postgresql://u:***@host/db"),
        ("postgresql://u@h/db?password=hunter2&sslmode=require", "postgresql://u@h/db?password=***&sslmode=require"),
        ("mysql://u@h/db?passwd=hunter2", "mysql://u@h/db?passwd=***"),
        ("postgresql://u@h/db?sslpassword=P@W", "postgresql://u@h/db?sslpassword=***"),
        ("postgresql://u:a@b@h:5432/db?auth_token=t0k", "postgresql://u:***@h:5432/db?auth_token=***"),
    ],
)
def test_every_credential_form_is_masked(url: str, shown: str) -> None:
    assert redact_url(url) == shown
    assert redact_url(parse_url(url)) == shown
    for secret in ("PW@77", "77@host", "hunter2", "P@W", "t0k", "a@b"):
        assert secret not in redact_url(url) and secret not in redact_text(url)


def test_a_raw_at_in_the_password_parses_to_the_right_host() -> None:
    url = parse_url("postgresql://u:PW@77@host:5432/db?password=x@y")
    assert (url.password, url.host, url.port, url.query["password"]) == ("PW@77", "host", 5432, "x@y")


def test_dsn_passwords_in_driver_messages_are_masked() -> None:
    assert redact_text("dbname=x user=y password='se cret' host=h") == "dbname=x user=y password=*** host=h"
