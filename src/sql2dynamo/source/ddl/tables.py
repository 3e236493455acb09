"""Read ``CREATE TABLE``, ``ALTER TABLE`` and ``CREATE INDEX`` statements into table drafts.

A small recursive-descent reader over sqlglot tokens (see :mod:`ddl_tokens`
for why not sqlglot's parser).  It knows the clauses that carry facts
(types, NULL-ability, defaults, keys, references, checks, indexes, identity)
and steps over the rest (storage options, collations, comments, ON CONFLICT,
DEFERRABLE...), so unusual but valid DDL still reads.
"""

from __future__ import annotations

from dataclasses import replace

from sql2dynamo.source.ddl.draft import Catalog, ColumnDraft, TableDraft
from sql2dynamo.source.ddl.tokens import Cursor, DdlSyntaxError, type_text
from sql2dynamo.source.model import Attention, CheckConstraint, ForeignKey, Index, UniqueConstraint

# Words that end a column's type and start its constraints.
_TYPE_END = frozenset(
    {
        "NOT", "NULL", "DEFAULT", "PRIMARY", "UNIQUE", "REFERENCES", "CHECK", "CONSTRAINT",
        "AUTO_INCREMENT", "AUTOINCREMENT", "GENERATED", "COLLATE", "COMMENT", "ON", "AS", "KEY",
        "INVISIBLE", "VISIBLE", "STORED", "VIRTUAL", "PERSISTENT", "CHARSET", "STORAGE",
        "COLUMN_FORMAT", "SRID", "COMPRESSION",
    }
)  # fmt: skip
# MySQL column attributes that are also type names, so they end a type only after its first word.
_TYPE_END_LATER = frozenset({"BINARY", "SERIAL", "ASCII", "UNICODE"})
# Words that end a DEFAULT expression (after its first token).
DEFAULT_END = (_TYPE_END | {"ASC", "DESC"}) - {"AS", "STORED", "VIRTUAL", "PERSISTENT", "SRID"}
_SERIAL_TYPES = frozenset({"serial", "bigserial", "smallserial", "serial2", "serial4", "serial8"})
_CONSTRAINT_WORDS = frozenset({"CONSTRAINT", "PRIMARY", "FOREIGN", "UNIQUE", "CHECK", "EXCLUDE"})
_MYSQL_INDEX_WORDS = frozenset({"KEY", "INDEX", "FULLTEXT", "SPATIAL"})


def read_type(cur: Cursor) -> tuple[str, str | None]:
    """Consume a column type; return (normalized type text, bare type name or None)."""
    first = cur.i
    while not cur.done():
        w = cur.word()
        if w in _TYPE_END or (w == "CHARACTER" and cur.word(1) == "SET"):
            break
        if cur.i > first and w in _TYPE_END_LATER:
            break
        tok = cur.peek()
        if tok is not None and tok.kind == "string" and cur.i == first:
            break  # a literal cannot start a type
        cur.skip()
    toks = cur.toks[first : cur.i]
    bare = None
    if toks and toks[-1].is_name and all(t.is_name or t.text == "." for t in toks) and toks[0].is_name:
        bare = cur.ident(toks[-1])  # public.mood -> mood
    return type_text(toks), bare


def read_expression(cur: Cursor, end_words: frozenset[str]) -> str:
    """Consume an unparenthesized expression (DEFAULT, ON UPDATE) and return its text."""
    start = cur.i
    cur.skip()  # the first token always belongs to the expression: DEFAULT NULL, DEFAULT -1
    while not cur.done() and cur.word() not in end_words and cur.punct() != ",":
        cur.skip()
    return cur.raw(start, cur.i)


def _action(cur: Cursor) -> str | None:
    """A referential action; None for NO ACTION, the default a live catalog leaves unstated."""
    if cur.take("NO", "ACTION"):
        return None
    for words in (("SET", "NULL"), ("SET", "DEFAULT")):
        if cur.take(*words):
            if cur.punct() == "(":
                cur.skip()  # PostgreSQL 15: SET NULL (column, ...)
            return " ".join(words)
    w = cur.take_any("CASCADE", "RESTRICT")
    if not w:
        raise DdlSyntaxError(f"expected a referential action but found {cur.show()}")
    return w


