-- The planner's row estimate; a table never vacuumed or analyzed (reltuples -1) falls back to the
-- statistics system's live-row count, which inserts update without ANALYZE; NULL means unknown.
SELECT CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint ELSE NULLIF(s.n_live_tup, 0) END
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
WHERE n.nspname = :schema AND c.relname = :table
