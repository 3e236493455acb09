"""Workload stage: the access patterns (mined from the database or written by hand).

* ``patterns``: the ``access_patterns.yaml`` format: writing and merging mined patterns;
  ``patterns_model`` (its types and keys) and ``patterns_read`` (strict loading) re-exported there.
* ``mine``: mining pg_stat_statements / performance_schema; re-exports the rest.
* ``querylog``: the query log file format (``--query-log FILE``).
* ``shape``: what a statement does (operation, keys, order, limit ...); its records in
  ``shape_model``, the WHERE/HAVING/ON analysis in ``_shape_conditions``.
* ``normalize``: recorded statements rewritten with ``:name`` parameters; fingerprints.
* ``evidence``: mined statements, their aggregation, and generated patterns.
"""
