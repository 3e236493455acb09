"""The generated module against real DynamoDB Local: design, deploy and migrate an example, then call its methods.

The pipeline is the user's: an example generated in SQLite, ``analyze``,
``design``, ``deploy`` and ``migrate`` into DynamoDB Local, ``codegen``; the
module is imported and its get, paged list, count and write methods are
checked against what SQL returns from the same database.
"""

from __future__ import annotations

import dataclasses
import datetime
import importlib.util
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa

from sql2dynamo.commands.analyze import analyze
from sql2dynamo.commands.codegen import codegen
from sql2dynamo.commands.deploy import deploy, destroy
from sql2dynamo.commands.design import design
from sql2dynamo.commands.migrate import migrate, raise_for_failures
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.examples import get_example
from sql2dynamo.runtime import Repository, UnsupportedPattern
from sql2dynamo.target import local
from sql2dynamo.testing.dynamodb import boto_client

pytestmark = pytest.mark.dynamodb


@dataclasses.dataclass(frozen=True)
class App:
    """A migrated example: its SQL source, its generated module, and that module's repository over DynamoDB."""

    engine: sa.Engine
    metadata: sa.MetaData
    module: ModuleType
    repo: Any


def _pipeline(example: str, strategy: str, rows: int, work: Path, endpoint: str) -> App:
    ex = get_example(example)
    reporter = RecordingReporter()
    db = work / f"{example}.sqlite"
    engine = sa.create_engine(f"sqlite:///{db}")
    ex.generate(engine, rows=rows)
    url = f"sqlite:///{db}"
    analyzed = analyze(url, out_dir=work / "analysis", reporter=reporter, application=ex.name)
    model = work / "design"
    model.mkdir()
    (model / "access_patterns.yaml").write_text(ex.access_patterns.read_text(encoding="utf-8"))
    yes = lambda gate, question: True  # noqa: E731
    design(
        analyzed.schema_path, model / "access_patterns.yaml", out_dir=model, reporter=reporter, confirm=yes,
        strategy=strategy,
    )  # fmt: skip
    destroy(model, endpoint, reporter=reporter, confirm=yes)
    deploy(model, endpoint, reporter=reporter, confirm=yes)
    raise_for_failures(migrate(url, model, endpoint, reporter=reporter))
    out = work / "gen" / f"{example}_repo.py"
    codegen(model, out, reporter=reporter)
    name = f"generated_{example}_{strategy.replace('-', '_')}"
    spec = importlib.util.spec_from_file_location(name, out)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses resolve their annotations through sys.modules
    spec.loader.exec_module(module)
    repo_class = getattr(module, f"{''.join(w.title() for w in example.split('_'))}Repository")
    repo = repo_class(Repository.from_model_dir(model, boto_client(endpoint)))
    return App(engine, ex.metadata, module, repo)


@pytest.fixture(scope="module")
def endpoint(shared_local: tuple[local.LocalInstance, Path]) -> str:
    return shared_local[0].endpoint_url


