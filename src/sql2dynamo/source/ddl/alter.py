"""Statements that change tables after ``CREATE TABLE``: ALTER TABLE, CREATE INDEX, COMMENT ON;
and the PostgreSQL types (enums, domains) that columns may use.

pg_dump declares every key with ``ALTER TABLE ONLY ... ADD CONSTRAINT`` and
every serial column's default with ``ALTER COLUMN ... SET DEFAULT nextval``;
phpMyAdmin exports add keys and AUTO_INCREMENT with ``ALTER TABLE ... ADD
PRIMARY KEY`` / ``MODIFY``.  Actions that carry no fact for the schema (OWNER
TO, ENABLE TRIGGER, AUTO_INCREMENT=5, ...) are stepped over.
"""

from __future__ import annotations

from sql2dynamo.source.ddl.draft import Catalog, ColumnDraft, TableDraft
from sql2dynamo.source.ddl.tables import (
    DEFAULT_END,
    is_table_constraint,
    read_column,
    read_expression,
    read_table_constraint,
    read_type,
)
from sql2dynamo.source.ddl.tokens import Cursor, DdlSyntaxError
from sql2dynamo.source.model import Index, UniqueConstraint


def _target(cur: Cursor, catalog: Catalog, line: int, what: str) -> TableDraft | None:
    """The table a statement changes; None (with a note unless excluded) when the file lacks it."""
    schema, name = cur.qualified_name()
    table = catalog.find(schema, name)
    if table is None and not catalog.excluded(catalog.schema_key(schema), name):
        catalog.notes.append(f"line {line}: {what} on {name}, which the file does not create: ignored")
    return table


def alter_table(cur: Cursor, catalog: Catalog, line: int) -> None:
    """Apply ``ALTER TABLE [IF EXISTS] [ONLY] name action[, action...]``."""
    cur.take("ALTER", "TABLE")
    cur.take("IF", "EXISTS")
    cur.take("ONLY")
    table = _target(cur, catalog, line, "ALTER TABLE")
    if table is None:
        return
    if cur.punct() == "*":
        cur.skip()
    for a, b in cur.items(cur.i, cur.stop):
        _action(cur.sub(a, b), table, catalog, line)
    table.resolve_columns(catalog.loose)


def _action(cur: Cursor, table: TableDraft, catalog: Catalog, line: int) -> None:
    loose = catalog.loose
    if cur.take("ADD"):
        if is_table_constraint(cur, catalog.dialect):
            read_table_constraint(cur, table, catalog, line)
            return
        cur.take("COLUMN")
        cur.take("IF", "NOT", "EXISTS")
        if cur.punct() == "(":  # MySQL: ADD (a int, b int)
            start, stop = cur.group()
            for a, b in cur.items(start, stop):
                table.add_column(read_column(cur.sub(a, b), table, catalog), loose)
        else:
            table.add_column(read_column(cur, table, catalog), loose)
    elif cur.take_any("MODIFY", "CHANGE"):
        change = cur.toks[cur.i - 1].word == "CHANGE"
        cur.take("COLUMN")
        old = cur.name() if change else None
        saved = table.primary_key
        table.primary_key = ()  # the new definition may repeat PRIMARY KEY
        new = read_column(cur, table, catalog)
        table.primary_key = table.primary_key or saved
        current = table.column(old or new.name, loose)
        if new.inline_pk or current.name in table.primary_key:
            new.nullable = False
        table.columns[table.columns.index(current)] = new
        if current.name != new.name:
            table.rename_column(current.name, new.name)
    elif cur.take("ALTER"):
        cur.take("COLUMN")
        _alter_column(cur, table.column(cur.name(), loose))
    elif cur.take("DROP"):
        _drop(cur, table, loose)
    elif cur.take("RENAME"):
        _rename(cur, table, catalog)


def _alter_column(cur: Cursor, col: ColumnDraft) -> None:
    if cur.take("SET", "DEFAULT"):
        col.default = read_expression(cur, DEFAULT_END)
        col.autoincrement = col.autoincrement or col.default.lower().startswith("nextval(")
    elif cur.take("DROP", "DEFAULT"):
        col.default = None
    elif cur.take("SET", "NOT", "NULL"):
        col.nullable = False
    elif cur.take("DROP", "NOT", "NULL"):
        col.nullable = True
    elif cur.take("ADD", "GENERATED"):
        col.autoincrement, col.nullable = True, False  # ... AS IDENTITY
    elif cur.take("SET", "DATA", "TYPE") or cur.take("TYPE"):
        col.type_text, col.type_name = read_type(cur)


