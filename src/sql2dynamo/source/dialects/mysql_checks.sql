-- CHECK constraints of one table, column-level ones included (the inspector
-- only parses table-level ones from SHOW CREATE TABLE).  Works on MariaDB
-- 10.2+ and MySQL 8.0.16+.
SELECT cc.CONSTRAINT_NAME AS name, cc.CHECK_CLAUSE AS sqltext
FROM information_schema.TABLE_CONSTRAINTS tc
JOIN information_schema.CHECK_CONSTRAINTS cc
  ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
WHERE tc.CONSTRAINT_SCHEMA = DATABASE() AND tc.TABLE_NAME = :table AND tc.CONSTRAINT_TYPE = 'CHECK'
ORDER BY cc.CONSTRAINT_NAME
