"""Workload stage: the access patterns (mined from the database or written by hand).

* ``patterns``: the ``access_patterns.yaml`` format, strict loading, merging.
* ``mine``: mining pg_stat_statements / performance_schema; re-exports the rest.
* ``querylog``: the query log file format (``--query-log FILE``).
* ``shape``: what a statement does (operation, keys, order, limit ...).
* ``normalize``: recorded statements rewritten with ``:name`` parameters; fingerprints.
* ``evidence``: mined statements, their aggregation, and generated patterns.
"""
