"""Item sizes by DynamoDB's rules: exact value bytes, per-column estimates, and per-entity item sizes."""
