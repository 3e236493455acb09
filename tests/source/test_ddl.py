"""``schema_from_ddl``: schema artifacts from DDL scripts and dumps, no database needed.

The Chinook scripts are read in all three dialects and must give the same
facts; small fixtures in ``data/ddl`` imitate real dumps (mysqldump,
pg_dump, sqlite3 .dump); the rest are short inline scripts.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest

from sql2dynamo.common.errors import InputError, UnsupportedError, UsageError
from sql2dynamo.source.ddl.read import schema_from_ddl
from sql2dynamo.source.model import Schema, Table, is_self_referencing, schema_from_dict, schema_to_dict
from sql2dynamo.source.types import TypeMapper, parse_cast_rules
from tests.helpers.data import CHINOOK, DDL_DUMPS

CHINOOK_SCRIPTS = {
    "mysql": "Chinook_MySql.sql",
    "postgresql": "Chinook_PostgreSql.sql",
    "sqlite": "Chinook_Sqlite.sql",
}
DIALECTS = list(CHINOOK_SCRIPTS)
_parsed: dict[str, Schema] = {}


def chinook(dialect: str) -> Schema:
    """Each Chinook script parsed once per test session."""
    if dialect not in _parsed:
        _parsed[dialect] = schema_from_ddl(CHINOOK / CHINOOK_SCRIPTS[dialect], dialect)
    return _parsed[dialect]


def snake(name: str) -> str:
    """Chinook's MySQL/SQLite PascalCase name in the PostgreSQL script's snake_case."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def ddl(tmp_path: Path, sql: str, dialect: str, **kwargs: object) -> Schema:
    path = tmp_path / "schema.sql"
    path.write_text(sql, encoding="utf-8")
    return schema_from_ddl(path, dialect, **kwargs)  # type: ignore[arg-type]


# --- Chinook, three dialects -------------------------------------------------------------------

CHINOOK_FKS = {
    ("album", ("artist_id",), "artist", ("artist_id",)),
    ("customer", ("support_rep_id",), "employee", ("employee_id",)),
    ("employee", ("reports_to",), "employee", ("employee_id",)),
    ("invoice", ("customer_id",), "customer", ("customer_id",)),
    ("invoice_line", ("invoice_id",), "invoice", ("invoice_id",)),
    ("invoice_line", ("track_id",), "track", ("track_id",)),
    ("playlist_track", ("playlist_id",), "playlist", ("playlist_id",)),
    ("playlist_track", ("track_id",), "track", ("track_id",)),
    ("track", ("album_id",), "album", ("album_id",)),
    ("track", ("genre_id",), "genre", ("genre_id",)),
    ("track", ("media_type_id",), "media_type", ("media_type_id",)),
}


@pytest.mark.parametrize("dialect", DIALECTS)
def test_chinook_tables_keep_the_scripts_spelling(dialect: str) -> None:
    schema = chinook(dialect)
    names = [t.name for t in schema.tables]
    expected = ["Album", "Artist", "Customer", "Employee", "Genre", "Invoice", "InvoiceLine", "MediaType"]
    expected += ["Playlist", "PlaylistTrack", "Track"]
    if dialect == "postgresql":
        expected = sorted(snake(n) for n in expected)
    assert names == expected  # sorted by name
    assert len(names) == 11


@pytest.mark.parametrize("dialect", DIALECTS)
def test_chinook_playlist_track_has_a_composite_primary_key(dialect: str) -> None:
    schema = chinook(dialect)
    if dialect == "postgresql":
        assert schema.table("playlist_track").primary_key == ("playlist_id", "track_id")
    else:
        assert schema.table("PlaylistTrack").primary_key == ("PlaylistId", "TrackId")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_chinook_reports_to_is_a_self_referencing_foreign_key(dialect: str) -> None:
    schema = chinook(dialect)
    pg = dialect == "postgresql"
    employee = schema.table("employee" if pg else "Employee")
    (fk,) = [fk for fk in employee.foreign_keys if fk.columns == (("reports_to",) if pg else ("ReportsTo",))]
    assert fk.referred_table == employee.name
    assert fk.referred_columns == (("employee_id",) if pg else ("EmployeeId",))
    assert is_self_referencing(employee, fk)
    (as_json,) = [t for t in schema_to_dict(schema)["tables"] if t["name"] == employee.name]
    assert as_json["foreign_keys"][0]["self_referencing"] is True


@pytest.mark.parametrize("dialect", DIALECTS)
def test_chinook_foreign_keys_are_all_found(dialect: str) -> None:
    schema = chinook(dialect)
    found = {
        (
            snake(t.name),
            tuple(map(snake, fk.columns)),
            snake(fk.referred_table),
            tuple(map(snake, fk.referred_columns)),
        )
        for t in schema.tables
        for fk in t.foreign_keys
    }
    assert found == CHINOOK_FKS
    assert sum(len(t.foreign_keys) for t in schema.tables) == 11
    # Chinook writes ON DELETE/UPDATE NO ACTION: the default, recorded as None like a live catalog.
    assert all(fk.on_delete is None and fk.on_update is None for t in schema.tables for fk in t.foreign_keys)


