"""ruamel.yaml round-trip plumbing for patterns.py: loading with line numbers, faithful dumping."""

from __future__ import annotations

import difflib
import io
import re
from collections.abc import Mapping
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from sql2dynamo.common.errors import InputError

# (mapping, sequence, offset) indentations tried when rewriting a file; the
# one that reproduces the file as it is wins.
INDENTS = ((2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 6, 4), (4, 4, 0), (3, 3, 0))


def load_yaml(text: str, source: str) -> Any:
    """Parse YAML (round-trip types, which know their lines); syntax errors name the line."""
    try:
        return new_yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = exc.problem or exc.context or "invalid YAML"
        raise InputError(
            f"{source}: {where}YAML syntax error: {problem}",
            hint="fix the YAML there (indent with spaces, quote text containing ': ' or '#')",
        ) from None
    except YAMLError as exc:
        raise InputError(f"{source}: YAML syntax error: {exc}") from None


def load_yaml_fast(text: str) -> Any:
    """Parse YAML with libyaml (no line numbers, no comments): the quick path for valid files."""
    return YAML(typ="safe").load(text)


def key_line(node: Any, key: Any, default: int = 1) -> int:
    """The 1-based line of ``key`` in a loaded mapping (``default`` when unknown)."""
    try:
        return int(node.lc.key(key)[0]) + 1
    except (AttributeError, KeyError, TypeError):
        return default


def item_line(items: Any, index: int) -> int:
    """The 1-based line of item ``index`` in a loaded sequence."""
    try:
        return int(items.lc.item(index)[0]) + 1
    except (AttributeError, KeyError, TypeError, IndexError):
        return 1


def plain(value: Any) -> Any:
    """ruamel's round-trip types as plain dicts, lists, str, int, float."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    return value


def new_yaml(indent: tuple[int, int, int] = INDENTS[0]) -> YAML:
    """A round-trip YAML instance with (mapping, sequence, offset) indentation."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long SQL line
    mapping, sequence, offset = indent
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    # "null" rather than ruamel's empty value: `peak: null` says "unknown" out loud.
    yaml.representer.add_representer(
        type(None), lambda rep, _data: rep.represent_scalar("tag:yaml.org,2002:null", "null")
    )
    return yaml


def dump(yaml: YAML, doc: Any) -> str:
    """``doc`` as YAML text."""
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue()


def round_trip(text: str) -> tuple[YAML, Any]:
    """Load ``text`` with the indentation that dumps it back most faithfully."""
    best: tuple[int, YAML, Any] | None = None
    for indent in INDENTS:
        yaml = new_yaml(indent)
        doc = yaml.load(text)
        again = dump(yaml, doc)
        if again == text:
            return yaml, yaml.load(text)
        changed = sum(1 for line in difflib.ndiff(text.splitlines(), again.splitlines()) if line[:1] in "+-")
        if best is None or changed < best[0]:
            best = (changed, yaml, yaml.load(text))
    assert best is not None
    return best[1], best[2]


def flow_map(data: Mapping[str, Any]) -> CommentedMap:
    """A mapping written on one line: ``{avg: 1.5, peak: null}``."""
    node = CommentedMap()
    for key, value in data.items():
        node[key] = flow_value(value)
    node.fa.set_flow_style()
    return node


def flow_value(value: Any) -> Any:
    """``value`` with every nested mapping and list in flow style."""
    if isinstance(value, Mapping):
        return flow_map(value)
    if isinstance(value, list | tuple):
        seq = CommentedSeq([flow_value(v) for v in value])
        seq.fa.set_flow_style()
        return seq
    return value


def split_tail(text: str) -> tuple[str, str]:
    """``text`` as (everything up to the last YAML line, the comment and blank lines after it)."""
    lines = text.splitlines(keepends=True)
    cut = len(lines)
    while cut and (not lines[cut - 1].strip() or lines[cut - 1].lstrip().startswith("#")):
        cut -= 1
    return "".join(lines[:cut]), "".join(lines[cut:])


def blank_line_between_entries(body: str) -> bool:
    """Whether the file separates list items with blank lines."""
    return re.search(r"\n[ \t]*\n(?:[ \t]*#[^\n]*\n)*[ \t]*- ", body) is not None
