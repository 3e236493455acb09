-- The table's size in pages, exact and cheap (the file size, not the planner's relpages estimate).
SELECT pg_relation_size(c.oid) / current_setting('block_size')::bigint
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = :schema AND c.relname = :table
