"""``validate``: every access pattern run on the source (its SQL) and on DynamoDB (its plan), compared as rows."""
