"""Load the Chinook scripts into a database the test created (not the scripts' own ``chinook``)."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg
import pymysql
import sqlalchemy as sa

# The scripts drop, create and switch to their own database; the tests load
# into a fresh database of their own instead, so those statements are removed.
_PG_PREAMBLE = re.compile(r"^(DROP DATABASE|CREATE DATABASE|\\c)\b.*$", re.M | re.I)
_MY_PREAMBLE = re.compile(r"^(DROP DATABASE|CREATE DATABASE|USE)\b.*$", re.M | re.I)


def load_chinook_postgres(url: str, script: Path) -> None:
    """Run the PostgreSQL Chinook script in the database at ``url``."""
    sql = _PG_PREAMBLE.sub("", script.read_text(encoding="utf-8"))
    u = sa.make_url(url)
    with psycopg.connect(
        host=u.host,
        port=u.port or 5432,
        user=u.username,
        password=u.password,
        dbname=u.database,
        autocommit=True,
    ) as conn:
        conn.execute(sql.encode())  # bytes: simple query protocol, many statements at once


def load_chinook_mysql(url: str, script: Path) -> None:
    """Run the MySQL Chinook script in the database at ``url``."""
    sql = _MY_PREAMBLE.sub("", script.read_text(encoding="utf-8"))
    run_mysql_script(url, sql)


def run_mysql_script(url: str, sql: str) -> None:
    """Execute a multi-statement script on MySQL/MariaDB."""
    u = sa.make_url(url)
    conn = pymysql.connect(
        host=u.host or "127.0.0.1",
        port=u.port or 3306,
        user=u.username or "root",
        password=u.password or "",
        database=u.database,
        autocommit=True,
        charset="utf8mb4",
        client_flag=pymysql.constants.CLIENT.MULTI_STATEMENTS,
    )
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            while cur.nextset():
                pass
    finally:
        conn.close()
