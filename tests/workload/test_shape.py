"""Statement shapes, normalization into :name parameters, and fingerprints."""

from __future__ import annotations

from typing import Any

import pytest

from sql2dynamo.common.errors import InputError
from sql2dynamo.workload.normalize import fingerprint, normalize_statement
from sql2dynamo.workload.shape.parse import parse_shape

SHAPES: list[Any] = [
    pytest.param(
        "postgresql",
        "SELECT * FROM customer WHERE email = :email",
        ["customer"],
        {"equality": ["email"], "projection": ["*"], "parameters": ["email"]},
        id="point-lookup",
    ),
    pytest.param(
        "postgresql",
        "SELECT * FROM track WHERE track_id IN (:a, :b, :c)",
        ["track"],
        {
            "equality": ["track_id"],
            "in_lists": ["track_id"],
            "projection": ["*"],
            "parameters": ["a", "b", "c"],
        },
        id="in-list",
    ),
    pytest.param(
        "postgresql",
        "SELECT * FROM invoice WHERE total >= :low AND total < :high",
        ["invoice"],
        {"ranges": ["total"], "projection": ["*"], "parameters": ["low", "high"]},
        id="range",
    ),
    pytest.param(
        "postgresql",
        "SELECT invoice_id FROM invoice WHERE customer_id = 3 AND invoice_date BETWEEN :start AND :end",
        ["invoice"],
        {
            "equality": ["customer_id"],
            "ranges": ["invoice_date"],
            "projection": ["invoice_id"],
            "parameters": ["start", "end"],
        },
        id="between",
    ),
    pytest.param(
        "postgresql",
        "SELECT * FROM invoice WHERE customer_id = :customer_id ORDER BY invoice_date DESC, invoice_id LIMIT 20",
        ["invoice"],
        {
            "equality": ["customer_id"],
            "order_by": [
                {"column": "invoice_date", "direction": "desc"},
                {"column": "invoice_id", "direction": "asc"},
            ],
            "limit": 20,
            "projection": ["*"],
            "parameters": ["customer_id"],
        },
        id="order-desc-limit",
    ),
    pytest.param(
        "postgresql",
        "SELECT t.name, a.title FROM track t JOIN album a ON a.album_id = t.album_id "
        "LEFT JOIN genre g USING (genre_id) WHERE t.track_id = :id",
        ["track", "album", "genre"],
        {
            "equality": ["track.track_id"],
            "projection": ["track.name", "album.title"],
            "joins": [
                {"table": "album", "kind": "inner", "on": [["album.album_id", "track.album_id"]]},
                {"table": "genre", "kind": "left", "on": [["track.genre_id", "genre.genre_id"]]},
            ],
            "parameters": ["id"],
        },
        id="join",
    ),
    pytest.param(
        "postgresql",
        "SELECT billing_country, COUNT(*) AS n, SUM(total) FROM invoice GROUP BY billing_country HAVING COUNT(*) > 5",
        ["invoice"],
        {
            "projection": ["billing_country", "count(*)", "sum(total)"],
            "aggregates": ["count(*)", "sum(total)"],
            "group_by": ["billing_country"],
        },
        id="count-group-by",
    ),
    pytest.param(
        "postgresql",
        "SELECT * FROM artist WHERE name LIKE 'AC%'",
        ["artist"],
        {"like": [{"column": "name", "kind": "prefix"}], "projection": ["*"]},
        id="like-prefix",
    ),
    pytest.param(
        "postgresql",
        "SELECT * FROM artist WHERE name LIKE '%Band%'",
        ["artist"],
        {"like": [{"column": "name", "kind": "contains"}], "projection": ["*"]},
        id="like-contains",
    ),
    pytest.param(
        "mysql",
        "SELECT * FROM Artist WHERE Name LIKE CONCAT(:Name, '%')",
        ["Artist"],
        {"like": [{"column": "Name", "kind": "prefix"}], "projection": ["*"], "parameters": ["Name"]},
        id="like-prefix-param",
    ),
    pytest.param(
        "postgresql",
        "INSERT INTO invoice (customer_id, total) VALUES (:customer_id, :total)",
        ["invoice"],
        {"insert_columns": ["customer_id", "total"], "parameters": ["customer_id", "total"]},
        id="insert",
    ),
    pytest.param(
        "postgresql",
        "INSERT INTO genre (genre_id, name) VALUES (:genre_id, :name) "
        "ON CONFLICT (genre_id) DO UPDATE SET name = excluded.name",
        ["genre"],
        {"insert_columns": ["genre_id", "name"], "parameters": ["genre_id", "name"], "upsert": True},
        id="upsert",
    ),
    pytest.param(
        "postgresql",
        "UPDATE customer SET email = :email, phone = :phone WHERE customer_id = :customer_id",
        ["customer"],
        {
            "equality": ["customer_id"],
            "set_columns": ["email", "phone"],
            "parameters": ["email", "phone", "customer_id"],
        },
        id="update",
    ),
    pytest.param(
        "postgresql",
        "DELETE FROM invoice_line WHERE invoice_id = :invoice_id",
        ["invoice_line"],
        {"equality": ["invoice_id"], "parameters": ["invoice_id"]},
        id="delete",
    ),
    pytest.param(
        "mysql",
        "SELECT `TrackId`, `Name` FROM `Track` WHERE `AlbumId` = :AlbumId ORDER BY `Name`",
        ["Track"],
        {
            "equality": ["AlbumId"],
            "order_by": [{"column": "Name", "direction": "asc"}],
            "projection": ["TrackId", "Name"],
            "parameters": ["AlbumId"],
        },
        id="mysql-backticks-mixed-case",
    ),
    pytest.param(
        "postgresql",
        'SELECT "FirstName" FROM "Customer" WHERE "Email" = :Email',
        ["Customer"],
        {"equality": ["Email"], "projection": ["FirstName"], "parameters": ["Email"]},
        id="postgres-quoted-mixed-case",
    ),
    pytest.param(
        "mysql",
        "SELECT * FROM `order` WHERE `key` = ? AND `select` > ? LIMIT ?",
        ["order"],
        {
            "equality": ["key"],
            "ranges": ["select"],
            "limit": "?",
            "projection": ["*"],
            "parameters": ["?", "?", "?"],
        },
        id="reserved-words",
    ),
    pytest.param(
        "postgresql",
        "SELECT * FROM track WHERE album_id = $1 OR genre_id = $2",
        ["track"],
        {
            "equality": ["album_id", "genre_id"],
            "projection": ["*"],
            "parameters": ["$1", "$2"],
            "uses_or": True,
        },
        id="or",
    ),
]


