"""The files of an ImportTable export: one item per line, in DynamoDB JSON or Amazon Ion text, maybe compressed.

The two input formats DynamoDB's ImportTable documents (``InputFormat``):

* ``DYNAMODB_JSON``: one ``{"Item": {...}}`` object per line, the item in
  DynamoDB's low-level JSON (``{"N": "12.5"}``, binaries in base64);
* ``ION``: one ``$ion_1_0 {Item:{...}}`` value per line, with DynamoDB's type
  mapping: strings, decimals (numbers keep every digit: ``125d-1``), blobs
  (``{{base64}}``), ``true``/``false``, ``null``, lists, structs, and sets as
  lists annotated ``$dynamodb_SS::``, ``$dynamodb_NS::`` or ``$dynamodb_BS::``.

``InputCompressionType`` is ``NONE``, ``GZIP`` or ``ZSTD``; zstd needs the
``zstandard`` package (the optional extra ``sql2dynamo[export]``), and the
message naming it is the one error when it is missing.

Reading back (:func:`read_items`, for ``verify --from-export``) gives the
low-level items again; Ion is read with the ``amazon.ion`` package (same
extra), an implementation independent of the writer here.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Literal, cast

from sql2dynamo.common.errors import InputError, PrerequisiteError, UsageError
from sql2dynamo.target.import_table import INPUT_COMPRESSION, INPUT_FORMATS

__all__ = [
    "COMPRESSIONS",
    "FORMATS",
    "Compression",
    "ExportFormat",
    "encode_line",
    "file_suffix",
    "import_compression",
    "import_format",
    "open_compressed",
    "read_items",
]

ExportFormat = Literal["dynamodb-json", "ion"]
Compression = Literal["none", "gzip", "zstd"]
FORMATS: tuple[ExportFormat, ...] = ("dynamodb-json", "ion")
COMPRESSIONS: tuple[Compression, ...] = ("none", "gzip", "zstd")
_EXTRA = "pip install 'sql2dynamo[export]'"

Item = Mapping[str, Mapping[str, Any]]


def import_format(fmt: ExportFormat) -> str:
    """ImportTable's ``InputFormat`` for ``fmt``."""
    return INPUT_FORMATS[fmt]


def import_compression(compression: Compression) -> str:
    """ImportTable's ``InputCompressionType`` for ``compression``."""
    return INPUT_COMPRESSION[compression]


def file_suffix(fmt: ExportFormat, compression: Compression) -> str:
    """``.json``/``.ion``, plus ``.gz``/``.zst`` when compressed."""
    return (".json" if fmt == "dynamodb-json" else ".ion") + {"none": "", "gzip": ".gz", "zstd": ".zst"}[compression]


# ------------------------------------------------------------------ writing


