# Shared by the bench scripts (source it): timing, free ports, and a throwaway PostgreSQL server.
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
