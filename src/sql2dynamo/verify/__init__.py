"""The verify stage: compare what migrate meant to write with what DynamoDB holds.

:mod:`~sql2dynamo.verify.canonical` gives items one spelling (numbers, set
and attribute order), a stable hash, and readable differences.
"""

from __future__ import annotations

from sql2dynamo.verify.canonical import canonical, canonical_hash, canonical_item, canonical_number, diff_items

__all__ = ["canonical", "canonical_hash", "canonical_item", "canonical_number", "diff_items"]
