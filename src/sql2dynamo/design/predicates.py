"""SQL conditions as DynamoDB filter and condition expressions: an ordered rule table with reasons.

A :class:`~sql2dynamo.workload.shape.model.Predicate` the key cannot
enforce becomes part of a FilterExpression (reads) or a ConditionExpression
(writes).  :data:`RULES` says, in order, which SQL form becomes which
expression and why; the first rule that applies wins, and a predicate no
rule translates is refused with the reason and an alternative (the plan is
then recorded as unsupported, never run with the condition dropped).

How SQL NULL is kept
--------------------
A NULL column is an **absent attribute**: migrate omits it, sync and the
runtime write it the same way (an UPDATE to NULL is a ``REMOVE``), verify
compares items built by the same transform.  ``IS NULL`` is therefore
``attribute_not_exists`` and ``IS NOT NULL`` ``attribute_exists``, exactly.

SQL compares with NULL in three-valued logic (``NULL <> 3`` is unknown,
the row is not returned); DynamoDB evaluates a comparison with an absent
attribute as false, except ``<>``, which is true, and ``NOT`` turns false
into true.  So ``<>`` and every negated comparison also require the
attribute (``attribute_exists(#c) AND ...``), and ``NOT`` is pushed down to
the comparisons (De Morgan) before they are written: with those two rules a
filter keeps exactly the rows the SQL keeps, ORs and NOTs included.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sql2dynamo.design.access import SEARCH_ALTERNATIVE
from sql2dynamo.workload.shape.model import Predicate

MAX_IN_VALUES = 100  # DynamoDB's IN takes at most 100 operands
CASE_INSENSITIVE_LIKE = frozenset({"mysql", "sqlite"})  # default collations compare LIKE without case
DERIVED_ALTERNATIVE = (
    "store the value the condition needs as an attribute written with the item (a derived attribute), "
    "or filter the rows in the application"
)
_NEGATED = {"=": "<>", "<>": "=", "<": ">=", "<=": ">", ">": "<=", ">=": "<", "is_null": "is_not_null"}
_NEGATED["is_not_null"] = "is_null"
_LITERAL = re.compile(r"^('(?:[^']|'')*'|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|TRUE|FALSE|NULL)$", re.IGNORECASE)


class Untranslatable(Exception):
    """A predicate no rule can write as a DynamoDB expression: the reason and what to do instead."""

    def __init__(self, reason: str, alternative: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.alternative = alternative


@dataclass(frozen=True)
class Expression:
    """A DynamoDB expression with the ``#names`` and ``:values`` (value templates) it uses."""

    text: str
    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PredicateRule:
    """One row of the rule table: the SQL form, the expression it becomes, and why that is exact."""

    name: str
    sql: str
    dynamodb: str
    reason: str
    applies: Callable[[Predicate, bool, str], bool]  # (predicate, negated, source dialect)


def is_plain_value(text: str) -> bool:
    """A ``:param`` or a literal (string, number, TRUE/FALSE/NULL): what a plan can send as a value."""
    return (text.startswith(":") and text[1:].isidentifier()) or bool(_LITERAL.match(text.strip()))


def condition_value(text: str) -> str:
    """A condition value as a plan value template: ``{:param}``, or the literal's text."""
    if text.startswith(":"):
        return "{" + text + "}"
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'")
    return text


def _atom(op: str) -> Callable[[Predicate, bool, str], bool]:
    return lambda p, negated, _d: (
        (_NEGATED[p.op] if negated and p.op in _NEGATED else p.op) == op and not (negated and p.op not in _NEGATED)
    )


def _list_parameter(p: Predicate) -> bool:
    return p.op == "in" and "ANY" in p.text.upper()


