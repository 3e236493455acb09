"""``sql2dynamo deploy --import-from s3://bucket/prefix``: new tables created and filled by DynamoDB ImportTable.

:func:`plan_import` builds every table's ImportTable request
(:mod:`sql2dynamo.target.import_table`) and then, by the options:

* ``out_file`` (``--emit import-table FILE``): writes the requests as JSON for
  review, calling no API;
* ``dry_run`` (``--dry-run``): shows them; with a target, also checks it;
* otherwise, on ``target``: starts one import per table, after the deploy
  gate (``confirm``) on a non-local target.

With a target, tables that already exist there are refused before anything
starts, with the reason: ImportTable only creates new tables (fill an
existing one with ``migrate``).  Imports are billed per GB of the source
files; check them first with ``verify --from-export DIR``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from sql2dynamo.common.errors import ConfirmationRequired, UsageError
from sql2dynamo.common.fsutil import atomic_write_text
from sql2dynamo.common.reporting import Reporter
from sql2dynamo.common.results import Result
from sql2dynamo.target.client_errors import error_code
from sql2dynamo.target.deploy.run import Confirm, is_local_target
from sql2dynamo.target.endpoint import TargetSpec, dynamodb_client, explain_error, parse_target
from sql2dynamo.target.import_table import ImportRequest, import_requests
from sql2dynamo.target.model_file import load_model

__all__ = ["ImportResult", "plan_import"]


@dataclass(frozen=True)
class ImportResult(Result):
    """The ImportTable requests, and what became of them (emitted, shown, or started with their ARNs)."""

    model_path: Path
    s3_url: str
    target: str | None
    dry_run: bool
    requests: tuple[ImportRequest, ...]
    emitted: Path | None = None
    started: dict[str, str] = field(default_factory=dict)  # table -> ImportArn
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        """JSON-ready: every request in full (what ``--json`` prints for review)."""
        return {
            "command": "deploy --import-from",
            "model": str(self.model_path),
            "import_from": self.s3_url,
            "target": self.target,
            "dry_run": self.dry_run,
            "emitted": str(self.emitted) if self.emitted else None,
            "imports": [r.as_dict() | {"import_arn": self.started.get(r.table)} for r in self.requests],
            "seconds": round(self.seconds, 3),
        }

    def describe(self, out: Reporter) -> None:
        """One row per table, its notes, and one closing line."""
        rows = [
            [
                r.table,
                f"s3://{r.request['S3BucketSource']['S3Bucket']}/{r.request['S3BucketSource']['S3KeyPrefix']}",
                r.request["InputFormat"],
                r.request["InputCompressionType"],
                self.started.get(r.table, "would start" if self.dry_run else "emitted" if self.emitted else ""),
            ]
            for r in self.requests
        ]
        out.table("ImportTable", ["table", "source", "format", "compression", "import"], rows)
        for r in self.requests:
            for note in r.after_import:
                out.info(f"{r.table}: {note}")
        if self.emitted is not None:
            out.info(f"import: {len(self.requests)} request(s) written to {self.emitted}")
        elif self.started:
            out.info(
                f"import: {len(self.started)} import(s) started on {self.target}; follow them with describe-import"
            )
        else:
            out.info(f"import: {len(self.requests)} request(s) would be sent (dry run)")


def plan_import(
    model_dir: Path,
    s3_url: str,
    *,
    reporter: Reporter,
    target: str | TargetSpec | None = None,
    fmt: str = "dynamodb-json",
    compression: str = "gzip",
    dry_run: bool = False,
    out_file: Path | None = None,
    confirm: Confirm | None = None,
) -> ImportResult:
    """Build, check, and emit, show or start the ImportTable request of every table (see the module docstring).

    Raises ``UsageError`` (bad URL or options, a table that exists on the
    target), ``InputError`` (model), ``ConfirmationRequired``, ``TargetError``.
    """
    started = time.monotonic()
    if out_file is not None and (target is not None or dry_run):
        raise UsageError(
            "--emit import-table writes the requests instead of importing; it takes no --target or --dry-run",
            hint="drop --target/--dry-run, or drop --emit to import",
        )
    if target is None and out_file is None and not dry_run:
        raise UsageError(
            "deploy --import-from needs --target to start the imports",
            hint="or review the requests first with --dry-run or --emit import-table FILE",
        )
    path, model = load_model(model_dir, contract=True)
    requests = tuple(import_requests(model, s3_url, fmt=fmt, compression=compression))
    if out_file is not None:
        atomic_write_text(out_file, json.dumps([r.as_dict() for r in requests], indent=2) + "\n")
        return ImportResult(path, s3_url, None, False, requests, out_file, seconds=time.monotonic() - started)
    if target is None:
        return ImportResult(path, s3_url, None, True, requests, seconds=time.monotonic() - started)
    spec = target if isinstance(target, TargetSpec) else parse_target(target)
    client = dynamodb_client(spec, reporter)
    try:
        existing = [r.table for r in requests if _exists(client, r.table)]
    except (BotoCoreError, ClientError) as exc:
        raise explain_error(exc, spec) from None
    if existing:
        raise UsageError(
            f"table(s) {', '.join(existing)} already exist on {spec.display}, and ImportTable only creates new tables",
            hint="fill existing tables with `sql2dynamo migrate`, or delete them first to import",
            tables=existing,
        )
    if dry_run:
        return ImportResult(path, s3_url, spec.display, True, requests, seconds=time.monotonic() - started)
    if confirm is not None and not is_local_target(spec):
        names = ", ".join(r.table for r in requests)
        if not confirm("deploy", f"On {spec.display}: import {len(requests)} new table(s) ({names}) from {s3_url}?"):
            raise ConfirmationRequired(
                "the deploy gate was not confirmed: no import was started",
                hint="review with --dry-run, then run again and confirm (add --yes to confirm without asking)",
            )
    arns: dict[str, str] = {}
    for r in requests:
        try:
            answer = client.import_table(**r.request)
        except (BotoCoreError, ClientError) as exc:
            raise explain_error(exc, spec) from None
        arns[r.table] = str(answer.get("ImportTableDescription", {}).get("ImportArn", ""))
        reporter.info(f"import of {r.table} started: {arns[r.table]}")
    return ImportResult(path, s3_url, spec.display, False, requests, started=arns, seconds=time.monotonic() - started)


def _exists(client: Any, table: str) -> bool:
    try:
        client.describe_table(TableName=table)
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return False
        raise
    return True
