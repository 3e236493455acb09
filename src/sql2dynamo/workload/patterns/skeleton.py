"""The ``access_patterns.yaml`` analyze writes when it has no workload to mine: a commented example per table.

Without ``--workload`` or ``--query-log`` nothing says how the application
reads its data, and ``design`` cannot start from an empty page: the skeleton
names every table with a lookup by its primary key, commented out so that
nothing is invented (an uncommented example would be designed for).  The file
parses as it is (``patterns:`` with no entry is an empty list), and
uncommenting an example gives a valid pattern.
"""

from __future__ import annotations

import json

from sql2dynamo.source.model import Schema

__all__ = ["skeleton_patterns"]


def skeleton_patterns(schema: Schema, application: str) -> str:
    """The text of a patterns file for ``schema`` with one commented example pattern per table."""
    lines = [
        f"# Access patterns of {application}: every way the application reads or writes its data.",
        "# analyze had no workload to mine (--workload reads what the database recorded, --query-log FILE",
        "# a log of statements), so this file holds one commented example per table. Uncomment and edit",
        "# them, add the application's other statements, and give each its real rate: design needs every",
        "# pattern's rps (requests per second, average and peak) and designs for these patterns only.",
        f"application: {json.dumps(application)}",
    ]
    if schema.source.dialect:
        lines.append(f"dialect: {schema.source.dialect}")
    lines.append("patterns:")
    for number, table in enumerate(schema.tables, start=1):
        where = " AND ".join(f"{column} = :{_param(column)}" for column in table.primary_key)
        lines += [
            f"#  - id: AP{number:02d}",
            f"#    description: Get one {table.name} row by its primary key",
            f"#    sql: SELECT * FROM {table.name} WHERE {where}",
            "#    rps: {avg: 1, peak: 5}        # measure these: null blocks the design",
            "#    consistency: eventual          # eventual | strong",
        ]
    return "\n".join(lines) + "\n"


def _param(column: str) -> str:
    """A parameter name for ``column`` (``:name`` takes letters, digits and underscores)."""
    out = "".join(c if c.isalnum() or c == "_" else "_" for c in column)
    return out if out and not out[0].isdigit() else f"p_{out}"