def read_references(cur: Cursor, catalog: Catalog, columns: tuple[str, ...], name: str | None) -> ForeignKey:
    """Consume what follows REFERENCES: table, optional columns, actions, deferrability."""
    schema, table = cur.qualified_name()
    referred: tuple[str, ...] | None = ()
    if cur.punct() == "(":
        referred = cur.column_list()
        if referred is None:
            raise DdlSyntaxError("REFERENCES lists an expression instead of columns")
    if referred and len(referred) != len(columns):
        raise DdlSyntaxError(f"foreign key {columns} refers to {len(referred)} columns")
    on_delete = on_update = None
    while not cur.done():
        if cur.take("ON", "DELETE"):
            on_delete = _action(cur)
        elif cur.take("ON", "UPDATE"):
            on_update = _action(cur)
        elif cur.take("MATCH") or cur.take("INITIALLY"):
            cur.skip()
        elif not (cur.take("NOT", "DEFERRABLE") or cur.take("DEFERRABLE")):
            break
    return ForeignKey(
        name=name,
        columns=columns,
        referred_table=table,
        referred_columns=referred or (),
        referred_schema=catalog.schema_key(schema),
        on_delete=on_delete,
        on_update=on_update,
    )


def read_column(cur: Cursor, table: TableDraft, catalog: Catalog) -> ColumnDraft:
    """Consume a column definition; column-level keys and checks go onto ``table``."""
    name = cur.name()
    first = cur.i
    text, bare = read_type(cur)
    if not text and catalog.dialect != "sqlite":
        raise DdlSyntaxError(f"column {name!r} has no type (found {cur.show()})")
    col = ColumnDraft(name=name, type_text=text, type_name=bare)
    if text.startswith(("enum(", "set(")) and catalog.dialect == "mysql":
        col.enum_values = tuple(t.text for t in cur.toks[first : cur.i] if t.kind == "string")
    if text in _SERIAL_TYPES or (text == "serial" and catalog.dialect == "mysql"):
        col.autoincrement, col.nullable = True, False
    cname: str | None = None
    while not cur.done():
        if cur.take("CONSTRAINT"):
            cname = cur.name()
            continue
        if cur.take("NOT", "NULL"):
            col.nullable = False
        elif cur.take("NULL"):
            col.nullable = True
        elif cur.take("PRIMARY", "KEY") or (catalog.dialect == "mysql" and cur.take("KEY")):
            cur.take_any("ASC", "DESC")
            table.set_primary_key((name,), cname)
            col.inline_pk, col.nullable = True, False
        elif cur.take("UNIQUE"):
            cur.take_any("KEY", "INDEX")
            table.uniques.append(UniqueConstraint(cname, (name,), "constraint"))
        elif cur.take("REFERENCES"):
            table.foreign_keys.append(read_references(cur, catalog, (name,), cname))
        elif cur.take("CHECK"):
            start, stop = cur.group()
            table.checks.append(CheckConstraint(cname, cur.raw(start, stop)))
        elif cur.take("DEFAULT"):
            default = read_expression(cur, DEFAULT_END)
            col.default = None if default.upper() == "NULL" else default
            if default.lower().startswith("nextval("):
                col.autoincrement = True
        elif cur.take_any("AUTO_INCREMENT", "AUTOINCREMENT"):
            col.autoincrement = True
        elif cur.take("GENERATED"):
            _generated(cur, col)
        elif cur.at("AS") and cur.punct(1) == "(":
            cur.take("AS")
            start, stop = cur.group()
            col.generated = cur.raw(start, stop)
        elif cur.take("ON", "UPDATE"):
            read_expression(cur, DEFAULT_END)
        elif cur.take("CHARACTER", "SET") or cur.take_any("COLLATE", "COMMENT", "CHARSET"):
            cur.skip()
        else:
            cur.skip()  # ON CONFLICT x, DEFERRABLE, VISIBLE, STORAGE DISK...: no fact for us
        cname = None
    return col


