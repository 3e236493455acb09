"""Fixtures of the runtime tests: the module's DynamoDB Local, with examples migrated into it on demand.

The logic is in ``tests/helpers/deployed.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sql2dynamo.target import local
from tests.helpers.deployed import Deployed, deploy_example


@pytest.fixture(scope="module")
def endpoint(shared_local: tuple[local.LocalInstance, Path]) -> str:
    """The module's DynamoDB Local."""
    return shared_local[0].endpoint_url


@pytest.fixture(scope="module")
def deployed(endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str, str], Deployed]]:
    """Factory: ``deployed(example, strategy)``, migrated once per module (table names of examples differ)."""
    made: dict[tuple[str, str], Deployed] = {}

    def make(example: str, strategy: str) -> Deployed:
        if (example, strategy) not in made:
            out = tmp_path_factory.mktemp(f"{example}-{strategy}")
            made[(example, strategy)] = deploy_example(example, strategy, out, endpoint)
        return made[(example, strategy)]

    yield make
    for done in made.values():
        done.source.dispose()
