-- Keep analyze's own catalog and statistics queries out of pg_stat_statements,
-- so a later `analyze --workload` does not mine them as the application's
-- workload.  Needs superuser; without it the queries are recorded (harmless).
SET pg_stat_statements.track = 'none'
