-- Triggers and routines in one schema: logic that lives in the database and
-- does not move with the data.  Functions owned by extensions are left out.
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
ORDER BY 1, 2
