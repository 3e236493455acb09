"""``sql2dynamo validate``: does every access pattern's plan return what its SQL returns?

The model's tables are deployed on the target when absent (``deploy``) and
filled from the source (``migrate``); then every pattern of the patterns file
(by default ``access_patterns.yaml`` beside ``data_model.json``) runs on both
sides and is compared (see :mod:`sql2dynamo.validate.run`).  :func:`validate`
returns a :class:`ValidateResult` and does not raise on a difference;
:meth:`ValidateResult.raise_if_failed` raises :class:`ValidationFailed`
(exit code 9).

``sample`` copies only the first N rows of every table the model maps, plus
the rows those refer to, so related rows stay together (see
:mod:`sql2dynamo.validate.sample`).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from sql2dynamo.commands.deploy import deploy
from sql2dynamo.commands.migrate import migrate, raise_for_failures
from sql2dynamo.common.errors import InputError, UsageError, ValidationFailed
from sql2dynamo.common.reporting import Reporter
from sql2dynamo.common.results import Result
from sql2dynamo.items.source_schema import read_mapped_tables
from sql2dynamo.runtime.repository import Repository
from sql2dynamo.source.connect import open_source
from sql2dynamo.target.endpoint import TargetSpec, dynamodb_client, parse_target
from sql2dynamo.target.model_file import load_model
from sql2dynamo.validate.report import SUMMARY_COLUMNS, PatternResult
from sql2dynamo.validate.run import DEFAULT_PAGE_SIZE, validate_patterns
from sql2dynamo.validate.sample import sample_source
from sql2dynamo.workload.patterns.read import load_patterns

__all__ = ["PATTERNS_FILE", "ValidateResult", "validate"]

PATTERNS_FILE = "access_patterns.yaml"


@dataclass(frozen=True)
class ValidateResult(Result):
    """Every pattern's verdict, with its cases."""

    source: str
    model_path: Path
    patterns_path: Path
    target: str
    strategy: str
    patterns: tuple[PatternResult, ...]
    sample: int | None
    seconds: float

    @property
    def ok(self) -> bool:
        """No pattern failed (unsupported ones are reported, not failures)."""
        return not self.failed

    @property
    def failed(self) -> tuple[PatternResult, ...]:
        """The failing patterns."""
        return tuple(p for p in self.patterns if p.status == "fail")

    def counts(self) -> dict[str, int]:
        """Patterns per status."""
        return {s: sum(p.status == s for p in self.patterns) for s in ("pass", "fail", "unsupported")}

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary (for ``--summary FILE.json``): one line per pattern, no cases."""
        return {
            "command": "validate",
            "source": self.source,
            "model": str(self.model_path),
            "patterns_file": str(self.patterns_path),
            "target": self.target,
            "strategy": self.strategy,
            "sample": self.sample,
            "ok": self.ok,
            "seconds": round(self.seconds, 3),
            "counts": self.counts(),
            "patterns": [
                {k: v for k, v in p.as_dict().items() if k != "cases"} | {"cases": len(p.cases)} for p in self.patterns
            ],
        }

    def report(self) -> dict[str, Any]:
        """The full report (for ``--report FILE.json``): every case with its parameters and first differing rows."""
        return {**self.summary(), "patterns": [p.as_dict() for p in self.patterns]}

    def describe(self, out: Reporter) -> None:
        """The per-pattern table, the first difference of each failing pattern, and one closing line."""
        out.table(
            f"validate {self.strategy} model on {self.target} against {self.source}",
            list(SUMMARY_COLUMNS),
            [p.row() for p in self.patterns],
        )
        for p in self.failed:
            bad = next((c for c in p.cases if not c.ok), None)
            if bad is None:
                out.warning(f"{p.pattern_id}: {p.reason}")
                continue
            out.warning(f"{p.pattern_id} [{bad.label}] params {bad.as_dict()['params']}: {p.reason}")
            diff = bad.difference or {}
            for side in ("expected", "actual"):
                for row in (diff.get(side) or [])[:2]:
                    out.warning(f"    {side}: {row}")
        counts = self.counts()
        out.info(
            f"validate: {counts['pass']} passed, {counts['fail']} failed, {counts['unsupported']} unsupported "
            f"of {len(self.patterns)} patterns in {self.seconds:.1f} s"
        )

    def raise_if_failed(self) -> None:
        """Raise :class:`ValidationFailed` naming the failing patterns, unless none failed."""
        if self.ok:
            return
        first = self.failed[0]
        raise ValidationFailed(
            f"{len(self.failed)} of {len(self.patterns)} access pattern(s) return other rows on {self.target} than "
            f"their SQL: {', '.join(p.pattern_id for p in self.failed)}; first: {first.pattern_id} {first.reason}",
            hint="see the table above, or --report FILE.json for each case's parameters and rows",
            pattern_id=first.pattern_id,
            patterns=[p.pattern_id for p in self.failed],
        )


def validate(
    source_url: str,
    model_dir: Path,
    target: str | TargetSpec,
    *,
    reporter: Reporter,
    patterns_path: Path | None = None,
    sample: int | None = None,
    migrate_first: bool = True,
    only: Sequence[str] = (),
    page_size: int | None = DEFAULT_PAGE_SIZE,
) -> ValidateResult:
    """Deploy and fill ``target`` from ``source_url`` (unless ``migrate_first`` is False), then validate every pattern.

    Raises ``UsageError`` (options, target), ``InputError`` (no model, no
    patterns file, a pattern unknown to ``only``), ``SourceConnectionError``,
    ``TargetError`` (deploy or migrate failed); differences are in the result.
    """
    started = time.monotonic()
    if sample is not None and sample < 1:
        raise UsageError(f"--sample must be at least 1, not {sample}")
    if page_size is not None and page_size < 1:
        raise UsageError(f"the page size must be at least 1, not {page_size}")
    spec = target if isinstance(target, TargetSpec) else parse_target(target)
    path, model = load_model(model_dir)
    patterns_file = patterns_path or path.parent / PATTERNS_FILE
    if not patterns_file.exists():
        raise InputError(
            f"{patterns_file} does not exist: validate needs the SQL of every access pattern",
            hint="pass --patterns FILE (the access_patterns.yaml the model was designed from)",
        )
    patterns = load_patterns(patterns_file)
    unknown = sorted(set(only) - {p.id for p in patterns.patterns})
    if unknown:
        raise InputError(f"{patterns_file} has no pattern {', '.join(unknown)}", hint="check --only")
    with tempfile.TemporaryDirectory(prefix="s2d-validate-") as scratch:
        url = source_url
        if sample is not None:
            url = sample_source(source_url, model, Path(scratch) / "sample.sqlite", sample, reporter=reporter)
        if migrate_first:
            deploy(path.parent, spec, reporter=reporter)
            raise_for_failures(migrate(url, path.parent, spec, reporter=reporter))
        source = open_source(url)
        write_engine = source.engine
        try:
            if source.dialect.name == "sqlite":
                # The source is opened read-only; writes run (and are rolled back) on a scratch copy.
                copy = Path(scratch) / "writes.sqlite"
                shutil.copyfile(str(source.engine.url.database or "").removeprefix("file:").split("?")[0], copy)
                write_engine = sa.create_engine(f"sqlite:///{copy}")
            schema = read_mapped_tables(source, model, reporter=reporter)  # only those, typed as design decided
            if sample is not None:
                # The copy's generic types lose what the source declared (UUID, BOOLEAN as TINYINT, ENUM):
                # parameters and values are typed by the source's own schema, the SQL runs on the copy.
                original = open_source(source_url)
                try:
                    declared = read_mapped_tables(original, model, reporter=reporter)
                finally:
                    original.engine.dispose()
                schema = replace(declared, source=replace(declared.source, dialect=schema.source.dialect))
            client = dynamodb_client(spec, reporter)
            repo = Repository(model, client)
            reporter.info(f"validating {model.strategy} model {path} on {spec.display} against {source.display_url}")
            results = validate_patterns(
                source,
                write_engine,
                schema,
                model,
                patterns,
                repo,
                client,
                reporter=reporter,
                only=only,
                page_size=page_size,
            )
        finally:
            if write_engine is not source.engine:
                write_engine.dispose()
            source.engine.dispose()
    result = ValidateResult(
        source.display_url if sample is None else f"{source_url} (sample of {sample})",
        path,
        patterns_file,
        spec.display,
        model.strategy,
        results,
        sample,
        time.monotonic() - started,
    )
    return result
