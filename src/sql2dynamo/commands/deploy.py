"""``sql2dynamo deploy`` and ``sql2dynamo destroy``: the model's tables on a target, or as a template.

* :func:`deploy` creates the tables of ``data_model.json`` that the target
  lacks, waits for them, then switches on TTL and point-in-time recovery; a
  table that exists and matches is left unchanged, one that differs stops the
  deploy before anything happens (see :mod:`sql2dynamo.target.deploy.run`).
* :func:`emit_cloudformation` writes the same tables as a CloudFormation
  template instead of calling any API.
* :func:`destroy` deletes the model's tables, on a local target only.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sql2dynamo.common.errors import UsageError
from sql2dynamo.common.fsutil import atomic_write_text
from sql2dynamo.common.reporting import Reporter
from sql2dynamo.common.results import Result
from sql2dynamo.target import local
from sql2dynamo.target.cloudformation import cloudformation_json, logical_ids
from sql2dynamo.target.deploy.plan import TableDeployment, TableRemoval
from sql2dynamo.target.deploy.run import DEFAULT_WAIT_S, Confirm, deploy_tables, destroy_tables, is_local_target
from sql2dynamo.target.endpoint import TargetSpec, dynamodb_client, parse_target
from sql2dynamo.target.iam import ROLES, iam_policy_json
from sql2dynamo.target.model_file import load_model
from sql2dynamo.target.tablespec import table_requests

__all__ = [
    "DeployResult",
    "DestroyResult",
    "EmitResult",
    "deploy",
    "destroy",
    "emit_cloudformation",
    "emit_iam_policy",
    "parse_tags",
]

_LOCAL_FORMS = "local, local:PORT, or an http://127.0.0.1:PORT or http://localhost:PORT endpoint"


@dataclass(frozen=True)
class DeployResult(Result):
    """What ``deploy`` did (or would do, with ``dry_run``) on one target."""

    model_path: Path
    target: str
    dry_run: bool
    tables: tuple[TableDeployment, ...]
    unsupported: tuple[str, ...]
    """Settings the target does not implement, with its answer (DynamoDB Local: point-in-time recovery)."""
    seconds: float

    def counts(self) -> dict[str, int]:
        """Tables per status, in a fixed order, zero counts left out."""
        order = ("created", "updated", "unchanged", "would create", "would update")
        return {s: n for s in order if (n := sum(t.status == s for t in self.tables))}

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary (for ``--summary FILE.json``)."""
        return {
            "command": "deploy",
            "model": str(self.model_path),
            "target": self.target,
            "dry_run": self.dry_run,
            "seconds": round(self.seconds, 3),
            "counts": self.counts(),
            "tables": [t.as_dict() for t in self.tables],
            "unsupported": list(self.unsupported),
        }

    def describe(self, out: Reporter) -> None:
        """The per-table table, each table's notes, and one closing line."""
        rows = [
            [
                t.table,
                t.status,
                len(t.indexes),
                "on-demand" if t.billing == "PAY_PER_REQUEST" else _capacity_text(t.capacity),
                t.ttl if t.ttl_attribute is None else f"{t.ttl_attribute}: {t.ttl}",
                t.point_in_time_recovery,
                round(t.seconds, 2),
            ]
            for t in self.tables
        ]
        title = f"{'dry run: ' if self.dry_run else ''}{len(self.tables)} tables on {self.target}"
        out.table(title, ["table", "status", "GSIs", "billing", "TTL", "PITR", "seconds"], rows)
        for t in self.tables:
            for note in t.notes:
                out.warning(f"table {t.table}: {note}")
        counts = ", ".join(f"{n} {status}" for status, n in self.counts().items())
        out.info(f"deploy on {self.target}: {counts} in {self.seconds:.1f} s")


@dataclass(frozen=True)
class EmitResult(Result):
    """The CloudFormation template written instead of deploying."""

    model_path: Path
    path: Path
    tables: tuple[str, ...]
    logical_ids: tuple[str, ...]
    kind: str = "cloudformation"  # or "iam-policy" (then logical_ids are the roles)

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary (for ``--summary FILE.json``)."""
        if self.kind == "iam-policy":
            return {
                "command": "deploy",
                "model": str(self.model_path),
                "emit": self.kind,
                "path": str(self.path),
                "tables": list(self.tables),
                "roles": list(self.logical_ids),
            }
        return {
            "command": "deploy",
            "model": str(self.model_path),
            "emit": "cloudformation",
            "path": str(self.path),
            "resources": dict(zip(self.tables, self.logical_ids, strict=True)),
        }

    def describe(self, out: Reporter) -> None:
        """One line: the template (or policies) written."""
        if self.kind == "iam-policy":
            roles = ", ".join(self.logical_ids)
            out.info(f"wrote {self.path}: IAM policies ({roles}) for {len(self.tables)} table(s)")
            return
        out.info(f"wrote {self.path}: CloudFormation template with {len(self.tables)} table(s)")


@dataclass(frozen=True)
class DestroyResult(Result):
    """What ``destroy`` deleted on one local target."""

    model_path: Path
    target: str
    tables: tuple[TableRemoval, ...]
    seconds: float

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary (for ``--summary FILE.json``)."""
        return {
            "command": "destroy",
            "model": str(self.model_path),
            "target": self.target,
            "seconds": round(self.seconds, 3),
            "deleted": [t.table for t in self.tables if t.status == "deleted"],
            "missing": [t.table for t in self.tables if t.status == "missing"],
            "tables": [t.as_dict() for t in self.tables],
        }

    def describe(self, out: Reporter) -> None:
        """One line: what was deleted and what was not there."""
        summary = self.summary()
        deleted = ", ".join(summary["deleted"]) or "none"
        missing = f"; not there: {', '.join(summary['missing'])}" if summary["missing"] else ""
        out.info(f"destroy on {self.target}: deleted {deleted}{missing}")


