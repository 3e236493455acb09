"""``sql2dynamo design``: schema + access patterns -> a justified DynamoDB model, through three gates.

1. Requirements gate: ``dynamodb_requirement.md`` is always written; the
   command stops there while a pattern lacks RPS or does not parse, and asks
   the user to confirm the patterns are complete.
2. Design gate: the model's summary (tables, keys, indexes, cost, warnings)
   is shown and confirmed before anything else is written.
3. Contract gate: ``migrationContract.json`` is validated against the
   shipped JSON Schema before the model files are written, all at once.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sql2dynamo.common.errors import ConfirmationRequired, InputError, UsageError
from sql2dynamo.common.fsutil import atomic_write_text, write_files_atomically
from sql2dynamo.common.reporting import Reporter
from sql2dynamo.common.results import Result
from sql2dynamo.design.contract.modernizr import not_carried_markdown
from sql2dynamo.design.contract.write import check_format, contract_json, render_data_model_json
from sql2dynamo.design.engine.build import DesignOptions, build_model
from sql2dynamo.design.finalize import finalize
from sql2dynamo.design.inputs import load_inputs, resolve_patterns
from sql2dynamo.design.model import DataModel
from sql2dynamo.design.render.data_model import render_data_model
from sql2dynamo.design.render.requirements import render_requirements
from sql2dynamo.design.streams import parse_streams
from sql2dynamo.report import REPORT_FILE, model_report_html
from sql2dynamo.source.model import Schema
from sql2dynamo.workload.patterns.model import FILE_NAME as PATTERNS_FILE
from sql2dynamo.workload.patterns.model import PatternsFile

REQUIREMENTS_FILE = "dynamodb_requirement.md"
MODEL_FILE = "dynamodb_data_model.md"
CONTRACT_FILE = "migrationContract.json"
DATA_MODEL_FILE = "data_model.json"

# gate name, question -> confirmed?  The CLI asks on a terminal, or answers for --yes.
Confirm = Callable[[str, str], bool]


@dataclass(frozen=True)
class DesignResult(Result):
    """The model and the files written (the requirements first)."""

    model: DataModel
    files: tuple[Path, ...]

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary (for ``--summary FILE.json``)."""
        m = self.model
        return {
            "command": "design",
            "application": m.application,
            "strategy": m.strategy,
            "billing": m.billing,
            "files": [str(f) for f in self.files],
            "tables": [
                {
                    "table": t.name,
                    "role": t.role,
                    "pk": t.pk.attribute,
                    "sk": t.sk.attribute if t.sk else None,
                    "indexes": [i.name for i in t.indexes],
                    "entities": [e.source_table for e in t.entities],
                    "ttl": t.ttl_attribute,
                    "estimated_item_size_bytes": t.estimated_item_size_bytes,
                }
                for t in m.tables
            ],
            "patterns": {
                "total": len(m.plans),
                "supported": sum(p.supported for p in m.plans),
                "unsupported": [p.pattern_id for p in m.plans if not p.supported],
            },
            "cost": {
                "on_demand_monthly": m.cost.total_on_demand_monthly if m.cost else None,
                "provisioned_monthly": m.cost.total_provisioned_monthly if m.cost else None,
            },
            "warnings": [{"kind": w.kind, "subject": w.subject, "condition": w.condition} for w in m.warnings],
        }

    def describe(self, out: Reporter) -> None:
        """One line per file written after the gates (the requirements were reported when written, before them)."""
        for path in self.files[1:]:
            out.info(f"wrote {path}")


def design(
    schema_path: Path,
    patterns_path: Path,
    *,
    out_dir: Path,
    reporter: Reporter,
    confirm: Confirm,
    strategy: str = "multi-table",
    billing: str = "on-demand",
    pricing: Path | None = None,
    streams: str = "none",
    contract_format: str = "seed",
) -> DesignResult:
    """Run the three gates and write the design documents, the contract and ``data_model.json``.

    ``streams`` (``--streams``) names the tables that get a DynamoDB stream: ``none`` (the default:
    nothing in sql2dynamo consumes one), ``all`` or a comma-separated list of the model's table names.
    ``contract_format`` (``--contract-format``) is ``seed``, the migration contract format's array, or
    ``modernizr``, the Modernizr contract format (the data model document then says what it leaves out).
    """
    if strategy not in ("multi-table", "single-table"):
        raise UsageError(f"unknown --strategy {strategy!r}", hint="use multi-table or single-table")
    if billing not in ("on-demand", "provisioned"):
        raise UsageError(f"unknown --billing {billing!r}", hint="use on-demand or provisioned")
    parse_streams(streams)  # a malformed value fails before any work; table names are checked on the model
    check_format(contract_format)
    schema, patterns = load_inputs(schema_path, patterns_path)
    # The inputs live as long as the design: keep the collector from re-scanning them over and over.
    gc.freeze()
    try:
        options = DesignOptions(strategy=strategy, billing=billing, streams=streams)  # type: ignore[arg-type]
        return _design(schema, patterns, patterns_path, out_dir, reporter, confirm, options, pricing, contract_format)
    finally:
        gc.unfreeze()