def _column_facts(schema: Schema) -> dict[tuple[str, str], tuple[object, ...]]:
    return {
        (snake(t.name), snake(c.name)): (c.normalized_type, c.length, c.precision, c.scale, c.nullable)
        for t in schema.tables
        for c in t.columns
    }


def test_chinook_normalized_types_are_identical_across_dialects() -> None:
    mysql, pg, sqlite = (_column_facts(chinook(d)) for d in DIALECTS)
    assert mysql == pg == sqlite
    assert len(mysql) == 64
    assert mysql[("invoice", "total")] == ("decimal", None, 10, 2, False)
    assert mysql[("invoice", "invoice_date")] == ("datetime", None, None, None, False)
    assert mysql[("employee", "birth_date")] == ("datetime", None, None, None, True)
    assert mysql[("artist", "name")] == ("string", 120, None, None, True)
    assert mysql[("track", "name")] == ("string", 200, None, None, False)
    assert mysql[("track", "milliseconds")] == ("integer", None, None, None, False)


@pytest.mark.parametrize(
    ("dialect", "table", "column", "source_type", "rule"),
    [
        ("mysql", "Invoice", "Total", "numeric(10,2)", "decimal"),
        ("mysql", "Artist", "Name", "nvarchar(120)", "string"),
        ("mysql", "Invoice", "InvoiceDate", "datetime", "datetime"),
        ("mysql", "Track", "TrackId", "int", "integer"),
        ("postgresql", "invoice", "total", "numeric(10,2)", "decimal"),
        ("postgresql", "artist", "name", "varchar(120)", "string"),
        ("postgresql", "invoice", "invoice_date", "timestamp", "datetime"),
        ("sqlite", "Invoice", "Total", "numeric(10,2)", "decimal"),
        ("sqlite", "Track", "TrackId", "integer", "integer"),
    ],
)
def test_chinook_source_types_are_kept_as_written(
    dialect: str, table: str, column: str, source_type: str, rule: str
) -> None:
    col = chinook(dialect).table(table).column(column)
    assert (col.source_type, col.type_rule) == (source_type, rule)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_chinook_source_info_and_unknown_statistics(dialect: str) -> None:
    schema = chinook(dialect)
    assert schema.statistics == "unknown"
    assert schema.source.dialect == dialect
    assert schema.source.ddl_file == CHINOOK_SCRIPTS[dialect]
    assert (schema.source.url, schema.source.database) == (None, None)
    # As the live reader: PostgreSQL's current_schema(), no schema elsewhere.
    assert {t.schema for t in schema.tables} == {"public" if dialect == "postgresql" else None}
    assert all(t.stats is None and all(c.stats is None for c in t.columns) for t in schema.tables)
    assert all(fk.fanout is None for t in schema.tables for fk in t.foreign_keys)
    assert schema.attention == ()


@pytest.mark.parametrize("dialect", DIALECTS)
def test_chinook_indexes_and_autoincrement(dialect: str) -> None:
    schema = chinook(dialect)
    assert sum(len(t.indexes) for t in schema.tables) == 11
    assert all(len(i.columns) == 1 for t in schema.tables for i in t.indexes)
    auto = {(t.name, c.name) for t in schema.tables for c in t.columns if c.autoincrement}
    if dialect == "sqlite":  # PRIMARY KEY ([AlbumId]) on an INTEGER column: SQLite's rowid, as live.py reads it
        assert auto == {(t.name, t.primary_key[0]) for t in schema.tables if len(t.primary_key) == 1}
        assert len(auto) == 10
    else:
        assert auto == set()


@pytest.mark.parametrize("dialect", DIALECTS)
def test_chinook_schema_round_trips_through_json(dialect: str) -> None:
    schema = chinook(dialect)
    assert schema_from_dict(schema_to_dict(schema)) == schema


# --- dump fixtures ------------------------------------------------------------------------------


