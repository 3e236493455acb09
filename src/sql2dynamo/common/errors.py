"""One root exception for everything sql2dynamo reports to a user.

Every error carries structured context (table, column, key, pattern id) and a
message that names the fix or the next command.  The CLI prints
``error: <message>`` on one line and exits with the class's ``exit_code``; the
exit codes are documented in README.md ("Exit codes") and are part of the API.
Whether a failure is worth retrying is decided by class (``TransientError``),
never by parsing messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ErrorContext:
    """Where an error happened, for machines (``--summary``) and for the message."""

    table: str | None = None
    column: str | None = None
    key: Any = None
    pattern_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The non-empty fields, for JSON output."""
        out: dict[str, Any] = {
            k: v
            for k, v in (
                ("table", self.table),
                ("column", self.column),
                ("key", self.key),
                ("pattern_id", self.pattern_id),
            )
            if v is not None
        }
        out.update(self.extra)
        return out


class Sql2DynamoError(Exception):
    """Root of every error sql2dynamo raises on purpose.

    ``message`` says what is wrong; ``hint`` says what to do about it.  Neither
    may contain a password: build them from redacted URLs only.
    """

    exit_code: int = 1
    kind: str = "error"

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        table: str | None = None,
        column: str | None = None,
        key: Any = None,
        pattern_id: str | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.context = ErrorContext(table, column, key, pattern_id, dict(extra))

    def one_line(self) -> str:
        """The message and its fix on one line, as the CLI prints it."""
        text = self.message if not self.hint else f"{self.message}; {self.hint}"
        return " ".join(text.split())

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready description for summaries and reports."""
        return {
            "kind": self.kind,
            "exit_code": self.exit_code,
            "message": self.message,
            "hint": self.hint,
            "context": self.context.as_dict(),
        }


class UsageError(Sql2DynamoError):
    """The command line or an option value is wrong."""

    exit_code = 2
    kind = "usage"


class SourceConnectionError(Sql2DynamoError):
    """The source database cannot be reached, refused the login, or does not exist."""

    exit_code = 3
    kind = "source-connection"


class InputError(Sql2DynamoError):
    """An input (database content, DDL file, patterns file) cannot be used as it is."""

    exit_code = 4
    kind = "input"


class UnsupportedError(InputError):
    """The input uses something sql2dynamo cannot map (a column type, a construct)."""

    kind = "unsupported"


class PrerequisiteError(Sql2DynamoError):
    """Something the machine needs is missing (Java, the DynamoDB Local jar, npm)."""

    exit_code = 5
    kind = "prerequisite"


class ConfirmationRequired(Sql2DynamoError):
    """A user gate needs a confirmation that cannot be asked for (no terminal, no --yes)."""

    exit_code = 6
    kind = "confirmation"


class TargetError(Sql2DynamoError):
    """The DynamoDB target refused or failed a request."""

    exit_code = 7
    kind = "target"


class TransientError(TargetError):
    """A failure that may succeed when retried (throttling, timeouts, 5xx)."""

    kind = "transient"


class VerificationFailed(Sql2DynamoError):
    """DynamoDB does not hold exactly the items the source and the model call for."""

    exit_code = 8
    kind = "verification"


class ValidationFailed(Sql2DynamoError):
    """An access pattern's plan returned other rows than its SQL (``validate``)."""

    exit_code = 9
    kind = "validation"


EXIT_CODES: dict[int, str] = {
    0: "success",
    1: "internal error (a bug: please report it with the command line)",
    2: "usage error: wrong command line or option value",
    3: "source connection error: unreachable server, wrong credentials, unknown database",
    4: "input error: unusable database content, DDL, patterns file or unsupported type",
    5: "prerequisite missing: Java 17+, npm or the DynamoDB Local jar",
    6: "confirmation required: a user gate needs --yes or a terminal",
    7: "target error: DynamoDB refused or failed a request",
    8: "verification failed: the target's items differ from the source's",
    9: "validation failed: an access pattern's plan returns other rows than its SQL",
}
