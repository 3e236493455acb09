-- Triggers stored in the SQLite file (SQLite has no stored routines).
SELECT 'trigger' AS kind, name, tbl_name AS table_name
FROM sqlite_master WHERE type = 'trigger'
ORDER BY 1, 2