@pytest.mark.parametrize(("dialect", "sql", "tables", "expected"), SHAPES)
def test_shape(dialect: str, sql: str, tables: list[str], expected: dict[str, Any]) -> None:
    shape = parse_shape(sql, dialect).to_dict()
    assert shape.pop("operation") == sql.split()[0].lower()
    assert shape.pop("tables") == tables
    assert shape == expected


def test_tables_in_order_of_appearance_with_source_spelling() -> None:
    shape = parse_shape(
        'WITH recent AS (SELECT * FROM "Invoice" WHERE total > 1) '
        "SELECT * FROM recent r JOIN public.customer c ON c.customer_id = r.customer_id "
        "WHERE r.invoice_id IN (SELECT invoice_id FROM invoice_line)",
        "postgresql",
    )
    assert shape.tables == ("Invoice", "public.customer", "invoice_line")


def test_other_statements() -> None:
    assert parse_shape("SET search_path TO public", "postgresql").operation == "other"
    assert parse_shape("CREATE TABLE t (a int)", "postgresql").operation == "other"


def test_unparseable_sql_names_the_pattern() -> None:
    with pytest.raises(InputError) as info:
        parse_shape("SELECT * FROM WHERE", "postgresql", pattern_id="AP07")
    assert info.value.context.pattern_id == "AP07"
    assert info.value.one_line().startswith("pattern AP07: cannot parse the SQL as PostgreSQL")
    with pytest.raises(InputError, match="expected one SQL statement, found 2"):
        parse_shape("SELECT 1; SELECT 2", "postgresql")


