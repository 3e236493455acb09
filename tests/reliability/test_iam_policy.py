"""``deploy --emit iam-policy``: least privilege, one policy per role, exactly the model's ARNs (issue 14, item 7).

For every shipped example design (both strategies): every action is an operation of DynamoDB's API as
botocore's service model defines it; the resources are exactly the model's tables and indexes (and the
control table); the runtime role grants each plan step's action on its table or index and nothing else.
"""

from __future__ import annotations

import json
from pathlib import Path

import botocore.session
import pytest

from sql2dynamo.design.model import DataModel, flat_steps
from sql2dynamo.target.iam import CONTROL_TABLE, iam_policies, index_arn, table_arn
from sql2dynamo.target.model_file import load_model
from tests.helpers.cli import run_cli

GOLDEN = Path(__file__).parents[1] / "design" / "golden"
MODELS = sorted(GOLDEN.glob("*/*/data_model.json"))
OPERATIONS = set(botocore.session.get_session().get_service_model("dynamodb").operation_names)


def _grants(policy: dict[str, object]) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for statement in policy["Statement"]:  # type: ignore[attr-defined]
        assert statement["Effect"] == "Allow"
        for action in statement["Action"]:
            for resource in statement["Resource"]:
                out.add((action, resource))
    return out


def _model_arns(model: DataModel) -> set[str]:
    tables = {table_arn(t.name) for t in model.tables}
    return tables | {index_arn(t.name, i.name) for t in model.tables for i in t.indexes}


@pytest.mark.parametrize("model_file", MODELS, ids=lambda p: f"{p.parents[1].name}-{p.parent.name}")
def test_each_role_gets_exactly_what_it_uses(model_file: Path) -> None:
    assert MODELS
    _, model = load_model(model_file)
    policies = iam_policies(model)
    assert sorted(policies) == ["reader", "runtime", "writer"]
    control = table_arn(CONTROL_TABLE)
    everything: set[str] = set()
    for role, policy in policies.items():
        grants = _grants(policy)
        assert grants, role
        for action, resource in grants:
            assert action.startswith("dynamodb:") and action.removeprefix("dynamodb:") in OPERATIONS, (role, action)
            assert "*" not in resource.rsplit(":", 1)[1], (role, resource)  # names are exact
            everything.add(resource)
    assert everything == _model_arns(model) | {control}

    runtime = _grants(policies["runtime"])
    needed = {
        (f"dynamodb:{step.operation}", index_arn(step.table, step.index) if step.index else table_arn(step.table))
        for plan in model.plans
        if plan.supported
        for step in flat_steps(plan.steps)
        if step.operation != "TransactWriteItems"
    }
    assert runtime == needed
    assert {resource for _, resource in runtime} <= _model_arns(model)
    writer = {action for action, resource in _grants(policies["writer"]) if resource != control}
    assert "dynamodb:BatchWriteItem" in writer and not writer & {"dynamodb:Scan", "dynamodb:DeleteTable"}
    reader = {action for action, resource in _grants(policies["reader"]) if resource != control}
    assert reader <= {f"dynamodb:{a}" for a in ("BatchGetItem", "DescribeTable", "GetItem", "Query", "Scan")}


def test_the_command_line_writes_the_policies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    (model_dir / "data_model.json").write_text(MODELS[0].read_text())
    out = tmp_path / "iam" / "policies.json"
    res = run_cli(capsys, "deploy", "--model", str(model_dir), "--emit", "iam-policy", str(out))
    assert res.code == 0, res.err
    written = json.loads(out.read_text())
    _, model = load_model(model_dir)
    assert written == iam_policies(model)
    assert (out.stat().st_mode & 0o777) == 0o600
