"""Typed errors of the runtime data-access layer, each naming the access pattern and the key.

All are :class:`~sql2dynamo.common.errors.Sql2DynamoError` subclasses, so the CLI
prints them on one line with a documented exit code; ``context.pattern_id``
and ``context.key`` say which call failed.
"""

from __future__ import annotations

from typing import Any

from sql2dynamo.common.errors import InputError, TargetError, TransientError, UnsupportedError


class ItemNotFound(TargetError):
    """The item a write (or a multi-step read) needs does not exist."""

    kind = "item-not-found"


class ConditionFailed(TargetError):
    """A conditional write was refused: the item exists (insert) or does not (update, delete)."""

    kind = "condition-failed"


class DuplicateValue(ConditionFailed):
    """An insert or update would give a unique column a value another row already holds."""

    kind = "duplicate-value"

    def __init__(self, message: str, *, value: Any = None, columns: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(message, value=value, columns=list(columns), **kwargs)
        self.value = value
        self.columns = columns


class Throttled(TransientError):
    """DynamoDB kept throttling (or failing) the call after every retry."""

    kind = "throttled"


class InvalidRequest(InputError):
    """The call cannot be made: a missing parameter, a value of the wrong type, a request DynamoDB rejects."""

    kind = "invalid-request"


class UnsupportedPattern(UnsupportedError):
    """The design recorded this pattern as unsupported: the error carries the reason and the alternative."""

    kind = "unsupported-pattern"

    def __init__(self, message: str, *, reason: str = "", alternative: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, reason=reason, alternative=alternative, **kwargs)
        self.reason = reason
        self.alternative = alternative


__all__ = ["ConditionFailed", "DuplicateValue", "InvalidRequest", "ItemNotFound", "Throttled", "UnsupportedPattern"]
