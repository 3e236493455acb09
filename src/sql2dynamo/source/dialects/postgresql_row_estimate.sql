-- The planner's row estimate; -1 (never vacuumed or analyzed) means unknown.
SELECT c.reltuples::bigint
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = :schema AND c.relname = :table