def _generated(cur: Cursor, col: ColumnDraft) -> None:
    if not cur.take("ALWAYS"):
        cur.take("BY", "DEFAULT")
        cur.take("ON", "NULL")
    cur.take("AS")
    if cur.take("IDENTITY"):
        col.autoincrement, col.nullable = True, False  # identity columns are implicitly NOT NULL
        if cur.punct() == "(":
            cur.skip()  # sequence options
    elif cur.punct() == "(":
        start, stop = cur.group()
        col.generated = cur.raw(start, stop)
        cur.take_any("STORED", "VIRTUAL", "PERSISTENT")


def _index_head(cur: Cursor) -> str | None:
    """Consume an optional index name and USING/NULLS clauses up to the column list."""
    name = None
    while not cur.done() and cur.punct() != "(":
        if cur.take("USING"):
            cur.skip()
        elif cur.take("NULLS"):
            cur.take("NOT")
            cur.take("DISTINCT")
        else:
            tok = cur.advance()
            if name is None and tok.is_name:
                name = cur.ident(tok)
    return name


def is_table_constraint(cur: Cursor, dialect: str) -> bool:
    """Whether the element at the cursor is a table constraint rather than a column."""
    w = cur.word()
    return w in _CONSTRAINT_WORDS or (dialect == "mysql" and w in _MYSQL_INDEX_WORDS)


def read_table_constraint(cur: Cursor, table: TableDraft, catalog: Catalog, line: int) -> None:
    """Consume a table-level constraint or (MySQL) inline index onto ``table``."""
    name = None
    if cur.take("CONSTRAINT") and cur.word() not in ("PRIMARY", "FOREIGN", "UNIQUE", "CHECK", "EXCLUDE"):
        name = cur.name()
    if cur.take("PRIMARY", "KEY"):
        index_name = _index_head(cur)
        cols = cur.column_list()
        if cols is None:
            raise DdlSyntaxError("PRIMARY KEY lists an expression instead of columns")
        table.set_primary_key(cols, name or index_name)
    elif cur.take("FOREIGN", "KEY"):
        index_name = _index_head(cur)
        cols = cur.column_list()
        if cols is None or not cur.take("REFERENCES"):
            raise DdlSyntaxError("expected FOREIGN KEY (columns) REFERENCES table")
        table.foreign_keys.append(read_references(cur, catalog, cols, name or index_name))
    elif cur.take("UNIQUE"):
        cur.take_any("KEY", "INDEX")
        index_name = _index_head(cur)
        cols = cur.column_list()
        if cols is None:
            catalog.notes.append(f"line {line}: unique key on an expression in {table.name} not recorded")
        else:
            table.uniques.append(UniqueConstraint(name or index_name, cols, "constraint"))
    elif cur.take("CHECK"):
        start, stop = cur.group()
        table.checks.append(CheckConstraint(name, cur.raw(start, stop)))
    elif cur.take("EXCLUDE"):
        catalog.notes.append(f"line {line}: EXCLUDE constraint on {table.name} not recorded")
        cur.i = cur.stop
    elif cur.take_any(*_MYSQL_INDEX_WORDS):
        cur.take_any("KEY", "INDEX")
        index_name = _index_head(cur)
        cols = cur.column_list()
        if cols is None:
            catalog.notes.append(f"line {line}: index on an expression in {table.name} not recorded")
        else:
            table.indexes.append(Index(index_name, cols))
    else:
        raise DdlSyntaxError(f"expected a constraint but found {cur.show()}")


