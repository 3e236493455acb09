"""Render a :class:`~sql2dynamo.codegen.spec.ModuleSpec` as Python source.

The text is written so that ``ruff format`` leaves it as it is under any
line length from 88 up: what is emitted on one line fits in 88 columns, and
whatever is wider is split one element per line with a trailing comma (which
the formatter keeps split).  Docstrings are wrapped at 88 columns too, so
``ruff check`` (E501) passes under the default configuration as well as the
project's.  Nothing depends on time, paths or dict order beyond the model's,
so the same model always renders the same bytes.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence

from sql2dynamo.codegen.spec import Method, ModuleSpec, Param, RowClass

WIDTH = 88
_IND = "    "


def pystr(text: str) -> str:
    """A string literal as ``ruff format`` writes it: double quotes unless the text has more of them than single."""
    quote = "'" if text.count('"') > text.count("'") else '"'
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == quote:
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif not ch.isprintable():
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(ch)
    return quote + "".join(out) + quote


def _doc_text(text: str) -> str:
    # Docstring content: no closing quotes, no escapes that change meaning, no tabs or control characters.
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"').replace("\t", "    ")
    text = "".join(ch if ch.isprintable() or ch == "\n" else " " for ch in text)
    return text.strip()


def docstring(indent: str, summary: str, sections: Sequence[Sequence[str]] = ()) -> list[str]:
    """A docstring: ``summary`` then paragraphs (lists of lines, already wrapped); closing quotes on their own line."""
    width = WIDTH - len(indent)
    summary_lines = textwrap.wrap(_doc_text(summary) or "-", width - 3, break_long_words=False, break_on_hyphens=False)
    if summary_lines[-1][-1:] not in (".", "!", "?", ":"):
        summary_lines[-1] += "."
    if not sections and len(summary_lines) == 1 and len(indent) + 6 + len(summary_lines[0]) <= WIDTH:
        line = summary_lines[0]
        if line.endswith('"'):
            line += " "
        return [f'{indent}"""{line}"""']
    lines = [f'{indent}"""{summary_lines[0]}']
    lines += [indent + s for s in summary_lines[1:]]
    for section in sections:
        lines.append("")
        lines += [(indent + s).rstrip() if s else "" for s in section]
    lines.append(f'{indent}"""')
    return lines


def wrap(text: str, width: int, prefix: str = "") -> list[str]:
    """``text`` (made docstring-safe) wrapped at ``width`` columns, every line after ``prefix``."""
    out: list[str] = []
    for para in _doc_text(text).splitlines() or [""]:
        out += textwrap.wrap(
            para, width - len(prefix), break_long_words=False, break_on_hyphens=False, subsequent_indent=""
        ) or [""]
    return [prefix + line for line in out]


def _call_or_split(indent: str, head: str, args: Sequence[str], tail: str) -> list[str]:
    """``head(args)tail`` on one line when it fits in :data:`WIDTH`, else one argument per line."""
    one = f"{indent}{head}({', '.join(args)}){tail}"
    if len(one) <= WIDTH and "\n" not in one:
        return [one]
    if not args:
        return [one]
    return [f"{indent}{head}(", *(f"{indent}{_IND}{a}," for a in args), f"{indent}){tail}"]


# ------------------------------------------------------------------------- pieces


def _row_class(cls: RowClass) -> list[str]:
    lines = ["@dataclass(frozen=True)", f"class {cls.name}:"]
    lines += docstring(_IND, cls.doc)
    lines.append("")
    for f in cls.fields:
        lines.append(f"{_IND}{f.name}: {f.annotation}")
    if cls.fields:
        lines.append("")
    lines.append(f"{_IND}@classmethod")
    lines.append(f"{_IND}def from_row(cls, row: Mapping[str, Any]) -> {cls.name}:")
    lines += docstring(_IND * 2, "The row as the runtime returns it, keyed by the SQL's column names.")
    if cls.fields:
        lines.append(f"{_IND * 2}return cls(")
        for f in cls.fields:
            if len(f.keys) > 1:
                pick = "_pick_optional" if f.optional else "_pick"
                lines += _call_or_split(_IND * 3, f"{f.name}={pick}", ["row", *map(pystr, f.keys)], ",")
            elif f.optional:
                lines.append(f"{_IND * 3}{f.name}=row.get({pystr(f.keys[0])}),")
            else:
                lines.append(f"{_IND * 3}{f.name}=row[{pystr(f.keys[0])}],")
        lines.append(f"{_IND * 2})")
    else:
        lines.append(f"{_IND * 2}return cls()")
    return lines