def _drop(cur: Cursor, table: TableDraft, loose: bool) -> None:
    if cur.take("CONSTRAINT") or cur.take("FOREIGN", "KEY") or cur.take_any("INDEX", "KEY", "CHECK"):
        cur.take("IF", "EXISTS")
        table.drop_named(cur.name())
    elif cur.take("PRIMARY", "KEY"):
        table.primary_key, table.pk_name = (), None
    else:
        cur.take("COLUMN")
        cur.take("IF", "EXISTS")
        col = table.find(cur.name(), loose)
        if col is not None:
            table.drop_column(col.name)


def _rename(cur: Cursor, table: TableDraft, catalog: Catalog) -> None:
    if cur.take_any("TO", "AS"):
        catalog.rename_table(table, cur.qualified_name()[1])
    elif cur.take_any("CONSTRAINT", "INDEX", "KEY"):
        return
    else:
        cur.take("COLUMN")
        col = table.column(cur.name(), catalog.loose)
        if not cur.take("TO"):
            raise DdlSyntaxError(f"expected RENAME ... TO but found {cur.show()}")
        old, col.name = col.name, cur.name()
        table.rename_column(old, col.name)


def create_index(cur: Cursor, catalog: Catalog, line: int) -> None:
    """Read ``CREATE [UNIQUE] INDEX [name] ON table (columns)`` in any of the three dialects."""
    cur.take("CREATE")
    unique = cur.take("UNIQUE")
    cur.take_any("FULLTEXT", "SPATIAL")
    if not cur.take("INDEX"):
        raise DdlSyntaxError(f"expected INDEX but found {cur.show()}")
    cur.take("CONCURRENTLY")
    cur.take("IF", "NOT", "EXISTS")
    name = None if cur.word() == "ON" else cur.qualified_name()[1]
    if cur.take("USING"):  # MySQL allows the index type before ON
        cur.skip()
    if not cur.take("ON"):
        raise DdlSyntaxError(f"expected ON table but found {cur.show()}")
    cur.take("ONLY")
    table = _target(cur, catalog, line, "CREATE INDEX")
    if table is None:
        return
    if cur.take("USING"):
        cur.skip()
    cols = cur.column_list()
    if cols is None:
        catalog.notes.append(f"line {line}: index {name or ''} on {table.name} indexes an expression: not recorded")
        return
    partial = any(t.word == "WHERE" for t in cur.toks[cur.i : cur.stop])
    if unique and not partial:
        table.uniques.append(UniqueConstraint(name, cols, "index"))
    else:
        if unique:
            catalog.notes.append(
                f"line {line}: unique index {name or ''} on {table.name} is partial (WHERE): recorded as a plain index"
            )
        table.indexes.append(Index(name, cols))
    table.resolve_columns(catalog.loose)


def create_type(cur: Cursor, catalog: Catalog) -> None:
    """Remember ``CREATE TYPE name AS ENUM (...)``; other kinds of type are left to fail at use."""
    cur.take("CREATE", "TYPE")
    name = cur.qualified_name()[1]
    if cur.take("AS", "ENUM"):
        start, stop = cur.group()
        catalog.enums[name] = tuple(t.text for t in cur.toks[start:stop] if t.kind == "string")


def create_domain(cur: Cursor, catalog: Catalog) -> None:
    """Remember ``CREATE DOMAIN name [AS] type ...`` so columns of the domain classify by its base type."""
    cur.take("CREATE", "DOMAIN")
    name = cur.qualified_name()[1]
    cur.take("AS")
    catalog.domains[name] = read_type(cur)[0]


def comment_on(cur: Cursor, catalog: Catalog) -> None:
    """``COMMENT ON TABLE name IS 'text'`` becomes the table's comment."""
    cur.take("COMMENT", "ON")
    if not cur.take("TABLE"):
        return
    schema, name = cur.qualified_name()
    table = catalog.find(schema, name)
    if table is not None and cur.take("IS"):
        tok = cur.peek()
        table.comment = tok.text if tok is not None and tok.kind == "string" else None
