-- Triggers and routines in one schema: logic that lives in the database and
-- does not move with the data.  Functions owned by extensions are left out.
-- Inheritance children and partitions: tables whose rows move through their parent.
SELECT 'trigger' AS kind, t.tgname AS name, c.relname AS table_name
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = :schema AND NOT t.tgisinternal
UNION ALL
SELECT 'routine', p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', NULL
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = :schema
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
UNION ALL
SELECT CASE WHEN c.relispartition THEN 'partition' ELSE 'inherits' END, c.relname, parent.relname
FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid
JOIN pg_class parent ON parent.oid = i.inhparent
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = :schema AND c.relkind IN ('r', 'p')
ORDER BY 1, 2
