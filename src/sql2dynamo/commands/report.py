"""``sql2dynamo report``: one self-contained HTML file showing the model and what the later stages found.

The model comes from ``data_model.json``; each pattern's SQL from the
``access_patterns.yaml`` beside it (or ``patterns``); the optional results of
``validate``, ``verify`` and ``migrate`` from their JSON files (or, from the
demo, the same content in memory).  Sample items are read from the migrated
tables when a ``target`` is given, else built from the model (see
:mod:`sql2dynamo.report.samples`).  The page is rendered in memory and
written atomically; the same inputs give the same bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from sql2dynamo.common.errors import InputError, UsageError
from sql2dynamo.common.fsutil import atomic_write_text
from sql2dynamo.common.reporting import Reporter
from sql2dynamo.common.results import Result
from sql2dynamo.design.model import DataModel
from sql2dynamo.report import REPORT_FILE, gather, render_report
from sql2dynamo.report.data import ReportData, SampleItem, SampleSource
from sql2dynamo.report.inputs import JsonInput, parse_migrate, parse_validate, parse_verify
from sql2dynamo.report.samples import migrated_samples, synthesized_samples
from sql2dynamo.report.sections.patterns import STATUSES, status_of
from sql2dynamo.target.endpoint import TargetSpec, dynamodb_client, explain_error, parse_target
from sql2dynamo.target.model_file import load_model
from sql2dynamo.workload.patterns.model import FILE_NAME as PATTERNS_FILE
from sql2dynamo.workload.patterns.read import load_patterns

__all__ = ["ReportResult", "report"]


@dataclass(frozen=True)
class ReportResult(Result):
    """The file written and what it shows."""

    model_path: Path
    output: Path
    size_bytes: int
    sha256: str
    tables: int
    patterns: int
    statuses: dict[str, int]
    sample_source: str
    inputs: dict[str, str | None] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "command": "report",
            "model": str(self.model_path),
            "output": str(self.output),
            "bytes": self.size_bytes,
            "sha256": self.sha256,
            "tables": self.tables,
            "patterns": self.patterns,
            "statuses": self.statuses,
            "samples": self.sample_source,
            "inputs": self.inputs,
        }

    def describe(self, out: Reporter) -> None:
        """One line: the file written and what it shows."""
        counts = ", ".join(f"{n} {s}" for s, n in self.statuses.items() if n)
        out.info(
            f"wrote {self.output}: {self.tables} tables, {self.patterns} access patterns ({counts}), "
            f"{self.sample_source} sample items, {self.size_bytes / 1024:,.0f} KB"
        )


def report(
    model_dir: Path,
    *,
    output: Path,
    reporter: Reporter,
    validate: JsonInput = None,
    verify: JsonInput = None,
    migrate: JsonInput = None,
    patterns: Path | None = None,
    target: str | TargetSpec | None = None,
    title: str | None = None,
) -> ReportResult:
    """Render the report of the model in ``model_dir`` (with whichever results are given) to ``output``.

    ``validate``, ``verify`` and ``migrate`` are JSON files (or their parsed
    content); ``target`` reads sample items from the migrated tables there.
    Raises ``InputError`` for a missing or malformed model, patterns or JSON
    file (or one about another model), ``UsageError`` for an unwritable
    ``output``, ``TargetError`` when the target refuses the sample reads.
    """
    if output.is_dir():
        raise UsageError(f"-o {output} is a directory", hint=f"give the file to write, e.g. {output / REPORT_FILE}")
    model_path, model = load_model(model_dir)
    sql = _sql(model, model_path, patterns)
    validation = parse_validate(validate)
    verification = parse_verify(verify)
    migration = parse_migrate(migrate, migrate.parent if isinstance(migrate, Path) else None)
    if validation is not None and validation[0].strategy not in (None, model.strategy):
        raise InputError(
            f"--validate {_name(validate)} is for a {validation[0].strategy} model; {model_path} is {model.strategy}",
            hint="pass the validate report of this model",
        )
    if verification is not None:
        unknown = sorted({t.table for t in verification.tables} - {t.name for t in model.tables})
        if unknown:
            raise InputError(
                f"--verify {_name(verify)} checks tables {model_path} does not define: {', '.join(unknown)}",
                hint="pass the verify report of this model",
            )
    samples, source = _samples(model, target, reporter)
    data = gather(
        model,
        sql=sql,
        samples=samples,
        sample_source=source,
        validation=validation,
        verification=verification,
        migration=migration,
        title=title,
    )
    text = render_report(data)
    try:
        atomic_write_text(output, text)
    except OSError as exc:
        raise UsageError(
            f"cannot write {output}: {exc.strerror or exc}", hint="choose a writable path for -o"
        ) from None
    encoded = text.encode("utf-8")
    result = ReportResult(
        model_path=model_path,
        output=output,
        size_bytes=len(encoded),
        sha256=hashlib.sha256(encoded).hexdigest(),
        tables=len(data.tables),
        patterns=len(data.patterns),
        statuses=_statuses(data),
        sample_source=source,
        inputs={"validate": _name(validate), "verify": _name(verify), "migrate": _name(migrate)},
    )
    return result


def _name(given: JsonInput) -> str | None:
    if given is None:
        return None
    return str(given) if isinstance(given, Path) else "(in memory)"


def _statuses(data: ReportData) -> dict[str, int]:
    return {s: sum(status_of(p) == s for p in data.patterns) for s in STATUSES}


def _sql(model: DataModel, model_path: Path, given: Path | None) -> dict[str, str]:
    """Each pattern's SQL; {} when no patterns file was given and none lies beside the model."""
    path = given if given is not None else model_path.parent / PATTERNS_FILE
    if given is None and not path.exists():
        return {}
    patterns = load_patterns(path)
    if patterns.application != model.application:
        raise InputError(
            f"{path} is for application {patterns.application!r}, but {model_path} models {model.application!r}",
            hint="pass the --patterns file the model was designed from",
        )
    return {p.id: p.sql for p in patterns.patterns}


def _samples(
    model: DataModel, target: str | TargetSpec | None, reporter: Reporter
) -> tuple[dict[str, tuple[SampleItem, ...]], SampleSource]:
    if target is None:
        return synthesized_samples(model), "synthesized"
    spec = target if isinstance(target, TargetSpec) else parse_target(target)
    client = dynamodb_client(spec, reporter)
    try:
        return migrated_samples(model, client), "migrated"
    except (BotoCoreError, ClientError) as exc:
        raise explain_error(exc, spec) from None
