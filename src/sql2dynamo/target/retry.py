"""Retry by error class: exponential backoff with full jitter, bounded by attempts or a deadline.

Throttling, 5xx answers, dropped connections and timeouts are worth another
try; everything else (a missing table, a rejected item, denied access) is
terminal and becomes a one-line ``TargetError`` naming the table and the fix.
The decision is made from the exception's class and DynamoDB's error code,
never from the message text.
"""

from __future__ import annotations

import enum
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from botocore.exceptions import (
    BotoCoreError,
    ChecksumError,
    ClientError,
    HTTPClientError,
)
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)
from botocore.parsers import ResponseParserError

from sql2dynamo.common.errors import Sql2DynamoError, TargetError, TransientError
from sql2dynamo.common.urls import redact_text
from sql2dynamo.target.client_errors import error_code as client_error_code
from sql2dynamo.target.client_errors import error_message

__all__ = [
    "THROTTLING_CODES",
    "TRANSIENT_CODES",
    "ErrorKind",
    "RetryPolicy",
    "classify",
    "error_code",
    "exhausted_error",
    "retry_call",
    "terminal_error",
]

T = TypeVar("T")

THROTTLING_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "LimitExceededException",
    }
)
"""DynamoDB error codes that mean "slow down": retried, and a congestion signal for the writer."""

TRANSIENT_CODES = frozenset({"InternalServerError", "InternalFailure", "ServiceUnavailable"})
"""Server-side failures worth another try even when the status code does not say 5xx."""

_ACCESS_CODES = frozenset(
    {
        "AccessDeniedException",
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "MissingAuthenticationTokenException",
        "ExpiredTokenException",
    }
)


class ErrorKind(enum.Enum):
    """How a failure is handled: slow down and retry, retry, or stop."""

    THROTTLE = "throttle"
    TRANSIENT = "transient"
    TERMINAL = "terminal"


def error_code(exc: BaseException) -> str | None:
    """DynamoDB's error code of a ``ClientError`` (``sql2dynamo`` errors may carry one too)."""
    if isinstance(exc, ClientError):
        return client_error_code(exc) or None
    if isinstance(exc, Sql2DynamoError):
        code = exc.context.extra.get("code")
        return str(code) if code else None
    return None


