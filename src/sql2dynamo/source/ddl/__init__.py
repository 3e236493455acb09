"""``analyze --ddl``: reading a DDL file or dump into the schema, without a database."""
