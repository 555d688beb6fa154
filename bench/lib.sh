# Shared by the bench scripts (source it): timing, free ports, a throwaway PostgreSQL and MariaDB server.
# start_pg reads the caller's $bin (PostgreSQL's bin folder), $work (the temp folder) and as_pg (the
# command prefix that runs as the postgres user, empty when not root).

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc -l | xargs printf '%.2f'; }
ratio() { echo "$1 / $2" | bc -l | xargs printf "%.${3:-2}f"; }  # a b [decimals]

# start_pg NAME PORT WAL_LEVEL: the same settings for every bench server, durable enough to be fair
# (fsync on), sized for a small box; wal_level = logical where a bench follows with replication.
start_pg() {
  "${as_pg[@]}" "$bin/initdb" -D "$work/$1" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
  "${as_pg[@]}" "$bin/pg_ctl" -D "$work/$1" -l "$work/$1.log" -w -o \
    "-p $2 -k $work -c listen_addresses=127.0.0.1 -c shared_buffers=256MB -c max_wal_size=4GB \
     -c checkpoint_timeout=30min -c maintenance_work_mem=256MB -c wal_level=$3 -c max_connections=50" \
    start >/dev/null
}

# start_mariadb NAME PORT [BINLOG_FORMAT]: a throwaway mariadbd on 127.0.0.1 (socket $work/NAME/sock),
# the same settings for every MariaDB bench; with BINLOG_FORMAT (ROW, MIXED) its binary log is on. Reads
# the caller's $work and $user (mysql when root), appends its pid to the caller's pids array.
start_mariadb() {
  mkdir -p "$work/$1"; [[ $(id -u) -eq 0 ]] && chown mysql "$work/$1"
  mariadb-install-db --no-defaults --user="$user" --datadir="$work/$1/data" --auth-root-authentication-method=normal \
    --skip-test-db >"$work/$1/install.log" 2>&1
  /usr/sbin/mariadbd --no-defaults --user="$user" --datadir="$work/$1/data" --socket="$work/$1/sock" --port="$2" \
    --bind-address=127.0.0.1 --skip-name-resolve --innodb-buffer-pool-size=512M --innodb-log-file-size=512M \
    --innodb-flush-log-at-trx-commit=2 \
    ${3:+--log-bin="$work/$1/data/binlog" --server-id="$2" --sync-binlog=0 --binlog-format=$3} \
    --max-allowed-packet=64M >"$work/$1/server.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 300); do mariadb-admin --no-defaults -uroot --socket="$work/$1/sock" ping >/dev/null 2>&1 && return; sleep 0.1; done
  echo "mariadbd $1 did not start"; tail "$work/$1/server.log"; exit 1
}