def deploy(
    model_dir: Path,
    target: str | TargetSpec,
    *,
    reporter: Reporter,
    confirm: Confirm | None = None,
    dry_run: bool = False,
    tags: Mapping[str, str] | None = None,
    wait_timeout_s: float = DEFAULT_WAIT_S,
) -> DeployResult:
    """Create the tables of ``model_dir/data_model.json`` on ``target``; idempotent.

    ``confirm("deploy", question)`` is asked before tables are created or
    changed on a non-local target (not asked when None).  ``dry_run`` only
    inspects the target.  Raises ``InputError`` (no or bad data_model.json),
    ``UsageError`` (bad target or options), ``TargetError`` (a table differs,
    the target refuses or tables are not ACTIVE within ``wait_timeout_s``),
    ``ConfirmationRequired``.
    """
    started = time.monotonic()
    spec = _target(target)
    _check_wait(wait_timeout_s)
    path, model = load_model(model_dir, contract=True)
    requests = table_requests(model, tags=tags)
    client = dynamodb_client(spec, reporter)
    done = deploy_tables(
        client,
        spec,
        model,
        requests,
        reporter=reporter,
        confirm=confirm,
        dry_run=dry_run,
        wait_timeout_s=wait_timeout_s,
    )
    return DeployResult(path, spec.display, dry_run, done.tables, done.unsupported, time.monotonic() - started)


def emit_cloudformation(
    model_dir: Path, out_file: Path, *, reporter: Reporter, tags: Mapping[str, str] | None = None
) -> EmitResult:
    """Write the CloudFormation template of ``model_dir/data_model.json`` to ``out_file`` atomically.

    Calls no API.  Raises ``InputError`` for a missing or unusable model.
    """
    path, model = load_model(model_dir, contract=True)
    text = cloudformation_json(model, tags=tags)
    atomic_write_text(out_file, text)
    names = tuple(t.name for t in model.tables)
    ids = logical_ids(list(names))
    return EmitResult(path, out_file, names, tuple(ids[n] for n in names))


def emit_iam_policy(model_dir: Path, out_file: Path, *, reporter: Reporter) -> EmitResult:
    """Write one least-privilege IAM policy per role (:mod:`sql2dynamo.target.iam`) to ``out_file`` atomically.

    Calls no API.  Raises ``InputError`` for a missing or unusable model.
    """
    path, model = load_model(model_dir)  # the runtime role is made from the plans: a contract has none
    atomic_write_text(out_file, iam_policy_json(model))
    return EmitResult(path, out_file, tuple(t.name for t in model.tables), ROLES, kind="iam-policy")


def destroy(
    model_dir: Path,
    target: str | TargetSpec,
    *,
    reporter: Reporter,
    confirm: Confirm,
    wait_timeout_s: float = DEFAULT_WAIT_S,
) -> DestroyResult:
    """Delete the tables of ``model_dir/data_model.json`` from a local ``target`` after ``confirm`` agrees.

    Refuses any other target with ``UsageError`` before contacting it.  Missing
    tables are skipped.  Raises ``ConfirmationRequired`` when ``confirm``
    declines (nothing deleted), ``InputError`` and ``TargetError`` as :func:`deploy`.
    """
    started = time.monotonic()
    spec = _target(target)
    if not is_local_target(spec):
        raise UsageError(
            f"destroy only deletes tables on a local target, and {spec.display} is not one",
            hint=(
                f"use {_LOCAL_FORMS}; delete tables on AWS yourself "
                "(console, `aws dynamodb delete-table` or the CloudFormation stack)"
            ),
        )
    _check_wait(wait_timeout_s)
    path, model = load_model(model_dir, contract=True)
    client = dynamodb_client(spec, reporter)
    removed = destroy_tables(
        client,
        spec,
        [t.name for t in model.tables],
        reporter=reporter,
        confirm=confirm,
        wait_timeout_s=wait_timeout_s,
    )
    if spec.kind == "local" and spec.port is not None:
        # A managed instance with no table left starts over on a fresh data file (see reset_if_empty).
        local.reset_if_empty(spec.port, reporter)
    return DestroyResult(path, spec.display, removed, time.monotonic() - started)


def parse_tags(values: Iterable[str]) -> dict[str, str]:
    """``KEY=VALUE`` strings (``--tag``) as a dict; raise ``UsageError`` for a malformed or reserved one."""
    tags: dict[str, str] = {}
    for value in values:
        key, sep, text = value.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"invalid --tag {value!r}", hint="use --tag KEY=VALUE, e.g. --tag team=payments")
        if len(key) > 128 or len(text) > 256:
            raise UsageError(f"--tag {key}: keys are at most 128 characters and values 256")
        if key.lower().startswith("aws:"):
            raise UsageError(f"--tag {key}: the aws: prefix is reserved by AWS", hint="choose another key")
        tags[key] = text
    return tags


def _capacity_text(capacity: dict[str, dict[str, int]] | None) -> str:
    if not capacity:
        return "provisioned"
    table = capacity["table"]
    return f"{table['read']} RCU / {table['write']} WCU"


def _target(target: str | TargetSpec) -> TargetSpec:
    return target if isinstance(target, TargetSpec) else parse_target(target)


def _check_wait(wait_timeout_s: float) -> None:
    if not wait_timeout_s > 0:
        raise UsageError(f"--wait-timeout {wait_timeout_s} is not positive", hint="give a number of seconds, like 600")
