-- Workload mining from performance_schema (sql2dynamo/workload/mine.py).
-- Sections start with "-- name: <query>".

-- name: prerequisites
SELECT @@performance_schema AS enabled, DATABASE() AS database_name

-- name: consumers
-- Digests are summarised only while both consumers are enabled.
SELECT NAME AS name, ENABLED AS enabled
  FROM performance_schema.setup_consumers
 WHERE NAME IN ('global_instrumentation', 'statements_digest')

-- name: statements
SELECT DIGEST_TEXT AS digest_text,
       SUM(COUNT_STAR) AS calls,
       SUM(SUM_ROWS_SENT) + SUM(SUM_ROWS_AFFECTED) AS row_count
  FROM performance_schema.events_statements_summary_by_digest
 WHERE SCHEMA_NAME = DATABASE()
   AND DIGEST_TEXT IS NOT NULL
 GROUP BY DIGEST_TEXT

-- name: window
-- The window starts at the earliest FIRST_SEEN of the whole table (any
-- schema): the first statement seen since the server started or the table
-- was truncated.  The row with a NULL DIGEST counts statements that found
-- the table full (performance_schema_digests_size).
SELECT UNIX_TIMESTAMP(MIN(FIRST_SEEN)) AS window_start,
       UNIX_TIMESTAMP(NOW(6)) AS window_end,
       SUM(CASE WHEN DIGEST IS NULL THEN COUNT_STAR ELSE 0 END) AS lost
  FROM performance_schema.events_statements_summary_by_digest

-- name: tables
SELECT TABLE_SCHEMA AS schema_name, TABLE_NAME AS table_name
  FROM information_schema.TABLES
 WHERE TABLE_SCHEMA = DATABASE()
