"""Reading a refusal's code and message: present, absent, or not a string."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from sql2dynamo.target.client_errors import error_code, error_message


@pytest.mark.parametrize(
    ("response", "code", "message"),
    [
        (
            {"Error": {"Code": "ResourceNotFoundException", "Message": "no table"}},
            "ResourceNotFoundException",
            "no table",
        ),
        ({"Error": {"Code": "ThrottlingException"}}, "ThrottlingException", ""),
        ({"Error": {}}, "", ""),
        ({}, "", ""),  # a proxy's bare 502: no Error at all
        ({"Error": {"Code": None, "Message": None}}, "", ""),
        ({"Error": {"Code": 400, "Message": "bad"}}, "400", "bad"),
    ],
)
def test_code_and_message_of_a_refusal(response: dict[str, Any], code: str, message: str) -> None:
    exc = ClientError(response, "PutItem")  # type: ignore[arg-type]
    assert error_code(exc) == code
    assert error_message(exc) == message
