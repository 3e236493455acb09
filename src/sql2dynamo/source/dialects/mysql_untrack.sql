-- Keep analyze's own queries out of performance_schema's statement digests
-- (the digests drop comments, so tagging the queries cannot work).  Needs
-- UPDATE on performance_schema.threads; without it the queries are recorded.
UPDATE performance_schema.threads SET INSTRUMENTED = 'NO' WHERE PROCESSLIST_ID = CONNECTION_ID()
