"""Reading a migration contract of either form back into a :class:`~sql2dynamo.design.model.DataModel`.

A contract is enough to move data: ``deploy``, ``migrate`` and ``verify``
need the tables, their keys and indexes, and how each source row becomes
items, all of which both forms carry.  It has no access plans, cost,
decisions or warnings: the model read here has none, so the commands that
execute plans (validate, the runtime, codegen, sync) still need
``data_model.json``.

Two forms are read (:func:`contract_format` tells them apart):

* the migration contract format (``"seed"``): the top-level array ``design``
  writes by default, with sql2dynamo's extras when present (``entities``,
  ``key_templates``, ``ttl``, ``transform``, ...); a hand-written one with
  the format's fields only works too: a key is then its attribute's column;
* the Modernizr contract format (``"modernizr"``): ``{"tables": [...]}``,
  spelled as :mod:`~sql2dynamo.design.contract.modernizr` describes.

Where a contract does not say how a column's value is converted (the
normalized type, a Modernizr ``transformation`` without sql2dynamo's
``source_format``), the source ``schema`` decides when one is given (the
live database, read by the command), else the DynamoDB type does
(``S``: string, ``N``: decimal, ...).  Pattern references in ``satisfies``
are kept as the contract writes them (``AP01: description``).

Every contract is validated against its form's JSON Schema first; what the
schema allows but sql2dynamo cannot migrate (a calculation other than TTL
or a sparse index's ``case``, a join other than a foreign key or a
unique-constraint lookup's ``lookup-table``, ...) is an
:class:`~sql2dynamo.common.errors.UnsupportedError` naming the table and
attribute.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sql2dynamo.common.errors import InputError, UnsupportedError
from sql2dynamo.design.contract.modernizr import TEMPLATE_TRANSFORMATION, sparse_when
from sql2dynamo.design.contract.modernizr_validate import validate_modernizr
from sql2dynamo.design.contract.validate import validate_contract
from sql2dynamo.design.model import (
    AttributeSpec,
    DataModel,
    EntityMapping,
    IndexSpec,
    Join,
    KeyPart,
    ScalarType,
    SparseCondition,
    TableSpec,
    TtlSpec,
)
from sql2dynamo.design.sizing.columns import template_fields
from sql2dynamo.source.model import Column, Schema
from sql2dynamo.source.types import NORMALIZED_TYPES

__all__ = ["FORMATS", "ContractFormat", "contract_format", "read_contract", "source_tables"]

ContractFormat = Literal["seed", "modernizr"]
FORMATS: tuple[ContractFormat, ...] = ("seed", "modernizr")
"""The contract forms as ``--contract-format`` and ``--to`` name them: the array format (seed), Modernizr's."""

# The conversion a DynamoDB type implies when nothing else says (a number may be a decimal: exact either way).
_TYPE_TRANSFORMS = {
    "S": "string",
    "N": "decimal",
    "B": "binary",
    "BOOL": "boolean",
    "M": "json",
    "L": "array",
    "SS": "set",
}
# A Modernizr transformation type without source_format -> the normalized type it implies.
_FAMILY_DEFAULTS = {"number-format": "decimal", "date-format": "datetime", "json-parse": "json"}
_TTL = re.compile(r"epoch seconds \+ (\d+) days?")
_WHEN_EQUALS = re.compile(r"\s*([^\s=]+)\s*=\s*(.+?)\s*")
_WHEN_NOT_NULL = re.compile(r"\s*([^\s=]+)\s+IS\s+NOT\s+NULL\s*", re.IGNORECASE)
_JOIN = re.compile(r"\s*([^\s.=]+)\.([^\s.=]+)\s*=\s*([^\s.=]+)\.([^\s.=]+)\s*")
_KEY_TYPES = ("S", "N", "B")


def contract_format(data: Any) -> ContractFormat | None:
    """The form of ``data``: an array of objects is the migration contract format, ``{"tables": ...}`` Modernizr."""
    if isinstance(data, list) and data and all(isinstance(e, dict) for e in data):
        return "seed"
    if isinstance(data, dict) and "tables" in data and "plans" not in data:  # data_model.json has plans
        return "modernizr"
    return None


def source_tables(data: Any) -> list[str]:
    """The source tables a contract of either form reads (its entities'), in order; [] for anything else."""
    names: list[str] = []
    fmt = contract_format(data)
    entries = data if fmt == "seed" else data.get("tables") if fmt == "modernizr" else None
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        nested = entry.get("entities")
        for e in [*(nested if isinstance(nested, list) else []), entry]:
            if isinstance(e, dict) and isinstance(e.get("source_table"), str):
                names.append(e["source_table"])
    return list(dict.fromkeys(names))


