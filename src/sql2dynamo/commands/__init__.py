"""Typed command functions: the public Python API, and what the CLI calls.

Each command takes plain values and an injected reporter (for progress and
warnings), returns a frozen result dataclass, and raises
:class:`sql2dynamo.common.errors.Sql2DynamoError` on failure.  None of them
prints or renders its result: every result is a
:class:`sql2dynamo.common.results.Result`, which describes itself
(``describe(reporter)``, ``asdict()``), and the command line prints it.
"""

from sql2dynamo.commands.analyze import AnalyzeResult, analyze
from sql2dynamo.commands.codegen import CodegenResult, codegen
from sql2dynamo.commands.deploy import DeployResult, deploy, destroy
from sql2dynamo.commands.design import DesignResult, design
from sql2dynamo.commands.migrate import MigrateResult, migrate
from sql2dynamo.commands.sync import SyncResult, sync
from sql2dynamo.commands.validate import ValidateResult, validate
from sql2dynamo.commands.verify import VerifyResult, verify

__all__ = [
    "AnalyzeResult",
    "CodegenResult",
    "DeployResult",
    "DesignResult",
    "MigrateResult",
    "SyncResult",
    "ValidateResult",
    "VerifyResult",
    "analyze",
    "codegen",
    "deploy",
    "design",
    "destroy",
    "migrate",
    "sync",
    "validate",
    "verify",
]