def test_mysqldump_enum_set_keys_and_attention() -> None:
    schema = schema_from_ddl(DDL_DUMPS / "mysqldump.sql", "mariadb")
    assert schema.source.dialect == "mysql"
    assert [t.name for t in schema.tables] == ["audit_log", "customer", "order"]  # view stand-in dropped
    customer = schema.table("customer")
    status = customer.column("status")
    assert (status.source_type, status.normalized_type) == ("enum('active','Suspended','it''s')", "enum")
    assert status.enum_values == ("active", "Suspended", "it's")
    assert status.default == "'active'"
    tags = customer.column("tags")
    assert (tags.normalized_type, tags.enum_values, tags.default) == ("set", ("a", "b", "c"), None)
    assert customer.column("id").autoincrement and customer.column("id").source_type == "int unsigned"
    assert customer.column("email").source_type == "varchar(120)"  # CHARACTER SET / COLLATE are not the type
    assert customer.column("is_vip").normalized_type == "boolean"
    assert customer.column("created_at").default == "CURRENT_TIMESTAMP"
    assert customer.column("select").normalized_type == "string"
    assert customer.column("balance").source_type == "decimal(12,2) unsigned"
    assert customer.comment == "shop customers"
    assert [(u.name, u.columns, u.origin) for u in customer.unique_constraints] == [
        ("uq_email", ("email",), "constraint")
    ]
    assert [(i.name, i.columns) for i in customer.indexes] == [
        ("ix_status_created", ("status", "created_at")),
        ("ft_select", ("select",)),
    ]
    assert [(c.name, c.sqltext) for c in customer.check_constraints] == [("ck_balance", "(`balance` >= 0)")]
    order = schema.table("order")
    fks = {fk.name: fk for fk in order.foreign_keys}
    assert (fks["fk_order_customer"].referred_table, fks["fk_order_customer"].on_delete) == (
        "customer",
        "CASCADE",
    )
    parent = fks["fk_order_parent"]
    assert (parent.on_delete, parent.on_update) == ("SET NULL", "RESTRICT")
    assert is_self_referencing(order, parent)
    attention = {(a.kind, a.name, a.table) for a in schema.attention}
    assert attention == {
        ("trigger", "customer_audit", "customer"),
        ("routine", "close_account", None),
        ("view", "vip_customers", None),
        ("table", "audit_log", "audit_log"),
        ("column", "email_domain", "customer"),
    }


def test_pg_dump_types_identity_and_odd_names() -> None:
    schema = schema_from_ddl(DDL_DUMPS / "pg_dump.sql", "postgres")
    assert schema.source.dialect == "postgresql"
    assert [t.name for t in schema.tables] == ["Order Items", "orders"]
    items = schema.table("Order Items")
    assert items.schema == "public"
    assert items.foreign_keys[0].referred_schema is None  # same schema as the table
    assert [c.name for c in items.columns][:4] == ["id", "orderId", 'weird"name', "Mood"]
    mood = items.column("Mood")
    assert (mood.normalized_type, mood.type_rule, mood.enum_values) == (
        "enum",
        "enum-type",
        ("sad", "ok", "Happy"),
    )
    assert mood.default == "'ok'::public.mood"
    assert items.column("zip").normalized_type == "string"  # a domain over text
    assert items.column("flags").source_type == "bit varying(8)"
    assert items.column("tags").normalized_type == "array"
    assert items.column("created").normalized_type == "datetime_tz"
    ident = items.column("id")  # serial, pg_dump style: a sequence and SET DEFAULT nextval
    assert ident.autoincrement and ident.default == "nextval('public.\"Order Items_id_seq\"'::regclass)"
    assert schema.table("orders").column("id").autoincrement  # ADD GENERATED ALWAYS AS IDENTITY
    assert items.primary_key == ("id",)
    assert [(u.name, u.columns, u.origin) for u in items.unique_constraints] == [
        ("Order Items_orderId_weird_idx", ("orderId", 'weird"name'), "index")
    ]
    assert [(u.columns, u.origin) for u in schema.table("orders").unique_constraints] == [
        (("customer_email",), "constraint")
    ]
    assert [(i.name, i.columns) for i in items.indexes] == [("order_items_created_idx", ("created",))]
    assert [c.sqltext for c in items.check_constraints] == ["(price >= (0)::numeric)"]
    (fk,) = items.foreign_keys
    assert (fk.columns, fk.referred_table, fk.referred_columns, fk.on_delete) == (
        ("orderId",),
        "orders",
        ("id",),
        "CASCADE",
    )
    kinds = {(a.kind, a.name) for a in schema.attention}
    assert kinds == {
        ("routine", "touch_updated_at"),
        ("view", "big_orders"),
        ("view", "daily_totals"),
        ("trigger", "order_items_touch"),
        ("sequence", "invoice_numbers"),  # the serial's own sequence is not flagged
    }
    assert any("lower_idx" in n and "expression" in n for n in schema.notes)


