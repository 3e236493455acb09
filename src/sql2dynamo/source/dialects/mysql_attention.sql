-- Triggers and stored routines in the current database.
SELECT 'trigger' AS kind, TRIGGER_NAME AS name, EVENT_OBJECT_TABLE AS table_name
FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()
UNION ALL
SELECT 'routine', CONCAT(ROUTINE_NAME, ' (', LOWER(ROUTINE_TYPE), ')'), NULL
FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()
ORDER BY 1, 2
