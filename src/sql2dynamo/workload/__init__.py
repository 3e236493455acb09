"""Workload stage: the access patterns (mined from the database or written by hand)."""