def test_sqlite_dump_rowid_alias_brackets_and_triggers() -> None:
    schema = schema_from_ddl(DDL_DUMPS / "sqlite_dump.sql", "sqlite")
    assert [t.name for t in schema.tables] == ["Order Items", "counters", "kv", "users"]  # no sqlite_sequence
    users = schema.table("users")
    assert users.column("id").autoincrement  # INTEGER PRIMARY KEY: the rowid alias
    assert schema.table("counters").column("id").autoincrement  # AUTOINCREMENT
    assert users.column("e-mail").nullable is False
    assert users.column("nick").source_type == "varying character(30)"
    assert users.column("score").normalized_type == "integer"  # UNSIGNED BIG INT: INTEGER affinity
    assert (users.column("blob_thing").source_type, users.column("blob_thing").normalized_type) == (
        "",
        "binary",
    )
    assert users.column("ratio").normalized_type == "decimal"
    assert {(u.columns, u.origin) for u in users.unique_constraints} == {
        (("e-mail",), "constraint"),
        (("nick",), "index"),
    }
    assert [c.sqltext for c in users.check_constraints] == ["born > '1900-01-01'"]
    items = schema.table("Order Items")
    assert items.primary_key == ("order id", "line")
    assert not items.column("order id").autoincrement
    (fk,) = items.foreign_keys
    assert (fk.referred_table, fk.referred_columns, fk.on_delete) == ("users", ("id",), "CASCADE")
    assert items.column("qty").default == "(1)"
    assert [(i.name, i.columns) for i in items.indexes] == [("items_qty", ("qty",))]
    kinds = {(a.kind, a.name, a.table) for a in schema.attention}
    assert kinds == {
        ("trigger", "users_audit", "users"),
        ("view", "active_users", None),
        ("table", "docs", "docs"),
        ("table", "kv", "kv"),
    }


# --- features, inline ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dialect", "sql", "column"),
    [
        ("mysql", "CREATE TABLE t (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY)", "id"),
        ("mysql", "CREATE TABLE t (id SERIAL, PRIMARY KEY (id))", "id"),
        ("postgresql", "CREATE TABLE t (id SERIAL PRIMARY KEY)", "id"),
        ("postgresql", "CREATE TABLE t (id BIGSERIAL PRIMARY KEY)", "id"),
        ("postgresql", "CREATE TABLE t (id smallserial PRIMARY KEY)", "id"),
        ("postgresql", "CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY)", "id"),
        (
            "postgresql",
            "CREATE TABLE t (id int GENERATED BY DEFAULT AS IDENTITY (START WITH 10), x int)",
            "id",
        ),
        ("sqlite", "CREATE TABLE t (id INTEGER PRIMARY KEY)", "id"),
        ("sqlite", "CREATE TABLE t (id integer, x text, PRIMARY KEY (id))", "id"),
        ("sqlite", "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT)", "id"),
    ],
)
def test_autoincrement_spellings(tmp_path: Path, dialect: str, sql: str, column: str) -> None:
    col = ddl(tmp_path, sql + ";", dialect).table("t").column(column)
    assert col.autoincrement
    assert col.nullable is False
    assert col.normalized_type == "integer"


@pytest.mark.parametrize(
    ("dialect", "sql"),
    [
        ("sqlite", "CREATE TABLE t (id INT PRIMARY KEY)"),  # INT is not INTEGER: no rowid alias
        ("sqlite", "CREATE TABLE t (id INTEGER, k INTEGER, PRIMARY KEY (id, k))"),  # composite: no rowid
        ("postgresql", "CREATE TABLE t (id int PRIMARY KEY)"),
        ("mysql", "CREATE TABLE t (id int PRIMARY KEY)"),
    ],
)
def test_plain_keys_are_not_autoincrement(tmp_path: Path, dialect: str, sql: str) -> None:
    assert not ddl(tmp_path, sql + ";", dialect).table("t").column("id").autoincrement


@pytest.mark.parametrize("dialect", DIALECTS)
def test_inline_and_table_constraints_give_the_same_facts(tmp_path: Path, dialect: str) -> None:
    parent = "CREATE TABLE p (a int NOT NULL, b int NOT NULL, PRIMARY KEY (a, b));\n"
    inline = parent + (
        "CREATE TABLE c (id int PRIMARY KEY, code varchar(5) UNIQUE,"
        " pa int REFERENCES p (a) ON DELETE CASCADE, n int CHECK (n > 0));"
    )
    table_level = parent + (
        "CREATE TABLE c (id int, code varchar(5), pa int, n int, PRIMARY KEY (id), UNIQUE (code),"
        " FOREIGN KEY (pa) REFERENCES p (a) ON DELETE CASCADE, CHECK (n > 0));"
    )
    altered = parent + (
        "CREATE TABLE c (id int NOT NULL, code varchar(5), pa int, n int);\n"
        "ALTER TABLE c ADD CONSTRAINT c_pk PRIMARY KEY (id);\n"
        "ALTER TABLE c ADD CONSTRAINT c_code UNIQUE (code);\n"
        "ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (pa) REFERENCES p (a) ON DELETE CASCADE;\n"
        "ALTER TABLE c ADD CONSTRAINT c_ck CHECK (n > 0);"
    )
    scripts = [inline, table_level] if dialect == "sqlite" else [inline, table_level, altered]

    def facts(table: Table) -> tuple[tuple[object, ...], ...]:
        return (
            table.primary_key,
            tuple((c.name, c.nullable) for c in table.columns),
            tuple(u.columns for u in table.unique_constraints),
            tuple((fk.columns, fk.referred_table, fk.referred_columns, fk.on_delete) for fk in table.foreign_keys),
            tuple(c.sqltext for c in table.check_constraints),
        )

    results = {facts(ddl(tmp_path, sql, dialect).table("c")) for sql in scripts}
    assert len(results) == 1
    (result,) = results
    assert result[0] == ("id",)
    assert result[1][0] == ("id", False)
    assert result[3] == ((("pa",), "p", ("a",), "CASCADE"),)
    assert result[4] == ("n > 0",)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_unique_index_versus_unique_constraint(tmp_path: Path, dialect: str) -> None:
    sql = (
        "CREATE TABLE t (id int PRIMARY KEY, a int, b int, c int, CONSTRAINT t_a_key UNIQUE (a));\n"
        "CREATE UNIQUE INDEX t_b_idx ON t (b);\n"
        "CREATE INDEX t_c_idx ON t (c, b);\n"
    )
    table = ddl(tmp_path, sql, dialect).table("t")
    assert [(u.name, u.columns, u.origin) for u in table.unique_constraints] == [
        ("t_a_key", ("a",), "constraint"),
        ("t_b_idx", ("b",), "index"),
    ]
    assert [(i.name, i.columns) for i in table.indexes] == [("t_c_idx", ("c", "b"))]