def read_contract(data: Any, *, name: str = "migrationContract.json", schema: Schema | None = None) -> DataModel:
    """The DataModel a contract of either form describes, validated first (see the module docstring).

    ``schema`` is the source's, for conversions and nullability the contract
    does not state.  Raises :class:`InputError` naming ``name`` for anything
    that is neither form or fails its schema, :class:`UnsupportedError` for
    what the schema allows but the migration cannot do.
    """
    fmt = contract_format(data)
    if fmt is None:
        raise InputError(
            f"{name} is not a migration contract: it is neither a JSON array of tables "
            '(the migration contract format) nor an object with "tables" (the Modernizr contract format)',
            hint="pass the migrationContract.json that sql2dynamo design (or another tool) wrote",
        )
    types = _Types(schema)
    if fmt == "seed":
        validate_contract(data)
        tables = [_ArrayEntry(entry, types).table() for entry in data]
    else:
        validate_modernizr(data, name=name)
        tables = [_ModernizrTable(entry, types).table() for entry in data["tables"]]
    _check_names(tables, name)
    multi = any(len(t.entities) > 1 or any(e.item_type for e in t.entities) for t in tables)
    return DataModel(
        application=name,
        strategy="single-table" if multi else "multi-table",
        billing="on-demand",
        source_dialect=schema.source.dialect if schema is not None else "",
        tables=tuple(tables),
        plans=(),
        decisions=(),
        warnings=(),
        cost=None,
        partitions=(),
    )


def _check_names(tables: Sequence[TableSpec], name: str) -> None:
    seen: set[str] = set()
    for t in tables:
        if t.name in seen:
            raise InputError(f"{name}: table {t.name!r} is described twice", hint="merge the two entries", table=t.name)
        seen.add(t.name)


def _columns_of(template: str) -> tuple[str, ...]:
    """The source columns a key template reads, in order, once each (``{:param}`` fields are not columns)."""
    return tuple(dict.fromkeys(f for f, _ in template_fields(template) if f and not f.startswith(":")))


@dataclass(frozen=True)
class _Types:
    """Conversions the contract leaves unsaid: the source schema's, else the DynamoDB type's."""

    schema: Schema | None

    def column(self, table: str, column: str) -> Column | None:
        if self.schema is None:
            return None
        try:
            return self.schema.table(table).column(column)
        except KeyError:
            return None

    def transform(self, table: str, column: str, ddb_type: str, family: str | None = None) -> str:
        found = self.column(table, column)
        if found is not None:
            return found.normalized_type
        if family in _FAMILY_DEFAULTS:
            return _FAMILY_DEFAULTS[family]
        return _TYPE_TRANSFORMS.get(ddb_type, "string")

    def nullable(self, table: str, column: str) -> bool:
        found = self.column(table, column)
        return found.nullable if found is not None else True


def _key_type(value: Any, where: str, table: str) -> ScalarType:
    if value not in _KEY_TYPES:
        raise InputError(
            f"table {table!r}: key attribute {where} has type {value!r}; a key is S, N or B",
            hint="give the key attribute type S, N or B in the contract",
            table=table,
        )
    return value  # type: ignore[no-any-return]


# ------------------------------------------------------------------ the migration contract format


