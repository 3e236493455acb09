"""Python names for a model's tables, columns and access patterns: deterministic, valid, collision-free.

Every rule here is a pure function of its input text, so the same model always
gives the same names:

- :func:`snake` turns any text into a lower-case identifier: camelCase is split
  (``InvoiceId`` -> ``invoice_id``), accents are dropped, anything else that is
  not a letter or digit becomes ``_``, a leading digit gets an ``x_`` prefix,
  a keyword or a reserved name gets a ``_`` suffix (``class`` -> ``class_``).
- :func:`camel` turns a table name into a class name (``invoice_line`` ->
  ``InvoiceLine``); a leading digit gets a ``T`` prefix.
- :func:`singular` / :func:`plural` inflect the last word of a snake name.
- :func:`method_name` builds ``<verb>_<entity>[_by_<columns>]``.
- :func:`dedupe` resolves collisions: every name that several patterns share
  gets the pattern id as suffix; whatever still collides gets ``_2``, ``_3``...
"""

from __future__ import annotations

import keyword
import re
import unicodedata
from collections.abc import Iterable, Sequence

# Names the generated module itself uses at module scope or in signatures: a field or
# parameter of that name would shadow it inside annotations.
RESERVED = frozenset(
    {
        "self",
        "cls",
        "limit",
        "cursor",
        "from_row",
        "params",
        "page",
        "convert",
        "datetime",
        "decimal",
        "Decimal",
        "Any",
        "Generic",
        "TypeVar",
        "Mapping",
        "Sequence",
        "dataclass",
        "annotations",
        "T",
        "Page",
        "Repository",
        "WriteOutcome",
        "UnsupportedPattern",
        # the builtins the annotations use (a field called ``str`` would shadow the type of the fields after it)
        *("int", "str", "float", "bool", "bytes", "list", "tuple", "dict", "frozenset", "set", "object", "type"),
        "None",
        "True",
        "False",
    }
)

# Range operators as words in a method name: count_logs_by_user_id_and_created_at_from.
RANGE_WORDS = {">": "after", ">=": "from", "<": "before", "<=": "until", "in": "in"}

# Words whose plural or singular is not the regular one, and words that end in s but are singular.
_IRREGULAR_PLURAL = {"person": "people", "child": "children", "man": "men", "woman": "women", "datum": "data"}
_IRREGULAR_SINGULAR = {v: k for k, v in _IRREGULAR_PLURAL.items()}
_SINGULAR_S = ("ss", "us", "is", "news", "series", "species", "status")
_UNCOUNTABLE = frozenset({"data", "info", "information", "metadata", "media", "history_data", "equipment"})


def _ascii(text: str) -> str:
    # Decompose accents (é -> e + combining mark) and keep only ASCII; other letters become separators.
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch if ch.isascii() else ("" if unicodedata.combining(ch) else "_") for ch in decomposed)


def words(text: str) -> list[str]:
    """The lower-case words of ``text``: camelCase and non-alphanumerics split it."""
    text = _ascii(text)
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", text)
    return [w for w in re.split(r"[^A-Za-z0-9]+", text.lower()) if w]


def snake(text: str, *, reserved: Iterable[str] = RESERVED, fallback: str = "x") -> str:
    """A valid lower-case Python identifier for ``text`` (see the module docstring)."""
    name = "_".join(words(text)) or fallback
    if name[0].isdigit():
        name = f"x_{name}"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in set(reserved):
        name += "_"
    return name


def camel(text: str, *, fallback: str = "Row") -> str:
    """A CapWords class name for ``text``."""
    name = "".join(w[:1].upper() + w[1:] for w in words(text)) or fallback
    return f"T{name}" if name[0].isdigit() else name


def singular(name: str) -> str:
    """``name`` with its last word made singular (``search_histories`` -> ``search_history``)."""
    head, _, last = name.rpartition("_")
    return (head + "_" if head else "") + _singular_word(last)


def plural(name: str) -> str:
    """``name`` with its last word made plural (``invoice_line`` -> ``invoice_lines``)."""
    head, _, last = name.rpartition("_")
    return (head + "_" if head else "") + _plural_word(last)


def _singular_word(word: str) -> str:
    if word in _IRREGULAR_SINGULAR:
        return _IRREGULAR_SINGULAR[word]
    if word in _UNCOUNTABLE or word in _IRREGULAR_PLURAL or word.endswith(_SINGULAR_S) or len(word) < 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zzes")):
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word


def _plural_word(word: str) -> str:
    if word in _IRREGULAR_PLURAL:
        return _IRREGULAR_PLURAL[word]
    if word in _UNCOUNTABLE or word in _IRREGULAR_SINGULAR:
        return word
    if word.endswith("y") and len(word) > 1 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    return word + "s"


def by_part(columns: Sequence[tuple[str, str]]) -> str:
    """``by_<col>_and_<col>`` from (column, operator) pairs; ranges add a word (``created_at_from``)."""
    parts: list[str] = []
    for column, op in columns:
        part = "_".join(words(column.split(".")[-1])) or "x"
        if op in RANGE_WORDS:
            part += "_" + RANGE_WORDS[op]
        if part not in parts:
            parts.append(part)
    return "by_" + "_and_".join(parts) if parts else ""


def method_name(verb: str, entity: str, columns: Sequence[tuple[str, str]]) -> str:
    """``<verb>_<entity>[_by_<columns>]`` as a valid identifier; ``entity`` is already inflected."""
    by = by_part(columns)
    return snake("_".join(p for p in (verb, "_".join(words(entity)), by) if p))


def dedupe(names: Sequence[tuple[str, str]], taken: Iterable[str] = ()) -> dict[str, str]:
    """Unique names for (key, wanted name) pairs, in order.

    A wanted name that several keys share gets ``_<key>`` on every one of
    them (so adding a pattern renames only its twins, not the whole module);
    a name that still collides, with another or with ``taken``, gets ``_2``, ``_3``...
    """
    counts: dict[str, int] = {}
    for _, wanted in names:
        counts[wanted] = counts.get(wanted, 0) + 1
    used = set(taken)
    out: dict[str, str] = {}
    for key, wanted in names:
        name = f"{wanted}_{snake(key)}".replace("__", "_") if counts[wanted] > 1 else wanted
        base, n = name, 2
        while name in used:
            name, n = f"{base}_{n}", n + 1
        used.add(name)
        out[key] = name
    return out


def dedupe_classes(names: Sequence[tuple[str, str]], taken: Iterable[str]) -> dict[str, str]:
    """Unique class names for (key, wanted) pairs: ``Row`` suffix for a taken name, then ``2``, ``3``..."""
    used = set(taken)
    out: dict[str, str] = {}
    for key, wanted in names:
        name = f"{wanted}Row" if wanted in used and wanted in RESERVED else wanted
        base, n = name, 2
        while name in used:
            name, n = f"{base}{n}", n + 1
        used.add(name)
        out[key] = name
    return out