def test_mysql_inline_keys_and_phpmyadmin_alters(tmp_path: Path) -> None:
    sql = """
CREATE TABLE `t` (`id` int(11) NOT NULL, `name` varchar(20) NOT NULL, `p` int(11) DEFAULT NULL,
  KEY (`p`), INDEX `ix_name` USING BTREE (`name`(10)));
ALTER TABLE `t` ADD PRIMARY KEY (`id`), ADD UNIQUE KEY `u` (`name`);
ALTER TABLE `t` MODIFY `id` int(11) NOT NULL AUTO_INCREMENT, AUTO_INCREMENT=5;
ALTER TABLE `t` ADD CONSTRAINT `fk_parent` FOREIGN KEY (`p`) REFERENCES `t` (`id`);
CREATE INDEX i2 USING BTREE ON t (name, p);
"""
    table = ddl(tmp_path, sql, "mysql").table("t")
    assert table.primary_key == ("id",)
    assert table.column("id").autoincrement
    assert [(i.name, i.columns) for i in table.indexes] == [
        (None, ("p",)),
        ("ix_name", ("name",)),
        ("i2", ("name", "p")),
    ]
    assert [(u.name, u.columns) for u in table.unique_constraints] == [("u", ("name",))]
    assert [fk.name for fk in table.foreign_keys] == ["fk_parent"]


def test_postgres_enum_type_and_alter_column(tmp_path: Path) -> None:
    sql = """
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE person (id integer NOT NULL, current_mood mood, moods mood[]);
ALTER TABLE person ADD COLUMN nick text DEFAULT 'x' NOT NULL, ADD PRIMARY KEY (id);
ALTER TABLE person ALTER COLUMN nick DROP NOT NULL;
ALTER TABLE person RENAME COLUMN nick TO alias;
"""
    table = ddl(tmp_path, sql, "postgresql").table("person")
    mood = table.column("current_mood")
    assert (mood.source_type, mood.normalized_type, mood.enum_values) == (
        "mood",
        "enum",
        ("sad", "ok", "happy"),
    )
    assert table.column("moods").normalized_type == "array"
    alias = table.column("alias")
    assert (alias.nullable, alias.default) == (True, "'x'")
    assert table.primary_key == ("id",)


def test_views_triggers_routines_need_attention(tmp_path: Path) -> None:
    sql = """
CREATE TABLE t (id int PRIMARY KEY);
CREATE OR REPLACE VIEW v AS SELECT id FROM t;
CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $body$ BEGIN RETURN NEW; END; $body$;
CREATE PROCEDURE p() LANGUAGE sql AS $$ DELETE FROM t; $$;
CREATE OR REPLACE PROCEDURE p(n int) LANGUAGE sql AS $$ DELETE FROM t WHERE id = n; $$;
CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();
"""
    schema = ddl(tmp_path, sql, "postgresql")
    by_name = {a.name: a for a in schema.attention}
    assert [a.name for a in schema.attention] == ["v", "f", "p", "tr"]  # file order, overloads once
    assert by_name["v"].kind == "view" and "no data of its own" in by_name["v"].reason
    assert by_name["tr"].kind == "trigger" and by_name["tr"].table == "t"
    assert "application or to DynamoDB Streams" in by_name["tr"].reason
    assert by_name["f"].kind == by_name["p"].kind == "routine"
    assert [t.name for t in schema.tables] == ["t"]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_table_without_primary_key_is_attention_not_error(tmp_path: Path, dialect: str) -> None:
    schema = ddl(tmp_path, "CREATE TABLE log (at varchar(30) NOT NULL UNIQUE, msg text);", dialect)
    assert schema.table("log").primary_key == ()
    (attention,) = schema.attention
    assert (attention.kind, attention.name, attention.table) == ("table", "log", "log")
    assert "no primary key" in attention.reason and "(at)" in attention.reason