RULES: tuple[PredicateRule, ...] = (
    PredicateRule(
        "other",
        "any other expression (functions, arithmetic, subqueries)",
        "refused",
        "DynamoDB evaluates only comparisons of stored attributes with values",
        lambda p, _n, _d: p.op in ("other", "join") or any(not is_plain_value(v) for v in _plain_values(p)),
    ),
    PredicateRule(
        "and-or",
        "a AND b, a OR b (also under NOT, by De Morgan)",
        "(a AND b), (a OR b)",
        "each part is exact on its own, and AND/OR keep a row in SQL exactly when they do in DynamoDB once "
        "no part is unknown-but-negated",
        lambda p, _n, _d: p.op in ("and", "or"),
    ),
    PredicateRule(
        "not",
        "NOT a",
        "a negated, pushed down to its comparisons",
        "NOT of an unknown comparison is unknown in SQL but true in DynamoDB: negating each comparison "
        "(with the attribute required) keeps SQL's answer",
        lambda p, _n, _d: p.op == "not",
    ),
    PredicateRule(
        "is-null",
        "c IS NULL",
        "attribute_not_exists(#c)",
        "a NULL column is an absent attribute (migrate omits it, an UPDATE to NULL removes it)",
        _atom("is_null"),
    ),
    PredicateRule(
        "is-not-null",
        "c IS NOT NULL",
        "attribute_exists(#c)",
        "a non-NULL column is a present attribute",
        _atom("is_not_null"),
    ),
    PredicateRule(
        "list-parameter",
        "c = ANY(:list)",
        "refused",
        "the number of values is not known when the plan is written",
        lambda p, _n, _d: _list_parameter(p),
    ),
    PredicateRule(
        "too-many-values",
        f"c IN (more than {MAX_IN_VALUES} values)",
        "refused",
        f"DynamoDB's IN takes at most {MAX_IN_VALUES} values",
        lambda p, _n, _d: p.op == "in" and len(p.values) > MAX_IN_VALUES,
    ),
    PredicateRule(
        "in",
        "c IN (v1, v2, ...)",
        "#c IN (:v1, :v2, ...)",
        "an absent attribute is in no list, as NULL IN (...) is never true",
        lambda p, negated, _d: p.op == "in" and not negated,
    ),
    PredicateRule(
        "not-in",
        "c NOT IN (v1, v2, ...)",
        "attribute_exists(#c) AND NOT (#c IN (...))",
        "NULL NOT IN (...) is unknown in SQL, so the attribute must be present",
        lambda p, negated, _d: p.op == "in" and negated,
    ),
    PredicateRule(
        "between",
        "c BETWEEN lo AND hi",
        "(#c >= :lo AND #c <= :hi)",
        "inclusive, and false (as in SQL) when lo > hi, where DynamoDB's BETWEEN is refused; an absent "
        "attribute is in no range",
        lambda p, negated, _d: p.op == "between" and not negated,
    ),
    PredicateRule(
        "not-between",
        "c NOT BETWEEN lo AND hi",
        "(#c < :lo OR #c > :hi)",
        "each comparison is false on an absent attribute, as SQL's is unknown",
        lambda p, negated, _d: p.op == "between" and negated,
    ),
    PredicateRule(
        "like-case-insensitive",
        "c LIKE 'abc%' on MySQL/MariaDB or SQLite",
        "refused",
        "their default collations match LIKE without case; begins_with is case-sensitive",
        lambda p, _n, d: p.op == "like" and d in CASE_INSENSITIVE_LIKE,
    ),
    PredicateRule(
        "like-prefix",
        "c LIKE 'abc%' (or :q || '%')",
        "begins_with(#c, :prefix)",
        "a prefix match is begins_with; the attribute must be present",
        lambda p, negated, _d: p.op == "like" and p.like == "prefix" and not negated,
    ),
    PredicateRule(
        "not-like-prefix",
        "c NOT LIKE 'abc%'",
        "attribute_exists(#c) AND NOT begins_with(#c, :prefix)",
        "NULL NOT LIKE ... is unknown in SQL, so the attribute must be present",
        lambda p, negated, _d: p.op == "like" and p.like == "prefix" and negated,
    ),
    PredicateRule(
        "like-other",
        "c LIKE '%abc%', '%abc', 'a_c' or a parameter pattern",
        "refused",
        "DynamoDB matches text only exactly or by prefix",
        lambda p, _n, _d: p.op == "like",
    ),
    PredicateRule(
        "not-equal",
        "c <> v (also NOT c = v)",
        "attribute_exists(#c) AND #c <> :v",
        "DynamoDB's <> is true for an absent attribute; SQL's is unknown for NULL",
        _atom("<>"),
    ),
    PredicateRule(
        "comparison",
        "c = v, c < v, c <= v, c > v, c >= v (a boolean column alone is c = TRUE)",
        "#c = :v, #c < :v, ...",
        "false on an absent attribute, as SQL's comparison with NULL is never true",
        lambda p, negated, _d: (_NEGATED.get(p.op, p.op) if negated else p.op) in ("=", "<", "<=", ">", ">="),
    ),
)


