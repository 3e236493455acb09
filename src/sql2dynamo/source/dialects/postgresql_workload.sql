-- Workload mining from pg_stat_statements (sql2dynamo/workload/mine.py).
-- Sections start with "-- name: <query>"; {schema} stands for the schema the
-- extension was created in, already quoted.

-- name: prerequisites
-- pg_stat_statements_info (extension 1.9, PostgreSQL 14) tells since when it counts.
SELECT current_database() AS database_name,
       current_setting('shared_preload_libraries') AS preload,
       n.nspname AS extension_schema,
       to_regclass(quote_ident(n.nspname) || '.pg_stat_statements_info') IS NOT NULL AS has_info
  FROM (SELECT 1) AS one
  LEFT JOIN pg_extension e ON e.extname = 'pg_stat_statements'
  LEFT JOIN pg_namespace n ON n.oid = e.extnamespace

-- name: statements
-- One row per text: the same statement may be recorded per user.
SELECT s.query AS query_text,
       sum(s.calls)::bigint AS calls,
       sum(s.rows)::bigint AS row_count
  FROM {schema}.pg_stat_statements AS s
 WHERE s.dbid = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database())
 GROUP BY s.query

-- name: window
-- stats_reset: the last full pg_stat_statements_reset(); dealloc: entries
-- evicted since (pg_stat_statements.max was reached, counts are low).
SELECT i.stats_reset AS window_start, now() AS window_end, i.dealloc AS evicted
  FROM {schema}.pg_stat_statements_info AS i

-- name: tables
-- The application's tables and views: not catalogs, not extension objects
-- (pg_stat_statements itself is a view in the extension's schema).
SELECT n.nspname AS schema_name, c.relname AS table_name
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND left(n.nspname, 3) <> 'pg_'
   AND NOT EXISTS (SELECT 1
                     FROM pg_depend d
                    WHERE d.classid = 'pg_class'::regclass
                      AND d.objid = c.oid
                      AND d.deptype = 'e')