@pytest.mark.parametrize(
    ("dialect", "sql", "table", "columns"),
    [
        ("postgresql", 'CREATE TABLE "Order Items" ("weird""name" int, "Select" text, "MixedCase" int);',
         "Order Items", ['weird"name', "Select", "MixedCase"]),
        ("postgresql", "CREATE TABLE Album (AlbumId int, Title text);", "album", ["albumid", "title"]),
        ("mysql", "CREATE TABLE `select` (`from` int, `we``ird` int, `Mixed Case` int);",
         "select", ["from", "we`ird", "Mixed Case"]),
        ("sqlite", 'CREATE TABLE [Order Items] ([order id] int, `select` int, "we""ird" int, MixedCase int);',
         "Order Items", ["order id", "select", 'we"ird', "MixedCase"]),
    ],
)  # fmt: skip
def test_odd_identifiers_survive_exactly(
    tmp_path: Path, dialect: str, sql: str, table: str, columns: list[str]
) -> None:
    schema = ddl(tmp_path, sql, dialect)
    assert [c.name for c in schema.table(table).columns] == columns


def test_references_without_columns_use_the_referred_primary_key(tmp_path: Path) -> None:
    sql = (
        "CREATE TABLE a (x int, y int, PRIMARY KEY (x, y));"
        " CREATE TABLE b (p int, q int, FOREIGN KEY (p, q) REFERENCES a);"
    )
    (fk,) = ddl(tmp_path, sql, "sqlite").table("b").foreign_keys
    assert (fk.referred_table, fk.referred_columns) == ("a", ("x", "y"))


# --- errors -------------------------------------------------------------------------------------


def test_an_unknown_type_is_read_through_the_text_cast_and_said_under_attention(tmp_path: Path) -> None:
    sql = "CREATE TABLE geo (id int PRIMARY KEY, p point, doc tsvector);"
    schema = ddl(tmp_path, sql, "postgresql")
    table = schema.table("geo")
    assert [table.column(c).normalized_type for c in ("p", "doc")] == ["string", "string"]
    flagged = {a.name for a in schema.attention if a.kind == "column" and "text" in a.reason}
    assert flagged == {"geo.p", "geo.doc"}


def test_unsupported_type_with_strict_types_names_the_column_and_the_fix(tmp_path: Path) -> None:
    sql = "CREATE TABLE geo (id int PRIMARY KEY, p point, doc tsvector);"
    with pytest.raises(UnsupportedError) as caught:
        ddl(tmp_path, sql, "postgresql", type_mapper=TypeMapper(strict=True))
    err = caught.value
    assert err.exit_code == 4
    assert "'point'" in err.message and "geo.p" in err.message and "geo.doc tsvector" in err.message
    assert err.hint == "add --cast 'point=string' (or json, binary) or --exclude geo"
    assert (err.context.table, err.context.column) == ("geo", "p")
    assert "\n" not in err.one_line()


def test_cast_rule_makes_an_unsupported_type_pass(tmp_path: Path) -> None:
    sql = "CREATE TABLE geo (id int PRIMARY KEY, p point, doc tsvector);"
    mapper = TypeMapper(parse_cast_rules(["point=string", "tsvector=json"]))
    table = ddl(tmp_path, sql, "postgresql", type_mapper=mapper).table("geo")
    assert (table.column("p").normalized_type, table.column("p").type_rule) == ("string", "user:point=string")
    assert table.column("doc").normalized_type == "json"


def test_excluded_tables_are_skipped_with_their_statements(tmp_path: Path) -> None:
    sql = """
CREATE TABLE geo (id int PRIMARY KEY, p point);
CREATE INDEX geo_p ON geo (p);
ALTER TABLE geo ADD COLUMN q int;
CREATE TRIGGER geo_tr AFTER INSERT ON geo FOR EACH ROW EXECUTE FUNCTION f();
CREATE TABLE city (id int PRIMARY KEY, geo_id int REFERENCES geo (id));
"""
    schema = ddl(tmp_path, sql, "postgresql", exclude=frozenset({"GEO"}))
    assert [t.name for t in schema.tables] == ["city"]
    assert schema.attention == () and schema.notes == ()
    assert schema.table("city").foreign_keys[0].referred_table == "geo"  # kept: the caller decides


