"""Typed command functions: the public Python API, and what the CLI calls.

Each command takes plain values and an injected reporter, returns a frozen
result dataclass, and raises :class:`sql2dynamo.errors.Sql2DynamoError` on
failure.  None of them prints.
"""

from sql2dynamo.commands.analyze import AnalyzeResult, analyze

__all__ = ["AnalyzeResult", "analyze"]
