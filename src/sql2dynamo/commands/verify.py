"""``sql2dynamo verify``: does DynamoDB hold exactly the items the source and the model call for?

:func:`verify` counts and compares every table of ``data_model.json`` (see
:mod:`sql2dynamo.verify.compare`) and returns a :class:`VerifyResult`; it does
not raise on differences, so a caller can write the report first.
:meth:`VerifyResult.raise_if_different` raises :class:`VerificationFailed`
(exit code 8) when anything differs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from sql2dynamo.common.errors import InputError, UsageError, VerificationFailed
from sql2dynamo.common.reporting import Reporter
from sql2dynamo.common.results import Result
from sql2dynamo.cutover.status import record_verify
from sql2dynamo.items.source_schema import read_mapped_tables
from sql2dynamo.items.transform import ItemBuilder
from sql2dynamo.source.connect import open_source
from sql2dynamo.target.endpoint import TargetSpec, dynamodb_client, explain_error, parse_target
from sql2dynamo.target.model_file import load_model
from sql2dynamo.verify.compare import DEFAULT_MAX_DIFFS, DEFAULT_MAX_KEYS, Comparison, compare
from sql2dynamo.verify.scan import check_segments
from sql2dynamo.verify.source_items import SourceItems
from sql2dynamo.verify.targets import DynamoDBItems, ExportItems, TargetItems

__all__ = ["VerifyResult", "verify"]


@dataclass(frozen=True)
class VerifyResult(Result):
    """Every table's counts and the differences found between the source's items and the target's."""

    source: str
    model_path: Path
    target: str
    comparison: Comparison
    max_keys: int
    seconds: float

    @property
    def ok(self) -> bool:
        """No difference anywhere."""
        return self.comparison.ok

    def totals(self) -> dict[str, int]:
        """Counts summed over tables."""
        names = ("expected", "actual", "missing", "extra", "different", "duplicates", "rejects", "expired")
        return {n: sum(getattr(t, n) for t in self.comparison.tables) for n in names}

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary (for ``--summary FILE.json``): counts per table, no keys."""
        return {
            "command": "verify",
            "source": self.source,
            "model": str(self.model_path),
            "target": self.target,
            "ok": self.ok,
            "seconds": round(self.seconds, 3),
            "totals": self.totals(),
            "tables": [t.as_dict() for t in self.comparison.tables],
        }

    def report(self) -> dict[str, Any]:
        """The full report (for ``--report FILE.json``): the summary plus the key of every difference."""
        return {
            **self.summary(),
            "differences": [d.as_dict() for d in self.comparison.differences],
            "differences_truncated": self.comparison.truncated,
            "max_keys": self.max_keys,
            "rejects": [
                {"source_table": r.source_table, "key": r.key, "table": r.table, "reason": r.reason}
                for r in self.comparison.rejects
            ],
        }

    def describe(self, out: Reporter) -> None:
        """The per-table table, the first differences with their diffs, and one closing line."""
        rows = [
            [t.table, t.expected, t.actual, t.missing, t.extra, t.different, t.rejects, t.expired, round(t.seconds, 2)]
            for t in self.comparison.tables
        ]
        out.table(
            f"verify {self.target} against {self.source}",
            ["table", "expected", "actual", "missing", "extra", "different", "rejects", "expired (TTL)", "seconds"],
            rows,
        )
        for d in self.comparison.differences[:20]:
            out.warning(f"{d.kind} in {d.table}: {d.key}")
            for line in d.diff:
                out.warning(f"    {line}")
        totals = self.totals()
        verdict = "match" if self.ok else "DIFFER"
        out.info(
            f"verify: {verdict}: {totals['expected']} expected, {totals['actual']} found, {totals['missing']} missing, "
            f"{totals['extra']} extra, {totals['different']} different"
            + (f", {totals['expired']} expired by TTL" if totals["expired"] else "")
            + f" in {self.seconds:.1f} s"
        )

    def raise_if_different(self) -> None:
        """Raise :class:`VerificationFailed` naming the first differences, unless everything matches."""
        if self.ok:
            return
        bad = [t for t in self.comparison.tables if not t.ok]
        parts = []
        for t in bad:
            counts = ", ".join(
                f"{n} {k}" for k, n in (("missing", t.missing), ("extra", t.extra), ("different", t.different)) if n
            )
            parts.append(f"{t.table} ({t.expected} expected, {t.actual} found{'; ' + counts if counts else ''})")
        first = ", ".join(f"{d.kind} {d.table} {d.key}" for d in self.comparison.differences[:3])
        raise VerificationFailed(
            f"{self.target} differs from the source in {len(bad)} table(s): {'; '.join(parts)}"
            + (f"; first: {first}" if first else ""),
            hint="see the table above, or --report FILE.json for every key",
            tables=[t.table for t in bad],
        )


def verify(
    source_url: str,
    model_dir: Path,
    target: str | TargetSpec | None,
    *,
    reporter: Reporter,
    segments: int = 4,
    batch_size: int = 1000,
    max_keys: int = DEFAULT_MAX_KEYS,
    max_diffs: int = DEFAULT_MAX_DIFFS,
    work_dir: Path | None = None,
    from_export: Path | None = None,
) -> VerifyResult:
    """Compare the model's tables on ``target`` with the items the source's rows build.

    ``segments`` is the number of parallel Scan segments per table.  Raises
    ``UsageError`` (bad options or target), ``InputError`` (no model, a mapped
    table missing from the source), ``SourceConnectionError``, ``TargetError``
    (a table missing on the target, a refused request); differences are in
    the result, see :meth:`VerifyResult.raise_if_different`.

    ``from_export`` checks the files of an ``export`` directory instead of a
    target (``target`` is then ``None``): the same hashes, before a paid import.
    """
    started = time.monotonic()
    if (target is None) == (from_export is None):
        raise UsageError("verify checks either --target or --from-export DIR", hint="give exactly one of them")
    spec = None if target is None else target if isinstance(target, TargetSpec) else parse_target(target)
    check_segments(segments)
    if max_keys < 0 or max_diffs < 0 or batch_size < 1:
        raise UsageError("verify limits must not be negative, and batches hold at least one row")
    path, model = load_model(model_dir, contract=True, source_url=source_url)  # a contract alone will do
    builder = ItemBuilder(model)
    client = None if spec is None else dynamodb_client(spec, reporter)
    actual: TargetItems
    if client is not None:
        actual = DynamoDBItems(client, segments=segments)
    else:
        assert from_export is not None
        actual = ExportItems(from_export)
    shown = spec.display if spec is not None else f"export {from_export}"
    source = open_source(source_url)
    try:
        wanted = set(builder.source_tables)
        for name in builder.source_tables:
            wanted.update(builder.joins(name))
        schema = read_mapped_tables(source, model, wanted, reporter=reporter)  # only those, typed as decided
        tables = {t.name: t for t in schema.tables if t.name in wanted}
        absent = sorted(wanted - set(tables))
        if absent:
            raise InputError(
                f"{source.display_url} has no table {', '.join(absent)}, which the model maps",
                hint="verify against the database the model was designed from",
            )
        reporter.info(f"verifying {shown} against {source.display_url}")
        try:
            comparison = compare(
                SourceItems(source, tables, builder),
                model,
                actual,
                reporter=reporter,
                batch_size=batch_size,
                max_keys=max_keys,
                max_diffs=max_diffs,
                work_dir=work_dir,
            )
        except (BotoCoreError, ClientError) as exc:
            assert spec is not None  # files raise no botocore error
            raise explain_error(exc, spec) from None
        display = source.display_url
    finally:
        source.engine.dispose()
    result = VerifyResult(display, path, shown, comparison, max_keys, time.monotonic() - started)
    if client is not None:
        # A cut-over in progress on this target gates its phases on the last verify (never raises).
        record_verify(client, result.summary(), reporter)
    return result
