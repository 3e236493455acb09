"""Zero-downtime cut-over: dual-write with its outbox, shadow reads, and the phases from dual-write to decommission.

The application keeps DynamoDB in step with :func:`enable_dual_write` (changes go into an outbox in the
application's own transaction and are mirrored after commit), compares reads with :class:`ShadowReader`,
and ``sql2dynamo cutover`` moves the phases forward behind their gates.
"""

from __future__ import annotations

from sql2dynamo.cutover.dualwrite import DualWrite, enable_dual_write
from sql2dynamo.cutover.outbox import drain_outbox
from sql2dynamo.cutover.shadow import ShadowReader

__all__ = ["DualWrite", "ShadowReader", "drain_outbox", "enable_dual_write"]
