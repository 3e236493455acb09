-- Columns of every base table in the current database, in declaration order.
-- COLUMN_TYPE keeps the full spelling (tinyint(1), enum('a','b'), int(10) unsigned).
SELECT c.TABLE_NAME AS table_name,
       c.COLUMN_NAME AS column_name,
       c.COLUMN_TYPE AS source_type,
       c.IS_NULLABLE = 'YES' AS nullable,
       c.COLUMN_DEFAULT AS column_default,
       c.EXTRA LIKE '%auto_increment%' AS autoincrement,
       c.DATA_TYPE IN ('enum', 'set') AS is_enum,
       NULL AS enum_values,
       NULLIF(c.COLUMN_COMMENT, '') AS comment
FROM information_schema.COLUMNS c
JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
WHERE c.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE'
ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION
