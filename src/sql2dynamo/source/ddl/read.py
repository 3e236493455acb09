"""``analyze --ddl``: the schema artifacts from a DDL file or dump, without a database.

The result carries the facts a live catalog gives (names as the database
stores them, types as written plus their normalized type, keys, references,
indexes, checks, identity) with ``statistics="unknown"``.  Reading is split
in three: :mod:`ddl_split` cuts the file into statements without parsing the
data in it, only DDL statements are tokenized (with sqlglot's tokenizer, see
:mod:`ddl_tokens`), and :mod:`ddl_tables` / :mod:`ddl_alter` apply them to
table drafts that are frozen into :mod:`model` objects at the end.

Choices worth knowing:

* PostgreSQL folds unquoted names to lower case (``CREATE TABLE Album`` makes
  ``album``), exactly as the server would; MySQL and SQLite keep the spelling
  and match column names case-insensitively.  PostgreSQL tables carry their
  schema, ``public`` when unqualified (the live reader reports
  ``current_schema()``); a foreign key names the referred schema only when it
  differs from its own table's.  MySQL and SQLite tables have no schema.
* autoincrement: MySQL ``AUTO_INCREMENT`` and ``SERIAL``; PostgreSQL
  ``serial`` types, ``GENERATED ... AS IDENTITY`` and ``DEFAULT nextval(...)``
  (pg_dump's spelling of serial); SQLite ``AUTOINCREMENT`` and any lone
  primary-key column whose type is exactly ``INTEGER``, written on the column
  or as ``PRIMARY KEY (id)``: SQLite makes both the rowid and assigns it, and
  the live reader (``live.py``) flags the same columns.  So Chinook's SQLite
  ids are autoincrement while its MySQL and PostgreSQL ids are not.
* ``ON DELETE/UPDATE NO ACTION`` is recorded as None, the default, as live
  catalogs report it.
* A missing, unreadable or non-UTF-8 file is an :class:`InputError` (exit 4),
  like any other unusable input; an unknown dialect is a :class:`UsageError`.
* Foreign keys that point at excluded (or absent) tables are kept; the caller
  decides what to do with them.
* SQLite's internal tables (``sqlite_sequence``, ``sqlite_stat1``: every
  ``sqlite_*`` name is reserved) are skipped, as a live reader skips them.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from sql2dynamo.common.errors import InputError, UnsupportedError
from sql2dynamo.common.text import shorten
from sql2dynamo.source.ddl.alter import alter_table, comment_on, create_domain, create_index, create_type
from sql2dynamo.source.ddl.draft import Catalog, ColumnDraft, TableDraft
from sql2dynamo.source.ddl.split import Statement, split_statements
from sql2dynamo.source.ddl.tables import create_table
from sql2dynamo.source.ddl.tokens import Cursor, DdlSyntaxError, tokenize
from sql2dynamo.source.dialects import get_dialect
from sql2dynamo.source.live import text_cast_attention
from sql2dynamo.source.model import Attention, Column, ForeignKey, Schema, SourceInfo, Table
from sql2dynamo.source.types import TypeMapper, text_cast_mapping

_ID = r'(?:"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]|[\w$\x80-\uffff]+)'
_QNAME = _ID + r"(?:\s*\.\s*" + _ID + r")*"
_IFNE = r"(?:IF\s+NOT\s+EXISTS\s+)?"
# mysqldump writes CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`%` SQL SECURITY DEFINER VIEW ...
_PRE = (
    r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:ALGORITHM\s*=\s*\w+\s+)?(?:DEFINER\s*=\s*\S+\s+)?"
    r"(?:SQL\s+SECURITY\s+\w+\s+)?(?:(?:TEMP|TEMPORARY)\s+)?(?:RECURSIVE\s+)?"
)
_CREATE_TABLE = re.compile(
    r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:GLOBAL|LOCAL)\s+)?(?P<temp>(?:TEMP|TEMPORARY)\s+)?(?:UNLOGGED\s+)?TABLE\b",
    re.I,
)
_VIRTUAL_TABLE = re.compile(r"CREATE\s+VIRTUAL\s+TABLE\s+" + _IFNE + f"(?P<name>{_QNAME})\\s+USING\\s+(\\w+)", re.I)
_CREATE_INDEX = re.compile(r"CREATE\s+(?:UNIQUE\s+)?(?:(?:FULLTEXT|SPATIAL)\s+)?INDEX\b", re.I)
_VIEW = re.compile(_PRE + r"(?P<mat>MATERIALIZED\s+)?VIEW\s+" + _IFNE + f"(?P<name>{_QNAME})", re.I)
_TRIGGER = re.compile(
    _PRE + r"(?:CONSTRAINT\s+)?TRIGGER\s+" + _IFNE + f"(?P<name>{_QNAME})" + r".*?\bON\s+" + f"(?P<table>{_QNAME})",
    re.I | re.S,
)
# (?!TRIGGER): a PostgreSQL event trigger reacts to DDL, which a migration leaves behind.
_ROUTINE = re.compile(
    _PRE + r"(?:AGGREGATE\s+)?(?P<what>FUNCTION|PROCEDURE|EVENT)\s+(?!TRIGGER\b)" + _IFNE + f"(?P<name>{_QNAME})",
    re.I,
)
_RULE = re.compile(_PRE + f"RULE\\s+(?P<name>{_QNAME})" + r"\s+AS\s+ON\s+\w+\s+TO\s+" + f"(?P<table>{_QNAME})", re.I)
_SEQUENCE = re.compile(r"CREATE\s+(?:(?:TEMP|TEMPORARY|UNLOGGED)\s+)?SEQUENCE\s+" + _IFNE + f"(?P<name>{_QNAME})", re.I)
_OWNED_BY = re.compile(r"ALTER\s+SEQUENCE\s+(?:IF\s+EXISTS\s+)?" + f"(?P<name>{_QNAME})" + r"\s+OWNED\s+BY\s+\S", re.I)
# nextval('public."Seq"'::regclass) in PostgreSQL; NEXT VALUE FOR seq or nextval(seq) in MariaDB.
_NEXTVAL = re.compile(
    r"nextval\(\s*'((?:[^']|'')*)'|nextval\(\s*(" + _QNAME + r")|next\s+value\s+for\s+(" + _QNAME + ")", re.I
)
_TOKEN_STATEMENTS = (
    (re.compile(r"CREATE\s+TYPE\b", re.I), "CREATE TYPE", create_type),
    (re.compile(r"CREATE\s+DOMAIN\b", re.I), "CREATE DOMAIN", create_domain),
    (re.compile(r"COMMENT\s+ON\s+TABLE\b", re.I), "COMMENT ON", comment_on),
)
_DDL_KEYWORDS = frozenset({"CREATE", "ALTER", "COMMENT"})
_DEFAULT_SCHEMA = {"postgresql": "public"}  # where unqualified tables go (search_path)

_REASONS = {
    "view": "a view has no data of its own: recreate it as an access pattern or a denormalized item",
    "materialized": "a materialized view is derived data: rebuild it as denormalized items kept current "
    "by the application or DynamoDB Streams",
    "trigger": "a trigger's logic must move to the application or to DynamoDB Streams",
    "rule": "a rule rewrites statements on its table: its logic must move to the application",
    "FUNCTION": "a stored function does not run in DynamoDB: move its logic to the application (or a Lambda function)",
    "PROCEDURE": "a stored procedure does not run in DynamoDB: move its logic to the application "
    "(or a Lambda function)",
    "EVENT": "a scheduled event must move to a scheduler (for example EventBridge Scheduler and a Lambda function)",
    "sequence": "a sequence has no DynamoDB equivalent: generate ids in the application "
    "(UUIDs, or an atomic counter item)",
}


def schema_from_ddl(
    path: Path,
    dialect_name: str,
    *,
    type_mapper: TypeMapper | None = None,
    exclude: frozenset[str] = frozenset(),
) -> Schema:
    """Read the tables, keys, indexes and objects needing attention from a DDL file or dump.

    ``dialect_name`` is a registry name or alias (mysql, mariadb, postgres,
    postgresql, sqlite).  Tables named in ``exclude`` (bare or
    ``schema.table``, any case) are skipped with everything that targets them.
    Raises :class:`InputError` for an unreadable file, a statement that cannot
    be read (naming the file, the statement's first line and an excerpt) or a
    file without CREATE TABLE; :class:`UnsupportedError` for a column type no
    type rule maps; :class:`UsageError` for an unknown dialect.
    """
    dialect = get_dialect(dialect_name)
    text = _read(path)
    catalog = Catalog(dialect=dialect.name, exclude=exclude)
    for stmt in split_statements(text, dialect.name):
        if stmt.keyword in _DDL_KEYWORDS:
            _apply(stmt, catalog, dialect.sqlglot, path.name)
    if not catalog.create_table_seen:
        raise InputError(
            f"no CREATE TABLE statements in {path.name}",
            hint=f"give a schema script or dump written for {dialect.title} (--dialect {dialect_name})",
            ddl_file=path.name,
        )
    return _freeze(catalog, type_mapper or TypeMapper(), path.name)


def _read(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"DDL file {path} does not exist", hint="check the path given to --ddl") from None
    except OSError as exc:
        raise InputError(
            f"cannot read DDL file {path}: {exc.strerror or exc}", hint="check the path given to --ddl"
        ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path.name} is not UTF-8 text (invalid byte at offset {exc.start})",
            hint="convert it first, for example: iconv -f latin1 -t utf-8",
        ) from None


def _apply(stmt: Statement, catalog: Catalog, sqlglot_name: str, file_name: str) -> None:
    text = stmt.text.lstrip()
    what = "CREATE TABLE"
    try:
        if m := _CREATE_TABLE.match(text):
            if m.group("temp"):
                catalog.notes.append(f"line {stmt.line}: temporary table skipped (it holds no data to migrate)")
                return
            draft = create_table(_cursor(text, sqlglot_name, catalog), catalog, stmt.line)
            if draft is not None:
                catalog.add_table(draft)
        elif _CREATE_INDEX.match(text):
            what = "CREATE INDEX"
            create_index(_cursor(text, sqlglot_name, catalog), catalog, stmt.line)
        elif re.match(r"ALTER\s+TABLE\b", text, re.I):
            what = "ALTER TABLE"
            alter_table(_cursor(text, sqlglot_name, catalog), catalog, stmt.line)
        elif not _objects(text, stmt.line, catalog):
            for pattern, name, handler in _TOKEN_STATEMENTS:
                if pattern.match(text):
                    what = name
                    handler(_cursor(text, sqlglot_name, catalog), catalog)
                    break
    except DdlSyntaxError as exc:
        excerpt = shorten(text, 70)
        raise InputError(
            f"{file_name}:{stmt.line}: cannot read {what}: {exc} [{excerpt}]",
            hint="fix or remove that statement, then run analyze again",
            ddl_file=file_name,
            line=stmt.line,
        ) from None


def _cursor(text: str, sqlglot_name: str, catalog: Catalog) -> Cursor:
    return Cursor(tokenize(text, sqlglot_name), text, catalog.fold_case)


def _objects(text: str, line: int, catalog: Catalog) -> bool:
    """Views, triggers, routines, rules, sequences, virtual tables: whether ``text`` was one."""
    head = text[:2000]
    fold = catalog.fold_case
    if m := _VIRTUAL_TABLE.match(head):
        name = _name(m.group("name"), fold)[1]
        catalog.create_table_seen = True
        if not catalog.excluded(None, name):
            reason = f"a virtual table (SQLite module {m.group(2)}): migrate the data it indexes, not the table"
            catalog.attention.append(Attention("table", name, reason, table=name))
    elif m := _VIEW.match(head):
        schema, name = _name(m.group("name"), fold)
        catalog.tables.pop((catalog.schema_key(schema), name), None)  # mysqldump's stand-in table
        catalog.attention.append(Attention("view", name, _REASONS["materialized" if m.group("mat") else "view"]))
    elif (m := _TRIGGER.match(head)) or (m := _RULE.match(head)):
        kind = "trigger" if m.re is _TRIGGER else "rule"
        schema, table = _name(m.group("table"), fold)
        if catalog.excluded(catalog.schema_key(schema), table):
            return True
        draft = catalog.find(schema, table)
        catalog.attention.append(
            Attention(
                "trigger",
                _name(m.group("name"), fold)[1],
                _REASONS[kind],
                table=draft.name if draft else table,
            )
        )
    elif m := _ROUTINE.match(head):
        name = _name(m.group("name"), fold)[1]
        catalog.attention.append(Attention("routine", name, _REASONS[m.group("what").upper()]))
    elif m := _SEQUENCE.match(head):
        name = _name(m.group("name"), fold)[1]
        catalog.sequences[name] = (name, line)
    elif m := _OWNED_BY.match(head):
        catalog.used_sequences.add(_name(m.group("name"), fold)[1])
    else:
        return False
    return True


def _name(qname: str, fold: bool) -> tuple[str | None, str]:
    parts = [_unquote(p, fold) for p in re.findall(_ID, qname)]
    return (parts[-2] if len(parts) > 1 else None), parts[-1]


def _unquote(part: str, fold: bool) -> str:
    if part[0] == '"':
        return part[1:-1].replace('""', '"')
    if part[0] == "`":
        return part[1:-1].replace("``", "`")
    if part[0] == "[":
        return part[1:-1]
    return part.lower() if fold else part


def _freeze(catalog: Catalog, mapper: TypeMapper, file_name: str) -> Schema:
    unsupported: list[tuple[str, str, str]] = []
    tables: list[Table] = []
    attention = list(catalog.attention)
    for draft in sorted(catalog.tables.values(), key=lambda t: (t.name, t.schema or "")):
        columns = tuple(_column(c, draft, catalog, mapper, unsupported) for c in draft.columns)
        for col in draft.columns:
            for m in _NEXTVAL.finditer(col.default or ""):
                seq = next(g for g in m.groups() if g is not None).replace("''", "'")
                catalog.used_sequences.add(_name(seq, catalog.fold_case)[1])
            if col.generated is not None:
                reason = (
                    f"a generated column ({col.generated}): DynamoDB computes nothing, so the application must write it"
                )
                attention.append(Attention("column", col.name, reason, table=draft.name))
        tables.append(
            Table(
                name=draft.name,
                columns=columns,
                primary_key=draft.primary_key,
                foreign_keys=tuple(_foreign_key(fk, draft, catalog) for fk in draft.foreign_keys),
                unique_constraints=tuple(draft.uniques),
                indexes=tuple(draft.indexes),
                check_constraints=tuple(draft.checks),
                schema=draft.schema or _DEFAULT_SCHEMA.get(catalog.dialect),
                comment=draft.comment,
            )
        )
        if not draft.primary_key:
            attention.append(Attention("table", draft.name, _no_pk_reason(draft), table=draft.name))
    if unsupported:
        table, column, type_text = unsupported[0]
        others = [f"{t}.{c} {ty}" for t, c, ty in unsupported[1:]]
        more = f" (and {len(others)} more: {', '.join(others[:3])}{', ...' if len(others) > 3 else ''})"
        more = more if others else ""
        raise UnsupportedError(
            f"unsupported column type {type_text!r} in {table}.{column}{more}",
            hint=f"add --cast '{_cast_pattern(type_text)}=string' (or json, binary) or --exclude {table}",
            table=table,
            column=column,
            source_type=type_text,
        )
    attention.extend(text_cast_attention(tables))
    for name, line in catalog.sequences.values():
        if name not in catalog.used_sequences:
            attention.append(Attention("sequence", name, f"{_REASONS['sequence']} (line {line})"))
    # Overloaded functions and CREATE OR REPLACE repeats would otherwise list an object twice.
    unique: dict[tuple[str, str, str | None], Attention] = {}
    for entry in attention:
        unique.setdefault((entry.kind, entry.name, entry.table), entry)
    return Schema(
        source=SourceInfo(dialect=catalog.dialect, url=None, database=None, ddl_file=file_name),
        tables=tuple(tables),
        attention=tuple(unique.values()),
        statistics="unknown",
        notes=tuple(catalog.notes),
    )


def _column(
    col: ColumnDraft,
    table: TableDraft,
    catalog: Catalog,
    mapper: TypeMapper,
    unsupported: list[tuple[str, str, str]],
) -> Column:
    dialect = catalog.dialect
    enum_values = col.enum_values
    if dialect == "postgresql" and col.type_name in catalog.enums:
        mapping = mapper.classify(dialect, col.type_text, is_enum=True)
        enum_values = catalog.enums[col.type_name]
    else:
        mapping = mapper.classify(dialect, col.type_text)
        if mapping is None and col.type_name in catalog.domains:
            mapping = mapper.classify(dialect, catalog.domains[col.type_name])
    if mapping is None and not mapper.strict and dialect != "sqlite":
        # As the live reader does (pgloader's default): read through the database's own text cast, said
        # under attention below; --strict-types stops instead.
        mapping = text_cast_mapping()
    if mapping is None:
        unsupported.append((table.name, col.name, col.type_text))
        normalized, rule = "string", None  # never returned: the caller raises
    else:
        normalized, rule = mapping.normalized, mapping.rule
    rowid_alias = dialect == "sqlite" and table.primary_key == (col.name,) and col.type_text == "integer"
    return Column(
        name=col.name,
        source_type=col.type_text,
        normalized_type=normalized,
        nullable=col.nullable and col.name not in table.primary_key,
        default=col.default,
        autoincrement=col.autoincrement or rowid_alias,
        enum_values=enum_values,
        length=mapping.length if mapping else None,
        precision=mapping.precision if mapping else None,
        scale=mapping.scale if mapping else None,
        type_rule=rule,
    )


def _foreign_key(fk: ForeignKey, table: TableDraft, catalog: Catalog) -> ForeignKey:
    """Respell the referred table and columns as declared; no columns means the referred primary key."""
    target = catalog.find(fk.referred_schema, fk.referred_table)
    default = _DEFAULT_SCHEMA.get(catalog.dialect)
    referred_schema = (target.schema if target else fk.referred_schema) or default
    # Like the live reader: name the schema only when it is not the referencing table's own.
    fk = replace(fk, referred_schema=None if referred_schema == (table.schema or default) else referred_schema)
    if target is None:
        return fk
    referred = fk.referred_columns or target.primary_key
    spelled = []
    for name in referred:
        col = target.find(name, catalog.loose)
        spelled.append(col.name if col else name)
    return replace(fk, referred_table=target.name, referred_columns=tuple(spelled))


def _no_pk_reason(table: TableDraft) -> str:
    for unique in table.uniques:
        if all(not table.column(c, True).nullable for c in unique.columns):
            return (
                f"no primary key: DynamoDB needs one; the unique NOT NULL key ({', '.join(unique.columns)}) "
                "could serve, or declare a primary key in the source"
            )
    return "no primary key: DynamoDB needs one; declare a primary key in the source or choose the key at design"


def _cast_pattern(type_text: str) -> str:
    """A --cast pattern (a regex matched against the whole type) for ``type_text``."""
    word = re.match(r"[\w$]+(?: [\w$]+)*", type_text)
    if word is None:
        return re.escape(type_text)
    return type_text if word.group() == type_text else word.group() + ".*"
