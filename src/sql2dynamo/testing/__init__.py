"""Support for the project's own tests and benchmarks: the fault proxy, DynamoDB Local, Decision Data for sync.

It lives in the package, not under ``tests/``, so that ``bench/`` runs without putting the repository on
``sys.path``.  Nothing in the product imports it (it sits above ``cli`` in the import layers).
"""