class _ArrayEntry:
    """One entry of the migration contract format's array, as a TableSpec."""

    def __init__(self, entry: dict[str, Any], types: _Types) -> None:
        self.entry = entry
        self.types = types
        self.name: str = entry["table"]
        self.attributes: dict[str, dict[str, Any]] = entry["attributes"]

    def table(self) -> TableSpec:
        e = self.entry
        templates = e.get("key_templates", {})
        pk = self._key(e["pk"], templates.get("pk"))
        sk = self._key(e["sk"], templates.get("sk")) if "sk" in e else None
        indexes = tuple(self._index(g) for g in e.get("gsis", []))
        ttl = e.get("ttl")
        if "entities" in e:
            entities = tuple(self._entity(x, pk, sk, indexes) for x in e["entities"])
        else:
            entities = (self._main_entity(pk, sk, indexes),)
        return TableSpec(
            name=self.name,
            role=e.get("role", "entity"),
            pk=entities[0].pk,  # the attribute and type; the template is the first entity's
            sk=entities[0].sk if sk is not None else None,
            indexes=indexes,
            entities=entities,
            satisfies=tuple(e["satisfies"]),
            estimated_item_size_bytes=e["estimated_item_size_bytes"],
            ttl_attribute=ttl["attribute"] if isinstance(ttl, dict) else None,
        )

    def _key(self, attribute: str, template: str | None) -> KeyPart:
        spec = self.attributes[attribute]
        text = template or spec.get("key_template") or "{" + spec["source_column"] + "}"
        kind = _key_type(spec["type"], repr(attribute), self.name)
        return KeyPart(attribute, kind, text, _columns_of(text))

    def _index_key_type(self, attribute: str) -> ScalarType:
        """An entity's index key type: its attribute's, else its GSI's (every GSI key is described)."""
        spec = self.attributes.get(attribute)
        if spec is None:
            raise InputError(
                f"table {self.name!r}: index_key_templates names {attribute!r}, which attributes does not describe",
                hint=f"describe {attribute!r} (its type S, N or B) under the table's attributes",
                table=self.name,
            )
        return _key_type(spec["type"], repr(attribute), self.name)

    @staticmethod
    def _entity_key(table_key: KeyPart, template: str | None) -> KeyPart:
        """The table's key attribute as one entity builds it (its own template, else the table's)."""
        text = template or table_key.template
        return KeyPart(table_key.attribute, table_key.type, text, _columns_of(text))

    def _index(self, g: dict[str, Any]) -> IndexSpec:
        templates = g.get("key_templates", {})
        projection = g.get("projection", {})
        sparse = g.get("sparse")
        return IndexSpec(
            name=g["name"],
            pk=self._key(g["pk"], templates.get("pk")),
            sk=self._key(g["sk"], templates.get("sk")) if "sk" in g else None,
            projection=projection.get("type", "ALL"),
            non_key_attributes=tuple(projection.get("non_key_attributes", ())),
            serves=tuple(g.get("satisfies", ())),
            sparse=SparseCondition(sparse["column"], sparse["value"], sparse["reason"]) if sparse else None,
            projection_reason=projection.get("reason", ""),
        )

    def _attribute(self, name: str, spec: dict[str, Any]) -> AttributeSpec:
        table, column = spec["source_table"], spec["source_column"]
        join = spec.get("join")
        return AttributeSpec(
            name=name,
            type=spec["type"],
            source_table=table,
            source_column=column,
            transform=spec.get("transform") or self.types.transform(table, column, spec["type"]),
            nullable=spec.get("nullable", self.types.nullable(table, column)),
            denormalized=spec.get("denormalized", False),
            justification=spec.get("justification"),
            join=Join(join["local_column"], join["source_column"]) if join else None,
        )

    def _ttl(self, source_table: str, ttl: Any) -> TtlSpec | None:
        if (
            not isinstance(ttl, dict)
            or "source_column" not in ttl
            or ttl.get("source_table", source_table) != source_table
        ):
            return None
        return TtlSpec(ttl["attribute"], ttl["source_column"], ttl["retention_days"], ttl.get("reason", ""))

    def _sparse_keys(
        self, index_keys: Sequence[KeyPart], indexes: Sequence[IndexSpec], own: Mapping[str, Any]
    ) -> dict[str, SparseCondition]:
        """An index's sparse condition holds for the entities writing its partition key, then the entity's own."""
        written = {kp.attribute for kp in index_keys}
        out = {ix.pk.attribute: ix.sparse for ix in indexes if ix.sparse is not None and ix.pk.attribute in written}
        for attr, c in own.items():
            out[attr] = SparseCondition(c["column"], c["value"], c["reason"])
        return out

    def _main_entity(self, pk: KeyPart, sk: KeyPart | None, indexes: Sequence[IndexSpec]) -> EntityMapping:
        """A table without ``entities``: the source table's rows with the table's keys and attributes."""
        source = self.entry["source_table"]
        index_keys = tuple(
            kp
            for ix in indexes
            for kp in (ix.pk, ix.sk)
            if kp is not None and "key_template" in self.attributes[kp.attribute]
        )
        attributes = tuple(self._attribute(n, s) for n, s in self.attributes.items() if "key_template" not in s)
        return EntityMapping(
            source_table=source,
            item_type=None,
            pk=pk,
            sk=sk,
            attributes=attributes,
            index_keys=tuple(dict((kp.attribute, kp) for kp in index_keys).values()),
            sparse_keys=self._sparse_keys(index_keys, indexes, {}),
            ttl=self._ttl(source, self.entry.get("ttl")),
            kind="lookup" if self.entry.get("role") == "lookup" else "entity",
            unique_columns=tuple(self.entry.get("unique_lookup", {}).get("columns", ())),
        )

    def _entity(
        self, x: dict[str, Any], pk: KeyPart, sk: KeyPart | None, indexes: Sequence[IndexSpec]
    ) -> EntityMapping:
        templates = x["key_templates"]
        index_keys = tuple(
            KeyPart(attr, self._index_key_type(attr), text, _columns_of(text))
            for attr, text in x.get("index_key_templates", {}).items()
        )
        return EntityMapping(
            source_table=x["source_table"],
            item_type=x["item_type"],
            pk=self._entity_key(pk, templates["pk"]),
            sk=None if sk is None else self._entity_key(sk, templates.get("sk")),
            attributes=tuple(self._attribute(n, s) for n, s in x["attributes"].items()),
            index_keys=index_keys,
            sparse_keys=self._sparse_keys(index_keys, indexes, x.get("sparse_keys", {})),
            ttl=self._ttl(x["source_table"], x.get("ttl")),
            kind=x["kind"],
            unique_columns=tuple(x.get("unique_columns", ())),
        )