def classify(exc: BaseException) -> ErrorKind:
    """Decide by class (and DynamoDB error code) whether ``exc`` is worth retrying."""
    if isinstance(exc, ClientError):
        code = error_code(exc) or ""
        if code in THROTTLING_CODES:
            return ErrorKind.THROTTLE
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code in TRANSIENT_CODES or (isinstance(status, int) and status >= 500):
            return ErrorKind.TRANSIENT
        return ErrorKind.TERMINAL
    if isinstance(exc, TransientError):
        return ErrorKind.THROTTLE if error_code(exc) in THROTTLING_CODES else ErrorKind.TRANSIENT
    # Dropped connections, timeouts, truncated or garbled answers: the request may
    # or may not have been applied, and a PutRequest can safely be sent again.
    if isinstance(
        exc,
        HTTPClientError | BotoConnectionError | ChecksumError | ResponseParserError | ConnectionError | TimeoutError,
    ):
        return ErrorKind.TRANSIENT
    return ErrorKind.TERMINAL


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter: attempt ``n`` sleeps ``uniform(0, min(cap, base * 2**n))``.

    A caller gives up after ``max_attempts`` consecutive failed attempts or once
    ``deadline_s`` seconds have passed since it started, whichever comes first.
    ``rng``, ``sleep`` and ``clock`` are injectable so tests are deterministic.
    """

    base_s: float = 0.05
    cap_s: float = 10.0
    max_attempts: int = 15
    deadline_s: float | None = None
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False, repr=False)
    clock: Callable[[], float] = field(default=time.monotonic, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.base_s <= 0 or self.cap_s < self.base_s:
            raise ValueError("RetryPolicy needs 0 < base_s <= cap_s")
        if self.max_attempts < 1:
            raise ValueError("RetryPolicy needs max_attempts >= 1")

    def backoff(self, attempt: int) -> float:
        """Seconds to wait before retry number ``attempt`` (0 for the first retry)."""
        # 2**attempt overflows float for absurd attempt counts; the cap makes the exponent moot past 64.
        ceiling = min(self.cap_s, self.base_s * 2 ** min(attempt, 64))
        return self.rng.uniform(0.0, ceiling)

    def exhausted(self, failures: int, started: float) -> bool:
        """Whether a caller that started at ``started`` and failed ``failures`` times in a row must stop."""
        if failures >= self.max_attempts:
            return True
        return self.deadline_s is not None and self.clock() - started >= self.deadline_s

    def pause(self, attempt: int, started: float) -> float:
        """Sleep the backoff for ``attempt`` (never past the deadline); return the seconds slept."""
        delay = self.backoff(attempt)
        if self.deadline_s is not None:
            delay = max(0.0, min(delay, started + self.deadline_s - self.clock()))
        if delay > 0:
            self.sleep(delay)
        return delay


def terminal_error(exc: BaseException, *, table: str | None, operation: str, where: str | None = None) -> TargetError:
    """A one-line ``TargetError`` for a failure that retrying cannot fix, naming the table and the fix."""
    on = f" on {where}" if where else ""
    subject = f"table {table!r}" if table else "the target"
    if isinstance(exc, ClientError):
        code = error_code(exc) or "Unknown"
        message = _one_line(redact_text(error_message(exc) or str(exc)))
        if code == "ResourceNotFoundException":
            return TargetError(
                f"{subject} does not exist{on} ({operation}: {message})",
                hint="create the table first, or check the table name and --target",
                table=table,
                code=code,
            )
        if code in _ACCESS_CODES:
            return TargetError(
                f"DynamoDB denied {operation} on {subject}{on}: {code}: {message}",
                hint=f"grant dynamodb:{operation} on the table to these credentials, or check the credentials",
                table=table,
                code=code,
            )
        if code == "ValidationException":
            return TargetError(
                f"DynamoDB rejected {operation} on {subject}{on}: {message}",
                hint="check that every item has the table's key attributes with their declared types "
                "and stays under 400 KB",
                table=table,
                code=code,
            )
        return TargetError(
            f"DynamoDB refused {operation} on {subject}{on}: {code}: {message}",
            hint="fix the request or the table, then run again",
            table=table,
            code=code,
        )
    if isinstance(exc, TargetError):
        return exc
    text = _one_line(redact_text(str(exc))) or type(exc).__name__
    return TargetError(
        f"{operation} on {subject}{on} failed: {text}",
        hint="check the target endpoint, the credentials and the region",
        table=table,
    )


def exhausted_error(
    exc: BaseException, *, table: str | None, operation: str, attempts: int, where: str | None = None
) -> TransientError:
    """The error raised when retryable failures persist past the policy's bounds."""
    on = f" on {where}" if where else ""
    subject = f"table {table!r}" if table else "the target"
    code = error_code(exc)
    text = _one_line(redact_text(str(exc))) or type(exc).__name__
    return TransientError(
        f"{operation} on {subject}{on} still failing after {attempts} attempts: {text}",
        hint="the target is throttling or unavailable; lower --max-wcu or the concurrency, or retry later",
        table=table,
        code=code,
    )


def retry_call(
    fn: Callable[[], T],
    *,
    policy: RetryPolicy,
    operation: str,
    table: str | None = None,
    where: str | None = None,
    on_retry: Callable[[ErrorKind, BaseException], None] | None = None,
) -> T:
    """Call ``fn`` until it succeeds, retrying throttling and transient failures per ``policy``.

    Terminal failures raise ``TargetError`` at once (exceptions that are not
    botocore or sql2dynamo errors, i.e. bugs, propagate unchanged); retryable
    ones that persist raise ``TransientError``.  ``on_retry`` sees every
    failure that is retried, for counters.
    """
    started = policy.clock()
    failures = 0
    while True:
        try:
            return fn()
        except Exception as exc:
            kind = classify(exc)
            if kind is ErrorKind.TERMINAL:
                if isinstance(exc, BotoCoreError | ClientError | TargetError):
                    raise terminal_error(exc, table=table, operation=operation, where=where) from exc
                raise
            failures += 1
            if policy.exhausted(failures, started):
                raise exhausted_error(exc, table=table, operation=operation, attempts=failures, where=where) from exc
            if on_retry is not None:
                on_retry(kind, exc)
            policy.pause(failures - 1, started)


def _one_line(text: str) -> str:
    return " ".join(text.split())
