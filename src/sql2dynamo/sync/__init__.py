"""Change data capture into DynamoDB: captured changes, their ordered idempotent apply, and the control table.

* :mod:`~sql2dynamo.sync.changes`: :class:`Change` and the positions that order changes;
* :mod:`~sql2dynamo.sync.apply`: :class:`Applier`, the same transform as the backfill, conditional on positions;
* :mod:`~sql2dynamo.sync.control`: :class:`ControlTable`, durable state (checkpoints, start positions) in the target.
"""

from sql2dynamo.sync.apply import Applier, ApplyStats
from sql2dynamo.sync.changes import POSITION_ATTRIBUTE, Change, my_position, outbox_position, pg_position
from sql2dynamo.sync.control import DEFAULT_CONTROL_TABLE, ControlTable, VersionConflict

__all__ = [
    "DEFAULT_CONTROL_TABLE",
    "POSITION_ATTRIBUTE",
    "Applier",
    "ApplyStats",
    "Change",
    "ControlTable",
    "VersionConflict",
    "my_position",
    "outbox_position",
    "pg_position",
]