NORMALIZE = [
    pytest.param(
        "postgresql",
        "SELECT * FROM customer WHERE email = $1",
        "SELECT * FROM customer WHERE email = :email",
        False,
        id="pg-placeholder",
    ),
    pytest.param(
        "postgresql",
        "SELECT * FROM invoice WHERE customer_id IN ($1,$2,$3) AND total > $4 AND invoice_date BETWEEN $5 AND $6",
        "SELECT * FROM invoice WHERE customer_id IN (:customer_id) AND total > :total "
        "AND invoice_date BETWEEN :invoice_date AND :invoice_date_2",
        False,
        id="pg-in-list-and-duplicates",
    ),
    pytest.param(
        "postgresql",
        "SELECT * FROM invoice WHERE customer_id = ANY($1) ORDER BY 1 LIMIT $2 OFFSET $3",
        "SELECT * FROM invoice WHERE customer_id = ANY(:customer_id) ORDER BY 1 LIMIT :limit OFFSET :offset",
        False,
        id="pg-any-limit-offset",
    ),
    pytest.param(
        "postgresql",
        'INSERT INTO customer (email, "FirstName") VALUES ($1, $2), ($3, $4)',
        'INSERT INTO customer (email, "FirstName") VALUES (:email, :FirstName)',
        False,
        id="pg-multi-row-insert",
    ),
    pytest.param(
        "postgresql",
        "/* app=shop */ UPDATE customer SET visits = visits + 1, name = 'Ann' WHERE id = -7",
        "UPDATE customer SET visits = visits + :visits, name = :name WHERE id = :id",
        False,
        id="literals-and-comments",
    ),
    pytest.param(
        "postgresql",
        "SELECT * FROM artist WHERE name LIKE 'AC%' AND lower(country) = lower('FR') AND 3 < rank",
        "SELECT * FROM artist WHERE name LIKE :name || '%' AND LOWER(country) = LOWER(:country) AND :rank < rank",
        False,
        id="like-function-reversed",
    ),
    pytest.param(
        "postgresql",
        "SELECT name, 42 FROM artist WHERE created_at > now() - INTERVAL '1 day' AND kind = :kind",
        "SELECT name, :p1 FROM artist WHERE created_at > CURRENT_TIMESTAMP - INTERVAL '1 DAY' AND kind = :kind",
        False,
        id="unnamed-and-structural",
    ),
    pytest.param(
        "mysql",
        "SELECT * FROM `Invoice` WHERE `CustomerId` IN (...) AND `Total` > ? ",
        "SELECT * FROM Invoice WHERE CustomerId IN (:CustomerId) AND Total > :Total",
        True,
        id="mysql-digest-in-list",
    ),
    pytest.param(
        "mysql",
        "INSERT INTO `Customer` ( `Email` , `Order` ) VALUES (...) /* , ... */ ",
        "INSERT INTO Customer (Email, `Order`) VALUES (:Email, :Order)",
        True,
        id="mysql-digest-values-reserved-word",
    ),
    pytest.param(
        "mysql",
        "SELECT `c` . `Email` FROM `Customer` `c` WHERE `key` = ? AND `select` = ? LIMIT ?, ?",
        "SELECT c.Email FROM Customer AS c WHERE `key` = :key_ AND `select` = :select_ LIMIT :limit OFFSET :offset",
        True,
        id="mysql-digest-reserved-parameter-names",
    ),
    pytest.param(
        "mysql",
        "SELECT * FROM Customer WHERE Email = 'a@b.c' AND Name LIKE '%son%'",
        "SELECT * FROM Customer WHERE Email = :Email AND Name LIKE CONCAT('%', :Name, '%')",
        False,
        id="mysql-query-log-literals",
    ),
    pytest.param(
        "postgresql",
        "SELECT * FROM t WHERE a = :given AND b = ?",
        "SELECT * FROM t WHERE a = :given AND b = :b",
        False,
        id="named-parameters-kept",
    ),
]


@pytest.mark.parametrize(("dialect", "raw", "expected", "digest"), NORMALIZE)
def test_normalize(dialect: str, raw: str, expected: str, digest: bool) -> None:
    normalized = normalize_statement(raw, dialect, digest=digest)
    assert normalized == expected
    # The result parses back and is a fixed point.
    assert normalize_statement(normalized, dialect) == normalized


def test_fingerprint_ignores_case_spacing_values_and_names() -> None:
    base = fingerprint("SELECT * FROM invoice WHERE customer_id = :customer_id LIMIT :limit", "postgresql")
    assert fingerprint("select *\n  from INVOICE where customer_id = $1 limit 20", "postgresql") == base
    assert fingerprint("SELECT * FROM invoice WHERE customer_id = :c LIMIT :n", "postgresql") == base
    assert fingerprint("SELECT * FROM invoice WHERE customer_id = :c", "postgresql") != base
    assert fingerprint("SELECT * FROM invoice WHERE total = :c LIMIT :n", "postgresql") != base
    assert fingerprint("SELECT * FROM t WHERE a IN (1, 2)", "postgresql") == fingerprint(
        "SELECT * FROM t WHERE a IN ($1,$2,$3)", "postgresql"
    )
    assert len(base) == 16