def encode_line(item: Item, fmt: ExportFormat) -> bytes:
    """One item as one line of ``fmt`` (newline included), UTF-8."""
    if fmt == "dynamodb-json":
        body = {name: _json_value(av) for name, av in item.items()}
        text = json.dumps({"Item": body}, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    else:
        text = "$ion_1_0 {Item:" + _ion_struct(item) + "}"
    return (text + "\n").encode("utf-8")


def _b64(payload: Any) -> str:
    return payload if isinstance(payload, str) else base64.b64encode(bytes(payload)).decode("ascii")


def _json_value(av: Mapping[str, Any]) -> dict[str, Any]:
    ((kind, payload),) = av.items()
    if kind == "B":
        return {"B": _b64(payload)}
    if kind == "BS":
        return {"BS": [_b64(b) for b in payload]}
    if kind == "M":
        return {"M": {k: _json_value(v) for k, v in payload.items()}}
    if kind == "L":
        return {"L": [_json_value(v) for v in payload]}
    return {kind: payload}


def _ion_string(text: str) -> str:
    # JSON's string escapes are Ion's too (\" \\ \n \t \uXXXX); non-ASCII stays as UTF-8 text.
    return json.dumps(text, ensure_ascii=False)


def _ion_decimal(text: str) -> str:
    """A DynamoDB number as an Ion decimal with every digit kept: ``12.50`` -> ``1250d-2``."""
    sign, digits, exponent = Decimal(str(text)).as_tuple()
    assert isinstance(exponent, int)
    return f"{'-' if sign else ''}{''.join(map(str, digits)) or '0'}d{exponent}"


def _ion_blob(payload: Any) -> str:
    return "{{" + _b64(payload) + "}}"


def _ion_struct(item: Mapping[str, Mapping[str, Any]]) -> str:
    return "{" + ",".join(f"{_ion_string(name)}:{_ion_value(av)}" for name, av in item.items()) + "}"


def _ion_value(av: Mapping[str, Any]) -> str:
    ((kind, payload),) = av.items()
    if kind == "S":
        return _ion_string(payload)
    if kind == "N":
        return _ion_decimal(payload)
    if kind == "B":
        return _ion_blob(payload)
    if kind == "BOOL":
        return "true" if payload else "false"
    if kind == "NULL":
        return "null"
    if kind == "M":
        return _ion_struct(payload)
    if kind == "L":
        return "[" + ",".join(_ion_value(v) for v in payload) + "]"
    if kind == "SS":
        return "$dynamodb_SS::[" + ",".join(_ion_string(s) for s in payload) + "]"
    if kind == "NS":
        return "$dynamodb_NS::[" + ",".join(_ion_decimal(n) for n in payload) + "]"
    if kind == "BS":
        return "$dynamodb_BS::[" + ",".join(_ion_blob(b) for b in payload) + "]"
    raise ValueError(f"unknown DynamoDB type {kind!r}")


# ------------------------------------------------------------------ compression


def open_compressed(path: Path, compression: Compression, mode: Literal["rb", "wb"]) -> IO[bytes]:
    """``path`` opened for binary reading or writing through ``compression``."""
    if compression == "none":
        return open(path, mode)
    if compression == "gzip":
        # mtime 0: the same items give the same bytes, whenever they are written (golden files, hashes).
        raw = open(path, mode)  # noqa: SIM115 - closed through the gzip file
        if mode == "wb":
            return cast(IO[bytes], gzip.GzipFile(filename="", mode=mode, fileobj=raw, mtime=0))
        return _gzip_reader(raw)
    zstd = zstandard_module()
    handle = open(path, mode)  # noqa: SIM115 - closed through the zstd stream
    if mode == "wb":
        return zstd.ZstdCompressor(level=3).stream_writer(handle, closefd=True)  # type: ignore[no-any-return]
    return zstd.ZstdDecompressor().stream_reader(handle, closefd=True)  # type: ignore[no-any-return]


def _gzip_reader(raw: IO[bytes]) -> IO[bytes]:
    return cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb"))


def zstandard_module() -> Any:
    """The ``zstandard`` module, or a one-line error naming the extra that installs it."""
    try:
        import zstandard  # noqa: PLC0415 - optional: only zstd exports need it
    except ImportError:
        raise PrerequisiteError("--compress zstd needs the zstandard package", hint=_EXTRA) from None
    return zstandard


def check_compression(compression: str) -> Compression:
    """``compression`` if known and usable here (zstd: its package is installed); ``UsageError`` otherwise."""
    if compression not in COMPRESSIONS:
        raise UsageError(f"unknown compression {compression!r}", hint="use none, gzip or zstd")
    if compression == "zstd":
        zstandard_module()
    return compression


# ------------------------------------------------------------------ reading back


def read_items(path: Path, fmt: ExportFormat, compression: Compression) -> Iterator[dict[str, Any]]:
    """The low-level items of one export file, in file order; ``InputError`` naming the file and line if bad."""
    with open_compressed(path, compression, "rb") as raw:
        lines = io.TextIOWrapper(raw, encoding="utf-8")
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                yield _json_item(line) if fmt == "dynamodb-json" else _ion_item(line)
            except (ValueError, KeyError, TypeError) as exc:
                raise InputError(
                    f"{path}:{number} is not an item of a {fmt} export ({exc})",
                    hint="export again: the file was changed or cut short",
                ) from None


def _json_item(line: str) -> dict[str, Any]:
    data = json.loads(line)
    if not isinstance(data, dict) or set(data) != {"Item"} or not isinstance(data["Item"], dict):
        raise ValueError('a line holds one {"Item": {...}} object')
    return dict(data["Item"])


def _ion_item(line: str) -> dict[str, Any]:
    simpleion = ion_module()
    value = simpleion.loads(line)
    item = value["Item"]
    return {str(name): _from_ion(v) for name, v in item.items()}


def ion_module() -> Any:
    """``amazon.ion.simpleion``, or a one-line error naming the extra that installs it."""
    try:
        from amazon.ion import simpleion  # noqa: PLC0415 - optional: only reading Ion exports needs it
    except ImportError:
        raise PrerequisiteError("reading Ion exports needs the amazon-ion package", hint=_EXTRA) from None
    return simpleion


def _from_ion(value: Any) -> dict[str, Any]:
    """One Ion value (as amazon.ion reads it) as a low-level attribute value."""
    kind = getattr(getattr(value, "ion_type", None), "name", None)
    annotations = [str(getattr(a, "text", a)) for a in getattr(value, "ion_annotations", ())]
    if value is None or kind == "NULL" or getattr(value, "is_null", False):
        return {"NULL": True}
    if kind == "BOOL" or isinstance(value, bool):
        return {"BOOL": bool(value)}
    if kind in ("DECIMAL", "INT", "FLOAT") or isinstance(value, (int, Decimal)):
        return {"N": str(Decimal(value) if not isinstance(value, Decimal) else value)}
    if kind in ("STRING", "SYMBOL") or isinstance(value, str):
        return {"S": str(getattr(value, "text", value))}
    if kind in ("BLOB", "CLOB") or isinstance(value, (bytes, bytearray)):
        return {"B": base64.b64encode(bytes(value)).decode("ascii")}
    if kind == "STRUCT" or isinstance(value, dict):
        return {"M": {str(k): _from_ion(v) for k, v in value.items()}}
    if kind == "LIST" or isinstance(value, list):
        if "$dynamodb_SS" in annotations:
            return {"SS": [str(v) for v in value]}
        if "$dynamodb_NS" in annotations:
            return {"NS": [str(Decimal(v)) for v in value]}
        if "$dynamodb_BS" in annotations:
            return {"BS": [base64.b64encode(bytes(v)).decode("ascii") for v in value]}
        return {"L": [_from_ion(v) for v in value]}
    raise ValueError(f"an Ion value DynamoDB does not import: {value!r}")