def _plain_values(p: Predicate) -> tuple[str, ...]:
    if p.op in ("and", "or", "not", "join", "other"):
        return ()
    return p.values


def rule_for(p: Predicate, negated: bool, dialect: str) -> PredicateRule | None:
    """The first rule of :data:`RULES` that applies (None: no rule does)."""
    return next((r for r in RULES if r.applies(p, negated, dialect)), None)


class Translator:
    """Writes predicates as one expression's parts, numbering placeholders ``:<prefix>_<column><n>``."""

    def __init__(self, prefix: str, attributes: Mapping[str, str], dialect: str) -> None:
        """``attributes`` maps a column (as the shape spells it) to its item attribute."""
        self.prefix = prefix
        self.attributes = attributes
        self.dialect = dialect
        self.names: dict[str, str] = {}
        self.values: dict[str, str] = {}

    def expression(self, p: Predicate) -> Expression:
        """``p`` alone as an expression (names and values it uses only)."""
        before_names, before_values = dict(self.names), dict(self.values)
        text = self.translate(p)
        names = {k: v for k, v in self.names.items() if k not in before_names}
        values = {k: v for k, v in self.values.items() if k not in before_values}
        return Expression(text, names, values)

    def translate(self, p: Predicate, negated: bool = False) -> str:
        """``p`` (negated when asked) as expression text; :class:`Untranslatable` when no rule does it."""
        rule = rule_for(p, negated, self.dialect)
        if rule is None or rule.dynamodb == "refused":
            reason = rule.reason if rule is not None else "no rule translates it"
            alternative = SEARCH_ALTERNATIVE if rule is not None and rule.name == "like-other" else DERIVED_ALTERNATIVE
            raise Untranslatable(f"the condition `{p.text}` cannot be checked by DynamoDB: {reason}", alternative)
        if rule.name == "and-or":
            joiner = {("and", False): " AND ", ("and", True): " OR ", ("or", False): " OR ", ("or", True): " AND "}
            return "(" + joiner[(p.op, negated)].join(self.translate(q, negated) for q in p.parts) + ")"
        if rule.name == "not":
            return self.translate(p.parts[0], not negated)
        name = self._name(p)
        if rule.name == "is-null":
            return f"attribute_not_exists({name})"
        if rule.name == "is-not-null":
            return f"attribute_exists({name})"
        values = [self._value(p, v) for v in p.values]
        if rule.name == "in":
            return f"{name} IN ({', '.join(values)})"
        if rule.name == "not-in":
            return f"(attribute_exists({name}) AND NOT ({name} IN ({', '.join(values)})))"
        if rule.name == "between":
            return f"({name} >= {values[0]} AND {name} <= {values[1]})"
        if rule.name == "not-between":
            return f"({name} < {values[0]} OR {name} > {values[1]})"
        if rule.name == "like-prefix":
            return f"begins_with({name}, {values[0]})"
        if rule.name == "not-like-prefix":
            return f"(attribute_exists({name}) AND NOT begins_with({name}, {values[0]}))"
        op = _NEGATED[p.op] if negated else p.op
        if op == "<>":
            return f"(attribute_exists({name}) AND {name} <> {values[0]})"
        return f"{name} {op} {values[0]}"

    def _name(self, p: Predicate) -> str:
        column = p.column or ""
        attribute = self.attributes.get(column) or self.attributes.get(column.split(".")[-1])
        if attribute is None:
            raise Untranslatable(
                f"the condition `{p.text}` is on {column}, which the items do not hold",
                "denormalize the column into the items, or filter the rows in the application",
            )
        placeholder = "#" + re.sub(r"\W", "_", attribute)
        self.names[placeholder] = attribute
        return placeholder

    def _value(self, p: Predicate, text: str) -> str:
        base = re.sub(r"\W", "_", (p.column or "").split(".")[-1])
        placeholder = f":{self.prefix}_{base}{len(self.values)}"
        self.values[placeholder] = condition_value(text)
        return placeholder


__all__ = [
    "DERIVED_ALTERNATIVE",
    "RULES",
    "Expression",
    "PredicateRule",
    "Translator",
    "Untranslatable",
    "condition_value",
    "is_plain_value",
    "rule_for",
]
