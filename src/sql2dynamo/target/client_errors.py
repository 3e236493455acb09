"""What a DynamoDB refusal says: its error code and message, read the same way by every stage.

botocore puts both under ``response["Error"]``, either key may be missing
(a proxy's or a load balancer's answer has neither), and the values are not
always strings; both readers return ``""`` rather than ``None`` so callers
compare and format without checks.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

__all__ = ["error_code", "error_message"]


def error_code(exc: ClientError) -> str:
    """The ``Error.Code`` of the answer (``""`` when it has none)."""
    return str(exc.response.get("Error", {}).get("Code") or "")


def error_message(exc: ClientError) -> str:
    """The ``Error.Message`` of the answer (``""`` when it has none)."""
    return str(exc.response.get("Error", {}).get("Message") or "")
