#!/usr/bin/env bash
# Make sure the source databases the tests use are up, with the settings the
# tests need: pg_stat_statements (workload mining), logical WAL (change data
# capture), MariaDB's performance_schema digests and a row-based binlog.
# Idempotent: a server already running with these settings is left alone.
# Needs root (it restarts system services); run by `make services` and .ci/run.
set -euo pipefail

log() { printf 'services: %s\n' "$*"; }

pg_setting() { psql -h 127.0.0.1 -U postgres -d postgres -Atc "show $1" 2>/dev/null || true; }

wait_for() { # wait_for NAME CMD...
  local name=$1; shift
  for _ in $(seq 1 60); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  log "$name did not come up"; return 1
}

postgres_up() {
  if ! command -v pg_ctlcluster >/dev/null; then log "PostgreSQL is not installed (apt-get install postgresql)"; return 1; fi
  local ver; ver=$(ls /etc/postgresql | sort -n | tail -1)
  if ! pg_isready -h 127.0.0.1 -q; then
    pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
    wait_for PostgreSQL pg_isready -h 127.0.0.1 -q
  fi
  if [[ "$(pg_setting shared_preload_libraries)" != *pg_stat_statements* || "$(pg_setting wal_level)" != logical ]]; then
    log "PostgreSQL: enabling pg_stat_statements and wal_level=logical (restart)"
    psql -h 127.0.0.1 -U postgres -d postgres -qc "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'" \
      -c "ALTER SYSTEM SET wal_level = 'logical'"
    pg_ctlcluster --skip-systemctl-redirect "$ver" main restart
    wait_for PostgreSQL pg_isready -h 127.0.0.1 -q
  fi
  log "PostgreSQL $ver ready on 127.0.0.1:5432 (pg_stat_statements, wal_level=logical)"
}

maria_var() { mariadb -uroot -h 127.0.0.1 -Nse "select @@$1" 2>/dev/null || true; }

mariadb_up() {
  if ! command -v mariadbd >/dev/null && [ ! -x /usr/sbin/mariadbd ]; then log "MariaDB is not installed (apt-get install mariadb-server)"; return 1; fi
  if mariadb -uroot -h 127.0.0.1 -e 'select 1' >/dev/null 2>&1 \
     && [ "$(maria_var performance_schema)" = 1 ] && [ "$(maria_var binlog_format)" = ROW ] && [ "$(maria_var binlog_row_image)" = FULL ] \
     && [ "$(maria_var binlog_row_metadata)" = FULL ]; then
    log "MariaDB ready on 127.0.0.1:3306 (performance_schema, binlog_format=ROW)"; return 0
  fi
  if mariadb -uroot -h 127.0.0.1 -e 'select 1' >/dev/null 2>&1; then
    log "MariaDB: restarting with performance_schema=ON and a row-based binlog"
    mariadb-admin -uroot shutdown || true
    for _ in $(seq 1 60); do pgrep -x mariadbd >/dev/null || break; sleep 0.5; done
  fi
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- \
    --performance-schema=ON --performance-schema-consumer-events-statements-history=ON \
    --server-id=1 --log-bin=mysql-bin --binlog-format=ROW --binlog-row-image=FULL --binlog-row-metadata=FULL
  wait_for MariaDB mariadb -uroot -h 127.0.0.1 -e 'select 1'
  log "MariaDB ready on 127.0.0.1:3306 (performance_schema, binlog_format=ROW)"
}

case "${1:-up}" in
  up) postgres_up; mariadb_up ;;
  *) echo "usage: $0 up" >&2; exit 2 ;;
esac