def test_unparseable_statement_reports_file_line_and_excerpt(tmp_path: Path) -> None:
    sql = (
        "-- a comment; with a semicolon\n"
        "INSERT INTO x VALUES ('multi\nline; text');\n"
        "/* CREATE TABLE nope (a int,, b int); */\n"
        "CREATE TABLE ok (a int);\n"
        "\n"
        "CREATE TABLE broken (\n  a int,,\n  b int\n);\n"
    )
    with pytest.raises(InputError) as caught:
        ddl(tmp_path, sql, "postgresql")
    message = caught.value.one_line()
    assert message.startswith("schema.sql:7: cannot read CREATE TABLE:")  # the string spans lines 2-3
    assert "[CREATE TABLE broken ( a int,, b int )]" in message
    assert caught.value.context.extra["line"] == 7


@pytest.mark.parametrize(
    ("dialect", "sql", "line", "detail"),
    [
        ("mysql", "CREATE TABLE a (x int);\nCREATE TABLE t (id int PRIMARY KEY (;", 2, "unclosed '('"),
        ("sqlite", "CREATE TABLE a (x int);\n\nCREATE TABLE t (id int DEFAULT 'abc);", 3, "unterminated"),
        ("postgresql", "CREATE TABLE t;", 1, "expected the column list"),
        ("mysql", "CREATE TABLE t (id PRIMARY KEY);", 1, "has no type"),
        ("postgresql", "CREATE TABLE t (a int, PRIMARY KEY (b));", 1, "has no column 'b'"),
        (
            "postgresql",
            "CREATE TABLE t (a int PRIMARY KEY, b int PRIMARY KEY);",
            1,
            "more than one primary key",
        ),
        (
            "postgresql",
            "CREATE TABLE t (a int);\nALTER TABLE t ADD CONSTRAINT x FOREIGN KEY (a);",
            2,
            "REFERENCES",
        ),
        ("mysql", "CREATE TABLE t (a int);\nCREATE INDEX i t (a);", 2, "expected ON"),
    ],
)
def test_statements_that_cannot_be_read(tmp_path: Path, dialect: str, sql: str, line: int, detail: str) -> None:
    with pytest.raises(InputError) as caught:
        ddl(tmp_path, sql, dialect)
    assert caught.value.one_line().startswith(f"schema.sql:{line}: cannot read")
    assert detail in caught.value.message


@pytest.mark.parametrize(
    "sql",
    ["", "-- nothing here\n", "INSERT INTO t VALUES (1);\nSET NAMES utf8;\nCREATE VIEW v AS SELECT 1;\n"],
)
def test_a_file_without_create_table_is_an_input_error(tmp_path: Path, sql: str) -> None:
    with pytest.raises(InputError, match=r"^no CREATE TABLE statements in schema\.sql$"):
        ddl(tmp_path, sql, "mysql")