def _fmt(x: float | None) -> str:
    return "unknown" if x is None else f"{x:g}"


def _method_doc(m: Method) -> list[str]:
    indent = _IND * 2
    width = WIDTH - len(indent)
    kind = "write" if m.result == "write" else "read"
    facts = (
        f"Access pattern {m.pattern_id} ({kind}): {_fmt(m.rps_avg)} requests/s on average, {_fmt(m.rps_peak)} at peak."
    )
    sections: list[list[str]] = [wrap(facts, width)]
    if m.supported:
        cost = f"{m.rcu_per_call:g} RCU" if kind == "read" else f"{m.wcu_per_call:g} WCU"
        plan = ", ".join(m.operations) or "no call (DynamoDB does it itself, see the design)"
        sections.append(wrap(f"Plan: {plan}; {cost} per call.", width))
        if m.filters:
            text = ", ".join(f"``{f}``" for f in m.filters)
            sections.append(wrap(f"Filtered on every item read (read capacity counts them): {text}.", width))
        if m.conditions:
            text = " AND ".join(f"``{c}``" for c in m.conditions)
            outcome = "that item is skipped" if m.skips_refused else "nothing changes and ConditionFailed is raised"
            sections.append(wrap(f"Writes only where {text} holds (0 rows otherwise: {outcome}).", width))
    else:
        section = wrap(f"Unsupported: {m.reason or 'the design could not serve it'}.", width)
        if m.alternative:
            section += wrap(f"Alternative: {m.alternative}.", width)
        section += wrap("Raises UnsupportedPattern.", width)
        sections.append(section)
    sections.append(["SQL::"])
    sections.append(wrap(m.sql, width, prefix=_IND))
    return docstring(indent, m.description or f"Access pattern {m.pattern_id}.", sections)


def _returns(m: Method) -> str:
    if m.result == "one":
        return f"{m.row_class} | None"
    if m.result == "page":
        return f"Page[{m.row_class}]"
    if m.result == "count":
        return "int"
    if m.result == "exists":
        return "bool"
    return "WriteOutcome"


def _signature(m: Method) -> list[str]:
    args = ["self", *(f"{p.name}: {p.annotation}" for p in m.params)]
    if m.result == "page":
        args += ["limit: int = 20", "cursor: str | None = None"]
    return _call_or_split(_IND, f"def {m.name}", args, f" -> {_returns(m)}:")


def _params_dict(params: Sequence[Param], extra: Sequence[tuple[str, str]]) -> list[str]:
    items = [(p.key, p.name) for p in params] + list(extra)
    indent = _IND * 2
    if not items:
        return [f"{indent}params: dict[str, Any] = {{}}"]
    return [
        f"{indent}params: dict[str, Any] = {{",
        *(f"{indent}{_IND}{pystr(k)}: {v}," for k, v in items),
        f"{indent}}}",
    ]