@pytest.fixture(scope="module")
def chinook(endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    app = _pipeline("chinook", "multi-table", 25, tmp_path_factory.mktemp("chinook"), endpoint)
    yield app
    app.engine.dispose()


@pytest.fixture(scope="module")
def hustle_hub(endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    app = _pipeline("hustle_hub", "multi-table", 20, tmp_path_factory.mktemp("hustle_hub"), endpoint)
    yield app
    app.engine.dispose()


@pytest.fixture(scope="module")
def algoitny(endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    app = _pipeline("algoitny", "single-table", 25, tmp_path_factory.mktemp("algoitny"), endpoint)
    yield app
    app.engine.dispose()


def _sql(app: App, table: str, where: sa.ColumnElement[bool], *order: Any) -> list[dict[str, Any]]:
    t = app.metadata.tables[table]
    with app.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(t).where(where).order_by(*order))]


def _as_row(obj: Any) -> dict[str, Any]:
    return dataclasses.asdict(obj)


def _same(expected: dict[str, Any], got: dict[str, Any]) -> None:
    assert set(got) == set(expected), (sorted(got), sorted(expected))
    for key, value in expected.items():
        if isinstance(value, datetime.datetime) and isinstance(got[key], datetime.datetime):
            # SQLite keeps no time zone: compare the wall-clock values
            assert got[key].replace(tzinfo=None) == value.replace(tzinfo=None), key
        elif isinstance(value, float | Decimal) and isinstance(got[key], float | Decimal | int):
            assert Decimal(str(got[key])) == Decimal(str(value)), key
        else:
            assert got[key] == value, key


def test_get_returns_the_sql_row_as_its_dataclass(chinook: App) -> None:
    t = chinook.metadata.tables["customer"]
    for expected in _sql(chinook, "customer", t.c.customer_id <= 5, t.c.customer_id):
        customer = chinook.repo.get_customer_by_customer_id(expected["customer_id"])
        assert type(customer) is chinook.module.Customer
        _same(expected, _as_row(customer))
    assert chinook.repo.get_customer_by_customer_id(10**9) is None


def test_list_pages_through_the_sql_rows_in_order(chinook: App) -> None:
    lines = chinook.metadata.tables["invoice_line"]
    with chinook.engine.connect() as conn:
        invoice_id = conn.execute(
            sa.select(lines.c.invoice_id).group_by(lines.c.invoice_id).order_by(sa.func.count().desc()).limit(1)
        ).scalar_one()
    expected = _sql(chinook, "invoice_line", lines.c.invoice_id == invoice_id, lines.c.invoice_line_id)
    assert len(expected) >= 3  # so that a page size of 2 needs several pages
    got: list[Any] = []
    cursor = None
    pages = 0
    while True:
        page = chinook.repo.list_invoice_lines_by_invoice_id(invoice_id, limit=2, cursor=cursor)
        assert type(page) is chinook.module.Page
        assert len(page.items) <= 2
        got += page.items
        pages += 1
        cursor = page.cursor
        if cursor is None:
            break
    assert pages >= 2
    assert [x.invoice_line_id for x in got] == [r["invoice_line_id"] for r in expected]
    for exp, item in zip(expected, got, strict=True):
        assert type(item) is chinook.module.InvoiceLine
        _same(exp, _as_row(item))


def test_a_sql_limit_is_the_page_size_and_the_cursor_goes_on(chinook: App) -> None:
    inv = chinook.metadata.tables["invoice"]
    with chinook.engine.connect() as conn:
        customer_id = conn.execute(
            sa.select(inv.c.customer_id).group_by(inv.c.customer_id).order_by(sa.func.count().desc()).limit(1)
        ).scalar_one()
    expected = _sql(chinook, "invoice", inv.c.customer_id == customer_id, inv.c.invoice_date.desc(), inv.c.invoice_id)
    first = chinook.repo.list_invoices_by_customer_id(customer_id, limit=2)
    assert len(first.items) == 2 and first.cursor is not None
    rest = chinook.repo.list_invoices_by_customer_id(customer_id, limit=100, cursor=first.cursor)
    got = [*first.items, *rest.items]
    assert rest.cursor is None
    assert sorted(x.invoice_id for x in got) == sorted(r["invoice_id"] for r in expected)
    dates = [x.invoice_date for x in got]
    assert dates == sorted(dates, reverse=True)  # ORDER BY invoice_date DESC across pages


def test_joined_read_returns_the_parent_row(chinook: App) -> None:
    cust = chinook.metadata.tables["customer"]
    with chinook.engine.connect() as conn:
        customer_id, rep_id = conn.execute(
            sa.select(cust.c.customer_id, cust.c.support_rep_id).where(cust.c.support_rep_id.is_not(None)).limit(1)
        ).one()
    emp = chinook.metadata.tables["employee"]
    (expected,) = _sql(chinook, "employee", emp.c.employee_id == rep_id)
    employee = chinook.repo.get_employee_by_customer_id(customer_id)
    assert type(employee) is chinook.module.Employee
    _same(expected, _as_row(employee))


def test_writes_change_what_the_reads_return(chinook: App) -> None:
    new_email = "codegen.e2e@example.com"
    outcome = chinook.repo.update_customer_by_customer_id(email=new_email, customer_id=1)
    assert outcome.calls >= 1 and outcome.consumed_wcu > 0
    customer = chinook.repo.get_customer_by_customer_id(1)
    assert customer is not None and customer.email == new_email
    # an insert, then the list that shows it
    lines = chinook.metadata.tables["invoice_line"]
    with chinook.engine.connect() as conn:
        top = conn.execute(sa.select(sa.func.max(lines.c.invoice_line_id))).scalar_one()
    before = chinook.repo.list_invoice_lines_by_invoice_id(1, limit=100).items
    chinook.repo.create_invoice_line(
        invoice_line_id=top + 1, invoice_id=1, track_id=1, unit_price=Decimal("0.99"), quantity=3
    )
    after = chinook.repo.list_invoice_lines_by_invoice_id(1, limit=100).items
    assert len(after) == len(before) + 1
    added = after[-1]
    assert added == chinook.module.InvoiceLine(
        invoice_line_id=top + 1, invoice_id=1, track_id=1, unit_price=Decimal("0.99"), quantity=3
    )


def test_unsupported_pattern_raises_with_the_designs_reason(chinook: App) -> None:
    with pytest.raises(UnsupportedPattern) as info:
        chinook.repo.list_tracks(query="love")
    assert info.value.context.pattern_id == "AP19"
    assert "full-text search" in info.value.reason
    assert info.value.alternative and "OpenSearch" in info.value.alternative


def test_single_table_lookup_get_and_count(algoitny: App) -> None:
    users = algoitny.metadata.tables["users"]
    (expected,) = _sql(algoitny, "users", users.c.id == 3)
    user = algoitny.repo.get_user_by_email(expected["email"])  # through the e-mail's lookup item
    assert type(user) is algoitny.module.User
    _same(expected, _as_row(user))
    assert algoitny.repo.get_user_by_email("nobody@nowhere.invalid") is None
    history = algoitny.metadata.tables["search_history"]
    with algoitny.engine.connect() as conn:
        user_id, count = conn.execute(
            sa.select(history.c.user_id, sa.func.count())
            .where(history.c.user_id.is_not(None))
            .group_by(history.c.user_id)
            .order_by(sa.func.count().desc())
            .limit(1)
        ).one()
    assert count > 0
    assert algoitny.repo.count_search_histories_by_user_id(user_id) == count
    assert algoitny.repo.count_search_histories_by_user_id(10**9) == 0


def test_denormalized_join_returns_the_joined_entity(hustle_hub: App) -> None:
    # AP16: SELECT l.* FROM listing_slug_history h JOIN listings l: one GetItem of the history item,
    # which carries copies of the listing's columns (and its id as listing_id).
    history, listings = hustle_hub.metadata.tables["listing_slug_history"], hustle_hub.metadata.tables["listings"]
    with hustle_hub.engine.connect() as conn:
        slugs = conn.execute(sa.select(history.c.old_slug, history.c.listing_id).limit(3)).all()
    assert slugs
    for slug, listing_id in slugs:
        (expected,) = _sql(hustle_hub, "listings", listings.c.id == listing_id)
        listing = hustle_hub.repo.get_listing_by_old_slug(slug)
        assert type(listing) is hustle_hub.module.Listing
        _same(expected, _as_row(listing))
    assert hustle_hub.repo.get_listing_by_old_slug("no-such-slug") is None


def test_join_projection_rows(algoitny: App) -> None:
    # AP10: problems LEFT JOIN test_cases, a projection with an alias: one row class, columns of both tables.
    sql = algoitny.module.AlgoitnyRepository.list_problems_by_platform_and_problem_id.__doc__
    assert "LEFT JOIN test_cases" in sql
    cases = algoitny.metadata.tables["test_cases"]
    problems = algoitny.metadata.tables["problems"]
    with algoitny.engine.connect() as conn:
        platform, problem_id = conn.execute(
            sa.select(problems.c.platform, problems.c.problem_id)
            .join(cases, cases.c.problem_id == problems.c.id)
            .group_by(problems.c.id)
            .order_by(sa.func.count().desc())
            .limit(1)
        ).one()
        expected = [
            dict(r._mapping)
            for r in conn.execute(
                sa.text(
                    "SELECT p.id, p.platform, p.problem_id, p.title, p.tags, t.id AS test_case_id, t.input, t.output "
                    "FROM problems AS p LEFT JOIN test_cases AS t ON t.problem_id = p.id "
                    "WHERE p.platform = :platform AND p.problem_id = :problem_id ORDER BY t.id"
                ),
                {"platform": platform, "problem_id": problem_id},
            )
        ]
    page = algoitny.repo.list_problems_by_platform_and_problem_id(platform, problem_id, limit=100)
    assert page.cursor is None
    rows = sorted((_as_row(x) for x in page.items), key=lambda r: r["test_case_id"])
    assert len(rows) == len(expected) >= 2
    for exp, got in zip(expected, rows, strict=True):
        assert type(page.items[0]).__name__ == "ListProblemsByPlatformAndProblemIdRow"
        _same(exp, got)