def test_missing_file_and_unknown_dialect(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        schema_from_ddl(tmp_path / "nope.sql", "mysql")
    with pytest.raises(InputError, match="cannot read DDL file"):
        schema_from_ddl(tmp_path, "mysql")
    (tmp_path / "latin1.sql").write_bytes(b"CREATE TABLE caf\xe9 (a int);")
    with pytest.raises(InputError, match="not UTF-8"):
        schema_from_ddl(tmp_path / "latin1.sql", "mysql")
    with pytest.raises(UsageError):
        ddl(tmp_path, "CREATE TABLE t (a int);", "oracle")


# --- dumps: what is skipped ---------------------------------------------------------------------


def test_non_ddl_statements_are_skipped(tmp_path: Path) -> None:
    sql = r"""
DROP DATABASE IF EXISTS shop;
CREATE DATABASE shop;
\c shop
SET search_path = public;
BEGIN;
CREATE TABLE t (id int PRIMARY KEY, body text);
INSERT INTO t VALUES (1, 'CREATE TABLE fake (x int); '' -- not a comment');
INSERT INTO t VALUES (2, E'escaped \' quote; CREATE TABLE fake2 (x int);');
INSERT INTO t VALUES (3, $q$ dollar; CREATE TABLE fake3 (x int); $q$);
COPY t (id, body) FROM stdin;
4	CREATE TABLE fake4 (x int); 'unbalanced
\.
COMMIT;
DROP TABLE IF EXISTS gone;
CREATE TABLE u (id int PRIMARY KEY);
"""
    schema = ddl(tmp_path, sql, "postgresql")
    assert [t.name for t in schema.tables] == ["t", "u"]


def test_mysql_delimiters_and_backslash_strings(tmp_path: Path) -> None:
    sql = r"""
USE shop;
INSERT INTO t VALUES ('it\'s; CREATE TABLE fake (x int);', "double \" quote;");
# a hash comment; CREATE TABLE fake2 (x int);
DELIMITER $$
CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END$$
DELIMITER ;
CREATE TABLE `t` (`id` int PRIMARY KEY);
"""
    schema = ddl(tmp_path, sql, "mysql")
    assert [t.name for t in schema.tables] == ["t"]
    assert [(a.kind, a.name) for a in schema.attention] == [("routine", "p")]


# --- other table forms --------------------------------------------------------------------------


def test_sequences_used_by_a_default_need_no_attention(tmp_path: Path) -> None:
    sql = """
CREATE SEQUENCE "Ticket Seq";
CREATE SEQUENCE spare_seq;
CREATE TABLE ticket (id bigint DEFAULT nextval('"Ticket Seq"'::regclass) PRIMARY KEY);
"""
    schema = ddl(tmp_path, sql, "postgresql")
    assert schema.table("ticket").column("id").autoincrement
    assert [(a.kind, a.name) for a in schema.attention] == [("sequence", "spare_seq")]


def test_create_table_variants(tmp_path: Path) -> None:
    pg = """
CREATE TABLE parent (id int PRIMARY KEY, name text DEFAULT 'x');
CREATE TABLE copy_all (LIKE parent INCLUDING ALL, extra int);
CREATE TABLE child (extra int) INHERITS (parent);
CREATE TABLE parent_2024 PARTITION OF parent FOR VALUES FROM (1) TO (10);
CREATE TABLE snapshot AS SELECT * FROM parent;
CREATE TEMPORARY TABLE scratch (a int);
CREATE UNLOGGED TABLE IF NOT EXISTS fast (id int PRIMARY KEY);
COMMENT ON TABLE parent IS 'the parent';
"""
    schema = ddl(tmp_path, pg, "postgresql")
    assert [t.name for t in schema.tables] == ["child", "copy_all", "fast", "parent"]
    copy_all = schema.table("copy_all")
    assert [c.name for c in copy_all.columns] == ["id", "name", "extra"]
    assert copy_all.primary_key == ("id",) and copy_all.column("name").default == "'x'"
    child = schema.table("child")
    assert [c.name for c in child.columns] == ["id", "name", "extra"] and child.primary_key == ()
    assert schema.table("parent").comment == "the parent"
    assert {(a.kind, a.name) for a in schema.attention} == {("table", "snapshot"), ("table", "child")}
    assert any("partition of parent" in n for n in schema.notes)
    assert any("temporary table" in n for n in schema.notes)

    mysql = """
CREATE TABLE base (id int AUTO_INCREMENT PRIMARY KEY, v varchar(3), KEY (v));
CREATE TABLE clone LIKE base;
CREATE OR REPLACE TABLE versioned (id int PRIMARY KEY, s timestamp(6), e timestamp(6),
  PERIOD FOR SYSTEM_TIME (s, e));
"""
    schema = ddl(tmp_path, mysql, "mysql")
    clone = schema.table("clone")
    assert clone.primary_key == ("id",) and clone.column("id").autoincrement
    assert [i.columns for i in clone.indexes] == [("v",)]
    assert [c.name for c in schema.table("versioned").columns] == ["id", "s", "e"]


@pytest.mark.parametrize("fixture", ["mysqldump.sql", "pg_dump.sql", "sqlite_dump.sql"])
def test_truncated_statements_fail_cleanly(tmp_path: Path, fixture: str) -> None:
    """A statement cut anywhere gives a schema or one of our errors, never a crash."""
    dialect = {"mysqldump.sql": "mysql", "pg_dump.sql": "postgresql", "sqlite_dump.sql": "sqlite"}[fixture]
    statements = re.findall(r"(?ms)^CREATE TABLE.*?;$", (DDL_DUMPS / fixture).read_text(encoding="utf-8"))
    assert statements
    for statement in statements:
        for cut in range(13, len(statement), max(1, len(statement) // 25)):
            with contextlib.suppress(InputError):  # UnsupportedError is an InputError too
                ddl(tmp_path, statement[:cut] + ";\n", dialect)


def test_postgres_schemas(tmp_path: Path) -> None:
    sql = """
CREATE SCHEMA sales;
CREATE TABLE customer (id int PRIMARY KEY);
CREATE TABLE sales.invoice (id int PRIMARY KEY, customer_id int REFERENCES public.customer (id));
CREATE TABLE sales.line (invoice_id int REFERENCES sales.invoice, n int, PRIMARY KEY (invoice_id, n));
ALTER TABLE ONLY sales.line ADD CONSTRAINT line_n_check CHECK (n > 0);
"""
    schema = ddl(tmp_path, sql, "postgresql")
    assert [(t.schema, t.name) for t in schema.tables] == [
        ("public", "customer"),
        ("sales", "invoice"),
        ("sales", "line"),
    ]
    assert schema.table("invoice").foreign_keys[0].referred_schema == "public"
    line_fk = schema.table("line").foreign_keys[0]
    assert (line_fk.referred_schema, line_fk.referred_columns) == (None, ("id",))
    assert is_self_referencing(schema.table("invoice"), schema.table("invoice").foreign_keys[0]) is False
    assert [c.name for c in schema.table("line").check_constraints] == ["line_n_check"]
