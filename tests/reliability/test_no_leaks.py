"""No password leaks: not on the console, not in an error, not in any file the tool writes (issue 14, item 5).

PostgreSQL and MariaDB, each reached with the password in the query (``?password=...``) and with a raw ``@``
inside the user-info password (``user:P@W77...@host``).  The whole pipeline runs through the command line:
analyze, design, deploy, migrate (``--summary``), verify (``--report``, ``--summary``); then a wrong
password.  The secret and its tail after the ``@`` appear nowhere: stdout, stderr, every file under the
output directory (schema.json, the model, checkpoints, summaries, the report).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from sql2dynamo.target import local
from tests.helpers.cli import CliResult, run_cli
from tests.helpers.databases import MARIA_ADMIN_URL, PG_ADMIN_URL, unique_name

pytestmark = pytest.mark.dynamodb

SECRET = "P@W77xq-secret"
TAIL = "W77xq-secret"  # what a parser cutting at the first @ would show
PATTERNS = """\
application: leak
patterns:
  - id: AP01
    description: One thing
    sql: SELECT * FROM thing WHERE id = :id
    rps: {avg: 5, peak: 10}
"""


def _fill(url: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE thing (id INTEGER PRIMARY KEY, name VARCHAR(20))"))
            conn.execute(sa.text("INSERT INTO thing VALUES (1, 'a'), (2, 'b')"))
    finally:
        engine.dispose()


@pytest.fixture(params=["postgresql", "mysql"])
def secret_urls(request: pytest.FixtureRequest) -> Iterator[tuple[str, str, str]]:
    """(URL with ?password=, URL with a raw @ in the user-info password, URL with a wrong password)."""
    if request.param == "postgresql":
        admin = request.getfixturevalue("pg_admin")
        name = unique_name("leak")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        _fill(sa.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False))
        # trust authentication: the server accepts any password, the tool must still hide it
        base = f"postgresql://postgres@127.0.0.1:5432/{name}"
        raw = f"postgresql://postgres:{SECRET}@127.0.0.1:5432/{name}"
        wrong = f"postgresql://nobody_{name}:{SECRET}@127.0.0.1:5432/{name}"
        try:
            yield f"{base}?password={SECRET}", raw, wrong
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        return
    admin = request.getfixturevalue("maria_admin")
    name = unique_name("leak")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE `{name}`"))
        conn.execute(sa.text(f"CREATE USER '{name}'@'%' IDENTIFIED BY '{SECRET}'"))
        conn.execute(sa.text(f"CREATE USER '{name}'@'localhost' IDENTIFIED BY '{SECRET}'"))
        for host in ("%", "localhost"):
            conn.execute(sa.text(f"GRANT ALL ON `{name}`.* TO '{name}'@'{host}'"))
    _fill(sa.make_url(MARIA_ADMIN_URL).set(database=name).render_as_string(hide_password=False))
    base = f"mysql://{name}@127.0.0.1:3306/{name}"
    try:
        yield (
            f"{base}?password={SECRET}",
            f"mysql://{name}:{SECRET}@127.0.0.1:3306/{name}",
            f"mysql://{name}:{SECRET}x@127.0.0.1:3306/{name}",
        )
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{name}`"))
            for host in ("%", "localhost"):
                conn.execute(sa.text(f"DROP USER IF EXISTS '{name}'@'{host}'"))


def _clean(res: CliResult, what: str) -> None:
    for text in (res.out, res.err):
        assert SECRET not in text and TAIL not in text, (what, text)


def _files_clean(root: Path) -> int:
    files = [p for p in root.rglob("*") if p.is_file()]
    for path in files:
        data = path.read_bytes()
        assert SECRET.encode() not in data and TAIL.encode() not in data, path
    return len(files)


def test_passwords_never_leave_the_tool(
    secret_urls: tuple[str, str, str],
    tmp_path: Path,
    shared_local: tuple[local.LocalInstance, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    endpoint = shared_local[0].endpoint_url
    for i, url in enumerate(secret_urls[:2]):
        out = tmp_path / f"run{i}"
        res = run_cli(capsys, "analyze", url, "-o", str(out), "--summary", str(out / "analyze.json"))
        assert res.code == 0, res.err
        _clean(res, "analyze")
        (out / "access_patterns.yaml").write_text(PATTERNS)
        res = run_cli(
            capsys, "design", "--schema", str(out / "schema.json"), "--patterns", str(out / "access_patterns.yaml"),
            "-o", str(out), "--yes",
        )  # fmt: skip
        assert res.code == 0, res.err
        res = run_cli(capsys, "deploy", "--model", str(out), "--target", endpoint)
        assert res.code == 0, res.err
        res = run_cli(
            capsys, "migrate", url, "--model", str(out), "--target", endpoint, "--summary", str(out / "migrate.json")
        )
        assert res.code == 0, res.err
        _clean(res, "migrate")
        res = run_cli(
            capsys, "verify", url, "--model", str(out), "--target", endpoint,
            "--report", str(out / "report.json"), "--summary", str(out / "verify.json"),
        )  # fmt: skip
        assert res.code == 0, res.err
        _clean(res, "verify")
        assert (out / ".migrate" / "checkpoints.json").exists()
        assert _files_clean(out) >= 8
        res = run_cli(capsys, "destroy", "--model", str(out), "--target", endpoint, "--yes")
        assert res.code == 0, res.err

    res = run_cli(capsys, "analyze", secret_urls[2], "-o", str(tmp_path / "wrong"))
    assert res.code == 3, res.err
    _clean(res, "a wrong password")
    assert len(res.err.strip().splitlines()) == 1 and "***" in res.err, res.err
