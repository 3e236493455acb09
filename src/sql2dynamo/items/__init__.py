"""From a source row to DynamoDB items: value rules, key templates, converters, item plans and sizes, related rows.

Shared by every stage that writes or compares items (migrate, verify, sync, runtime, validate), so that
they all apply the same transform.
"""