def _body(m: Method) -> list[str]:
    indent = _IND * 2
    pid = pystr(m.pattern_id)
    if not m.supported:
        return [f"{indent}raise self._unsupported({pid})"]
    if m.result == "write":
        return [*_params_dict(m.params, ()), f"{indent}return self.repository.write({pid}, params)"]
    # The SQL's LIMIT becomes the page size; the runtime would stop the cursor once that many rows were
    # returned in all, so the total it is given is unbounded and the cursor goes on where OFFSET would.
    extra = [(m.limit_key, "_NO_TOTAL_LIMIT")] if m.limit_key else []
    lines = _params_dict(m.params, extra)
    if m.result == "page":
        lines += _call_or_split(
            indent, "page = self.repository.read", [pid, "params", "limit=limit", "cursor=cursor"], ""
        )
        rows = "page.rows"
        if m.view_table is not None:
            lines += _joined_call(indent, m)
            rows = "rows"
        # A name for the converter keeps every line short whatever the class is called.
        lines += [f"{indent}convert = {m.row_class}.from_row"]
        lines += [f"{indent}return Page(tuple(convert(row) for row in {rows}), page.cursor)"]
    else:
        lines.append(f"{indent}page = self.repository.read({pid}, params)")
        if m.result == "one":
            rows = "page.rows"
            if m.view_table is not None:
                lines += _joined_call(indent, m)
                rows = "rows"
            lines += [
                f"{indent}if not {rows}:",
                f"{indent}{_IND}return None",
                f"{indent}return {m.row_class}.from_row({rows}[0])",
            ]
        elif m.result == "count":
            lines += [
                f"{indent}if not page.rows:",
                f"{indent}{_IND}return 0",
                f"{indent}return int(next(iter(page.rows[0].values())))",
            ]
        else:
            lines.append(f"{indent}return len(page.rows) > 0")
    return lines


def _joined_call(indent: str, m: Method) -> list[str]:
    args = ["page.rows", pystr(m.view_table or ""), *(f"({pystr(a)}, {pystr(b)})" for a, b in m.view_renames)]
    return _call_or_split(indent, "rows = _joined", args, "")


_JOINED_HELPER = [
    "def _joined(",
    "    rows: Sequence[Mapping[str, Any]],",
    "    table: str,",
    "    *renames: tuple[str, str],",
    ") -> list[dict[str, Any]]:",
    '    """The rows of ``table`` inside rows of another entity, where its columns are "table.column".',
    "",
    "    ``renames`` (column, other) take a join column the item does not copy from the",
    "    other entity's column it equals.",
    '    """',
    '    prefix = table + "."',
    "    out: list[dict[str, Any]] = []",
    "    for row in rows:",
    "        mine = [k for k in row if k.startswith(prefix)]",
    "        view = {k.removeprefix(prefix): row[k] for k in mine}",
    "        for column, other in renames:",
    "            if column not in view and other in row:",
    "                view[column] = row[other]",
    "        out.append(view)",
    "    return out",
]


def _method(m: Method) -> list[str]:
    return [*_signature(m), *_method_doc(m), *_body(m)]


_UNSUPPORTED_HELPER = [
    f"{_IND}def _unsupported(self, pattern_id: str) -> UnsupportedPattern:",
    f'{_IND * 2}"""The error of a pattern the design could not serve, with its reason and alternative."""',
    f"{_IND * 2}plan = self.repository.model.plan(pattern_id)",
    f"{_IND * 2}return UnsupportedPattern(",
    f'{_IND * 3}f"access pattern {{pattern_id}} is not supported by this model: {{plan.reason}}",',
    f"{_IND * 3}reason=plan.reason,",
    f"{_IND * 3}alternative=plan.alternative,",
    f"{_IND * 3}pattern_id=pattern_id,",
    f"{_IND * 2})",
]


_PICK_HELPERS = [
    [
        "def _pick(row: Mapping[str, Any], *keys: str) -> Any:",
        '    """The value under the first of ``keys`` the row has (a joined column is "table.column")."""',
        "    for key in keys:",
        "        if key in row:",
        "            return row[key]",
        "    raise KeyError(keys[0])",
    ],
    [
        "def _pick_optional(row: Mapping[str, Any], *keys: str) -> Any:",
        '    """The value under the first of ``keys`` the row has, None when it has none."""',
        "    for key in keys:",
        "        if key in row:",
        "            return row[key]",
        "    return None",
    ],
]