def create_table(cur: Cursor, catalog: Catalog, line: int) -> TableDraft | None:
    """Read ``CREATE TABLE``; None when it makes no table draft (excluded, or only attention)."""
    while not cur.take("TABLE"):
        cur.advance()  # CREATE [OR REPLACE] [TEMPORARY | UNLOGGED ...]
    if_not_exists = cur.take("IF", "NOT", "EXISTS")
    schema, name = cur.qualified_name()
    schema = catalog.schema_key(schema)
    catalog.create_table_seen = True
    if catalog.excluded(schema, name) or (catalog.dialect == "sqlite" and name.lower().startswith("sqlite_")):
        return None
    if if_not_exists and (schema, name) in catalog.tables:
        return None
    table = TableDraft(name=name, schema=schema, line=line)
    if cur.take("LIKE"):  # MySQL: CREATE TABLE t LIKE other
        _copy_like(cur, table, catalog, line, everything=True)
        return table
    if cur.punct() != "(":
        if cur.take("PARTITION", "OF"):
            parent = cur.qualified_name()[1]
            catalog.notes.append(f"line {line}: {name} is a partition of {parent}; its rows belong to {parent}")
            return None
        if cur.word() in ("AS", "SELECT"):
            _from_query(catalog, name, line)
            return None
        raise DdlSyntaxError(f"expected the column list but found {cur.show()}")
    start, stop = cur.group()
    for a, b in cur.items(start, stop):
        element = cur.sub(a, b)
        if element.done():
            raise DdlSyntaxError("empty column definition (two commas in a row?)")
        if element.take("LIKE"):  # MySQL's (LIKE t) copies everything; PostgreSQL's only what INCLUDING says
            _copy_like(element, table, catalog, line, everything=catalog.dialect == "mysql")
        elif element.at("PERIOD", "FOR"):
            continue  # MariaDB system versioning: the period's columns are declared on their own
        elif is_table_constraint(element, catalog.dialect):
            read_table_constraint(element, table, catalog, line)
        else:
            table.add_column(read_column(element, table, catalog), catalog.loose)
    _table_options(cur, table, catalog, line)
    if not table.columns:
        raise DdlSyntaxError(f"table {name!r} has no columns")
    table.resolve_columns(catalog.loose)
    return table


def _from_query(catalog: Catalog, name: str, line: int) -> None:
    catalog.attention.append(
        Attention(
            kind="table",
            name=name,
            reason=f"created from a query (CREATE TABLE ... AS, line {line}): the file does not declare its "
            "columns; declare the table or analyze the live database",
            table=name,
        )
    )


def _table_options(cur: Cursor, table: TableDraft, catalog: Catalog, line: int) -> None:
    while not cur.done():
        if cur.take("COMMENT"):
            if cur.punct() == "=":
                cur.skip()
            tok = cur.peek()
            if tok is not None and tok.kind == "string":
                table.comment = tok.text
        elif cur.take("INHERITS"):
            start, stop = cur.group()
            for a, b in cur.items(start, stop):
                _inherit(cur.sub(a, b), table, catalog, line)
            continue
        cur.skip()


def _inherit(cur: Cursor, table: TableDraft, catalog: Catalog, line: int) -> None:
    # A PostgreSQL child table holds its parents' columns first.
    own = table.columns
    table.columns = []
    _copy_like(cur, table, catalog, line, everything=False)
    for col in own:
        table.add_column(col, catalog.loose)


def _copy_like(cur: Cursor, table: TableDraft, catalog: Catalog, line: int, everything: bool) -> None:
    schema, name = cur.qualified_name()
    source = catalog.find(schema, name)
    if source is None:
        raise DdlSyntaxError(f"copies table {name!r}, which the file has not created before")
    options = " ".join(t.text.upper() for t in cur.toks[cur.i : cur.stop])
    cur.i = cur.stop
    defaults = everything or "INCLUDING ALL" in options or "INCLUDING DEFAULTS" in options
    indexes = everything or "INCLUDING ALL" in options or "INCLUDING INDEXES" in options
    for col in source.columns:
        copy = replace(col, default=col.default if defaults else None, inline_pk=False)
        if not defaults:
            copy.autoincrement = False
        table.add_column(copy, catalog.loose)
    if indexes:
        if source.primary_key:
            table.set_primary_key(source.primary_key, None)
        table.uniques.extend(source.uniques)
        table.indexes.extend(source.indexes)
    if catalog.dialect == "postgresql" and not indexes:
        catalog.notes.append(f"line {line}: {table.name} copies the columns of {name} (not its keys)")