def _design(
    schema: Schema,
    patterns: PatternsFile,
    patterns_path: Path,
    out_dir: Path,
    reporter: Reporter,
    confirm: Confirm,
    options: DesignOptions,
    pricing: Path | None,
    contract_format: str = "seed",
) -> DesignResult:
    resolved = resolve_patterns(schema, patterns)
    problems = [p for rp in resolved for p in rp.problems]
    requirements = out_dir / REQUIREMENTS_FILE
    atomic_write_text(
        requirements,
        render_requirements(
            schema,
            patterns,
            {rp.id: rp.shape for rp in resolved},
            application=patterns.application,
            problems=problems,
        ),
    )
    reporter.info(f"wrote {requirements}")
    if problems:
        raise InputError(
            f"requirements gate: {len(problems)} problem(s) before the design can continue: " + "; ".join(problems),
            hint=f"see the list in {requirements}, fix {patterns_path} and run design again",
            pattern_id=problems[0].split(":")[0],
        )
    _gate(confirm, "requirements", f"Are all access patterns in {requirements} captured, with their RPS?")

    model = finalize(build_model(schema, patterns, resolved, options), schema, patterns, resolved, pricing)
    _show(reporter, model)
    _gate(confirm, "design", "Write the migration contract for this model?")

    contract = contract_json(model, contract_format)  # the contract gate: validated against its form's schema
    document = render_data_model(model, schema)
    if contract_format == "modernizr":
        document += not_carried_markdown()
    files = {
        out_dir / MODEL_FILE: document,
        out_dir / CONTRACT_FILE: contract,
        out_dir / DATA_MODEL_FILE: render_data_model_json(model),
        out_dir / REPORT_FILE: model_report_html(model, {p.id: p.sql for p in patterns.patterns}),
    }
    beside = out_dir / PATTERNS_FILE
    if beside.resolve() != patterns_path.resolve():
        # validate and codegen read the patterns beside data_model.json: the copy the model was designed from.
        files[beside] = patterns_path.read_text(encoding="utf-8")
    write_files_atomically(files)
    return DesignResult(model, (requirements, *files))


def _gate(confirm: Confirm, gate: str, question: str) -> None:
    if not confirm(gate, question):
        raise ConfirmationRequired(
            f"the {gate} gate was not confirmed: nothing more was written",
            hint="review the file, then run design again (add --yes to confirm without asking)",
        )


def _show(reporter: Reporter, model: DataModel) -> None:
    rows = []
    costs = {c.table: c for c in model.cost.tables} if model.cost else {}
    for t in model.tables:
        cost = costs.get(t.name)
        rows.append(
            [
                t.name,
                t.role,
                t.pk.attribute + (f" / {t.sk.attribute}" if t.sk else ""),
                ", ".join(i.name for i in t.indexes) or "-",
                t.ttl_attribute or "-",
                t.estimated_item_size_bytes,
                round(cost.on_demand_monthly, 2) if cost else None,
                round(cost.provisioned_monthly, 2) if cost else None,
            ]
        )
    if model.cost:
        rows.append(
            [
                "total",
                "",
                "",
                "",
                "",
                "",
                round(model.cost.total_on_demand_monthly, 2),
                round(model.cost.total_provisioned_monthly, 2),
            ]
        )
    reporter.table(
        f"{model.strategy} model of {model.application}: {len(model.tables)} tables, "
        f"{sum(p.supported for p in model.plans)}/{len(model.plans)} patterns served",
        ["table", "role", "keys", "indexes", "TTL", "item bytes", "$/month on-demand", "$/month provisioned"],
        rows,
    )
    for p in model.plans:
        if not p.supported:
            reporter.warning(
                f"{p.pattern_id} unsupported: {p.reason}" + (f"; instead, {p.alternative}" if p.alternative else "")
            )
    for w in model.warnings:
        reporter.warning(f"{w.kind} ({w.subject}): {w.message} [{w.condition}]")