def _repository(spec: ModuleSpec) -> list[str]:
    lines = [f"class {spec.repository_class}:"]
    lines += docstring(
        _IND,
        f"The access patterns of {spec.application} as typed methods over a runtime Repository.",
        [
            wrap("Build it with the same data_model.json this module was generated from:", WIDTH - 4),
            [f"    {spec.repository_class}(Repository.from_model_dir(model_dir, client))"],
        ],
    )
    lines += [
        "",
        f"{_IND}def __init__(self, repository: Repository) -> None:",
        f'{_IND * 2}"""Wrap ``repository``, which runs the plans of the model."""',
        f"{_IND * 2}self.repository = repository",
    ]
    for m in spec.methods:
        lines.append("")
        lines += _method(m)
    if any(not m.supported for m in spec.methods):
        lines.append("")
        lines += _UNSUPPORTED_HELPER
    return lines


def _imports(body: str, spec: ModuleSpec) -> list[str]:
    stdlib_plain = ["import datetime"] if re.search(r"\bdatetime\.", body) else []
    abc = [n for n in ("Mapping", "Sequence") if re.search(rf"\b{n}\[", body)]
    typing_names = ["Any", "Generic", "TypeVar"]
    froms = []
    if abc:
        froms.append(f"from collections.abc import {', '.join(abc)}")
    froms.append("from dataclasses import dataclass")
    if re.search(r"\bDecimal\b", body):
        froms.append("from decimal import Decimal")
    froms.append(f"from typing import {', '.join(typing_names)}")
    runtime = ["Repository"]
    if any(not m.supported for m in spec.methods):
        runtime.append("UnsupportedPattern")
    if any(m.result == "write" and m.supported for m in spec.methods):
        runtime.append("WriteOutcome")
    # WriteOutcome is the annotation of unsupported writes too.
    if any(m.result == "write" for m in spec.methods) and "WriteOutcome" not in runtime:
        runtime.append("WriteOutcome")
    runtime_line = f"from sql2dynamo.runtime import {', '.join(sorted(runtime))}"
    return [
        "from __future__ import annotations",
        "",
        *stdlib_plain,
        *froms,
        "",
        runtime_line,
    ]


def render_module(spec: ModuleSpec, *, source: str) -> str:
    """The generated module's text; ``source`` names the model in the module docstring."""
    skipped = "; ".join(f"{p} ({why})" for p, why in spec.skipped)
    head = docstring(
        "",
        f"Typed data access for {spec.application} on its {spec.strategy} DynamoDB model.",
        [
            wrap(
                f"Generated by `sql2dynamo codegen` from {source}: do not edit, generate it again. "
                "Every method runs one access pattern's plan through sql2dynamo.runtime.Repository "
                "and returns the rows the SQL would return, as the frozen dataclasses below.",
                WIDTH,
            ),
            *([wrap(f"Patterns without a method: {skipped}.", WIDTH)] if skipped else []),
        ],
    )
    constants = ['T = TypeVar("T")']
    if any(m.limit_key and m.supported for m in spec.methods):
        constants += [
            "# A SQL LIMIT is the page size of its method: the cursor goes on past it, as OFFSET would.",
            "_NO_TOTAL_LIMIT = 2**62",
        ]
    blocks: list[list[str]] = [
        constants,
        [
            "@dataclass(frozen=True)",
            "class Page(Generic[T]):",
            *docstring(_IND, "One page of rows; pass ``cursor`` back for the next page (None: no more)."),
            "",
            f"{_IND}items: tuple[T, ...]",
            f"{_IND}cursor: str | None",
        ],
        *(_PICK_HELPERS if any(len(f.keys) > 1 for c in spec.rows for f in c.fields) else []),
        *([_JOINED_HELPER] if any(m.view_table and m.supported for m in spec.methods) else []),
        *(_row_class(c) for c in spec.entities),
        *(_row_class(c) for c in spec.rows),
        _repository(spec),
    ]
    body = "\n\n\n".join("\n".join(b) for b in blocks)
    # One blank line after the imports: isort's rule when what follows is not a class or a function.
    return "\n".join([*head, "", *_imports(body, spec), ""]) + "\n" + body + "\n"