# ------------------------------------------------------------------ the Modernizr contract format


class _ModernizrTable:
    """One table of a contract in the Modernizr contract format, as a TableSpec."""

    def __init__(self, entry: dict[str, Any], types: _Types) -> None:
        self.entry = entry
        self.types = types
        self.name: str = entry["table"]
        self.pk: str = entry["pk"]
        self.sk: str | None = entry.get("sk") or None
        gsis = entry.get("gsis", [])
        self.index_attributes = {a for g in gsis for a in (g["pk"], g.get("sk")) if a}

    def fail(self, problem: str, hint: str, **where: Any) -> UnsupportedError:
        return UnsupportedError(f"table {self.name!r}: {problem}", hint=hint, table=self.name, **where)

    def table(self) -> TableSpec:
        e = self.entry
        if e["type"] == "multi-entity":
            if not e.get("entities"):
                raise InputError(
                    f"table {self.name!r} is multi-entity but lists no entities",
                    hint="describe every entity stored in the table under entities, or make it single-entity",
                    table=self.name,
                )
            declared = {a["name"]: a for a in e["attributes"]}
            entities = tuple(self._multi_entity(x, declared) for x in e["entities"])
        else:
            entities = (self._single_entity(),)
        indexes = tuple(self._index(g, entities) for g in e.get("gsis", []))
        ttl = next((x.ttl.attribute for x in entities if x.ttl is not None), None)
        first = entities[0]
        return TableSpec(
            name=self.name,
            role="lookup" if all(x.kind == "lookup" for x in entities) else "entity",
            pk=first.pk,
            sk=first.sk,
            indexes=indexes,
            entities=entities,
            satisfies=tuple(e["satisfies"]),
            estimated_item_size_bytes=max(1, round(e["estimated_item_size_bytes"])),
            ttl_attribute=ttl,
        )

    # -- attributes

    def _template(self, a: dict[str, Any]) -> str | None:
        """The key template of a template attribute (``string-format`` with a ``format``), else None."""
        tr = a.get("transformation") or {}
        if tr.get("type") == TEMPLATE_TRANSFORMATION and isinstance(tr.get("format"), str):
            return str(tr["format"])
        return None

    def _column(self, a: dict[str, Any]) -> str:
        column = a["source_column"]
        if isinstance(column, str):
            return column
        if len(column) == 1:
            return str(column[0])
        raise self.fail(
            f"attribute {a['name']!r} reads several columns ({', '.join(column)}) without a key template",
            'give it a transformation {"type": "string-format", "format": "{col1}#{col2}"} (keys only)',
            column=a["name"],
        )

    def _key_part(self, a: dict[str, Any]) -> KeyPart:
        template = self._template(a) or "{" + self._column(a) + "}"
        kind = _key_type(a["type"], repr(a["name"]), self.name)
        return KeyPart(a["name"], kind, template, _columns_of(template))

    def _sparse(self, a: dict[str, Any]) -> SparseCondition | None:
        calc = a.get("calculation")
        if calc is None:
            return None
        cases = calc.get("cases") or []
        if calc.get("type") == "case" and len(cases) == 1 and "else" not in calc:
            when = cases[0]["when"]
            m = _WHEN_NOT_NULL.fullmatch(when)
            if m:
                return SparseCondition(m.group(1), None, "")
            m = _WHEN_EQUALS.fullmatch(when)
            if m:
                return SparseCondition(m.group(1), m.group(2), "")
        raise self.fail(
            f"attribute {a['name']!r} has a calculation sql2dynamo cannot migrate",
            "an index key may carry one case without else ('column = VALUE' or 'column IS NOT NULL': a sparse "
            "index); compute anything else in the source (a view or column) and map that",
            column=a["name"],
        )

    def _ttl(self, source_table: str, a: dict[str, Any]) -> TtlSpec:
        tr = a.get("transformation") or {}
        m = _TTL.fullmatch(str(tr.get("format", "")))
        if tr.get("type") != "date-format" or m is None:
            raise self.fail(
                f"attribute {a['name']!r} has a date-math calculation sql2dynamo cannot migrate",
                'a time-to-live attribute has the transformation {"type": "date-format", '
                '"format": "epoch seconds + N days"} on the column it counts from',
                column=a["name"],
            )
        return TtlSpec(a["name"], self._column(a), int(m.group(1)), "")

    def _lookup_columns(self, source_table: str, a: dict[str, Any]) -> tuple[str, ...]:
        """The unique columns a ``lookup-table`` join names (the item is a unique-constraint lookup), else ()."""
        join = a.get("join") or {}
        if join.get("type") != "lookup-table":
            return ()
        columns = []
        for part in re.split(r"\s+AND\s+", join.get("join_condition", ""), flags=re.IGNORECASE):
            m = _JOIN.fullmatch(part)
            if m is None or source_table not in (m.group(1), m.group(3)):
                raise self.fail(
                    f"attribute {a['name']!r} has a lookup-table join sql2dynamo cannot read",
                    f'write its join_condition as "{source_table}.<unique column> = <target_table>.<unique column>" '
                    "(AND between several columns)",
                    column=a["name"],
                )
            columns.append(m.group(2) if m.group(1) == source_table else m.group(4))
        return tuple(columns)

    def _join(self, source_table: str, a: dict[str, Any]) -> Join | None:
        join = a.get("join")
        if join is None or join.get("type") == "lookup-table":
            return None
        m = _JOIN.fullmatch(join.get("join_condition", "")) if join.get("type") == "foreign-key" else None
        if m is not None:
            left, right = (m.group(1), m.group(2)), (m.group(3), m.group(4))
            local, other = (left, right) if left[0] == source_table else (right, left)
            if local[0] == source_table and other[0] == join.get("target_table"):
                return Join(local[1], other[1])
        raise self.fail(
            f"attribute {a['name']!r} has a join sql2dynamo cannot migrate",
            f'only a foreign-key join is supported, with join_condition "{source_table}.<column> = '
            f'<target_table>.<column>"',
            column=a["name"],
        )

    def _attribute(self, source_table: str, a: dict[str, Any]) -> AttributeSpec:
        table, column = a["source_table"], self._column(a)
        tr = a.get("transformation") or {}
        given = tr.get("source_format")
        transform = (
            given if given in NORMALIZED_TYPES else self.types.transform(table, column, a["type"], tr.get("type"))
        )
        if tr.get("type") == "json-parse" and transform not in ("json", "array"):
            transform = "json"
        join = self._join(source_table, a)
        return AttributeSpec(
            name=a["name"],
            type=a["type"],
            source_table=table,
            source_column=column,
            transform=transform,
            nullable=self.types.nullable(table, column),
            denormalized=bool(a.get("denormalized", False)),
            justification=a.get("justification"),
            join=join,
        )

    def _mapping(
        self,
        source_table: str,
        item_type: str | None,
        pk: KeyPart,
        sk: KeyPart | None,
        attributes: Sequence[dict[str, Any]],
        keys: set[str],
    ) -> EntityMapping:
        """An entity: template attributes become index keys, date-math ones its TTL, the rest its attributes."""
        index_keys: list[KeyPart] = []
        sparse: dict[str, SparseCondition] = {}
        specs: list[AttributeSpec] = []
        ttl: TtlSpec | None = None
        unique: tuple[str, ...] = ()
        for a in attributes:
            calc = (a.get("calculation") or {}).get("type")
            if calc == "date-math":
                ttl = self._ttl(source_table, a)
                continue
            if a["name"] in keys:
                continue  # the table's own key, built from the entity's templates
            if self._template(a) is not None:
                if a["name"] not in self.index_attributes:
                    raise self.fail(
                        f"attribute {a['name']!r} is built from a template but is no key of the table or its GSIs",
                        "templates build keys only: map the column itself, or make the attribute a GSI key",
                        column=a["name"],
                    )
                index_keys.append(self._key_part(a))
                condition = self._sparse(a)
                if condition is not None:
                    sparse[a["name"]] = condition
                continue
            if calc is not None:
                self._sparse(a)  # raises: a calculation on a plain attribute is not migrated
            unique = unique or self._lookup_columns(source_table, a)
            specs.append(self._attribute(source_table, a))
        return EntityMapping(
            source_table=source_table,
            item_type=item_type,
            pk=pk,
            sk=sk,
            attributes=tuple(specs),
            index_keys=tuple(index_keys),
            sparse_keys=sparse,
            ttl=ttl,
            kind="lookup" if unique else "entity",
            unique_columns=unique,
        )

    def _single_entity(self) -> EntityMapping:
        by_name = {a["name"]: a for a in self.entry["attributes"]}
        keys: list[KeyPart] = []
        for key in (self.pk, self.sk):
            if key is None:
                continue
            if key not in by_name:
                raise InputError(
                    f"table {self.name!r}: key attribute {key!r} is not described in attributes",
                    hint=f"add an attribute named {key!r} with its source column (and a string-format "
                    "transformation when it is built from several columns)",
                    table=self.name,
                )
            keys.append(self._key_part(by_name[key]))
        # A key built from a template is only a key; one copied from a column is also an attribute.
        templated = {k.attribute for k in keys if self._template(by_name[k.attribute]) is not None}
        return self._mapping(
            self.entry["source_table"],
            None,
            keys[0],
            keys[1] if len(keys) > 1 else None,
            self.entry["attributes"],
            templated,
        )

    def _multi_entity(self, x: dict[str, Any], declared: Mapping[str, dict[str, Any]]) -> EntityMapping:
        parts: list[KeyPart | None] = []
        for key, template in ((self.pk, x["pk_template"]), (self.sk, x["sk_template"])):
            if key is None:
                parts.append(None)
                continue
            if not template:
                raise InputError(
                    f"table {self.name!r}: entity {x['entity_type']!r} has an empty {'pk' if key == self.pk else 'sk'}"
                    "_template",
                    hint="give every entity a template for each key of the table, e.g. USER#{user_id}",
                    table=self.name,
                )
            kind = _key_type(declared[key]["type"], repr(key), self.name) if key in declared else "S"
            parts.append(KeyPart(key, kind, template, _columns_of(template)))
        pk, sk = parts[0], parts[1]
        assert pk is not None
        keys = {self.pk, *([self.sk] if self.sk else [])}
        return self._mapping(x["source_table"], x["entity_type"], pk, sk, x["attributes"], keys)

    # -- indexes

    def _index(self, g: dict[str, Any], entities: Sequence[EntityMapping]) -> IndexSpec:
        def part(attribute: str) -> KeyPart:
            for e in entities:
                found = next((kp for kp in e.index_keys if kp.attribute == attribute), None)
                if found is not None:
                    return found
            for e in entities:
                a = next((a for a in e.attributes if a.name == attribute), None)
                if a is not None:
                    kind = _key_type(a.type, repr(attribute), self.name)
                    return KeyPart(attribute, kind, "{" + a.source_column + "}", (a.source_column,))
            raise InputError(
                f"table {self.name!r}: GSI {g['index_name']!r} has key {attribute!r}, which no entity writes",
                hint=f"add an attribute named {attribute!r} to the entities the index should hold",
                table=self.name,
            )

        pk = part(g["pk"])
        writers = [e for e in entities if any(kp.attribute == pk.attribute for kp in e.index_keys)]
        conditions = {sparse_when(c): c for e in writers if (c := e.sparse_keys.get(pk.attribute)) is not None}
        shared = len(conditions) == 1 and all(pk.attribute in e.sparse_keys for e in writers)
        return IndexSpec(
            name=g["index_name"],
            pk=pk,
            sk=part(g["sk"]) if g.get("sk") else None,
            projection=g.get("projection", "ALL"),
            non_key_attributes=tuple(g.get("projected_attributes", ())),
            serves=(),
            sparse=next(iter(conditions.values())) if shared else None,
        )
