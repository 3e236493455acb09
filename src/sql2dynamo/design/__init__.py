"""Design stage: schema.json + access patterns -> a justified, immutable DynamoDB model.

The engine produces a frozen :class:`~sql2dynamo.design.model.DataModel`; the
Markdown documents, ``migrationContract.json``, ``create_table`` calls and the
generated repository are separate consumers of it.
"""
