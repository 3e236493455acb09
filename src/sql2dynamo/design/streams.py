"""Which tables get a DynamoDB stream: only those the user asks for (``design --streams``).

Nothing in sql2dynamo reads a DynamoDB stream: ``sync`` reads the source's
own log (PostgreSQL's WAL, MySQL's binlog) and dual-write drains its outbox.
A stream costs on AWS (its reads, a consumer to run) and, on DynamoDB Local,
every write: its stream emulation looks up the stream's records in one
shared SQLite table for every item written, which made a migrate onto the
managed disk-backed instance crawl (``bench/local_target.py`` measures it).
So a stream is on only where something the user runs consumes it: a search
index, a Lambda, a materialized aggregate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sql2dynamo.common.errors import UsageError
from sql2dynamo.design.model import DesignDecision, TableSpec

__all__ = ["STREAMS_HELP", "parse_streams", "with_streams"]

STREAMS_HELP = "none (default), all, or a comma-separated list of the model's table names"


def parse_streams(text: str) -> tuple[str, ...] | None:
    """``none`` -> ``()``, ``all`` -> ``None`` (every entity table), ``a,b`` -> ``("a", "b")``.

    Raises ``UsageError`` for an empty list entry.
    """
    value = text.strip()
    if value.lower() == "none":
        return ()
    if value.lower() == "all":
        return None
    names = tuple(part.strip() for part in value.split(","))
    if not all(names):
        raise UsageError(f"--streams {text!r} has an empty table name", hint=f"give {STREAMS_HELP}")
    return tuple(dict.fromkeys(names))


def with_streams(tables: Sequence[TableSpec], choice: str) -> tuple[tuple[TableSpec, ...], DesignDecision]:
    """``tables`` with a stream on exactly the tables ``choice`` (``--streams``) names; the decision.

    ``all`` means every entity table (a lookup table only guards a unique value:
    its changes mirror the entity's).  Raises ``UsageError`` naming the model's
    tables when ``choice`` names one the model does not have.
    """
    wanted = parse_streams(choice)
    names = [t.name for t in tables]
    if wanted is None:
        chosen = {t.name for t in tables if t.role == "entity"}
    else:
        unknown = [n for n in wanted if n not in names]
        if unknown:
            raise UsageError(
                f"--streams names {', '.join(unknown)}, which the model does not have",
                hint=f"use none, all, or some of: {', '.join(names)}",
            )
        chosen = set(wanted)
    out = tuple(replace(t, stream=t.name in chosen) for t in tables)
    on = [t.name for t in out if t.stream]
    if on:
        approach = f"a stream (NEW_AND_OLD_IMAGES) on {', '.join(on)}, as --streams asked"
        justification = (
            "the user consumes these streams outside sql2dynamo (a search index, a Lambda, an aggregate); "
            "no stage of sql2dynamo reads them"
        )
    else:
        approach = "no stream on any table"
        justification = (
            "nothing consumes a stream: sync reads the source's own log and dual-write its outbox, "
            "and a stream costs on every write (on DynamoDB Local, a lookup in its stream records per item "
            "written, which slowed migrate by an order of magnitude)"
        )
    decision = DesignDecision(
        decision_type="STREAMS",
        subject="all tables",
        alternatives_considered=(
            "a stream on every table, in case something will read it",
            "a stream only where a consumer exists (design --streams TABLE,...)",
        ),
        chosen_approach=approach,
        justification=justification,
        trade_offs=(
            "a stream records only changes made while it is on: turn it on before the writes its consumer needs",
        ),
        rollback_strategy="update the table's StreamSpecification (on or off) at any time; items are untouched",
        monitoring_requirements=("IteratorAge of each stream consumer",) if on else (),
    )
    return out, decision
