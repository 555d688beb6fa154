#!/usr/bin/env bash
# Benchmark of `rehome migrate mariadb`, all contenders timed in one run on the same two servers.
#
#   bash bench/mariadb-bench.sh [build-dir]     SIZE_MB=1100 TABLES=24 JOBS=2 ROUNDS=3 by default
#
# A generated database `bench` of about SIZE_MB in TABLES InnoDB tables (one large, three medium, the
# rest small; integer primary key, a secondary index, text, decimal, double and datetime columns) is
# copied from one local mariadbd to another by, interleaved for ROUNDS rounds (medians compared):
#   (1) mariadb-dump --single-transaction | mariadb          (one stream)
#   (2) mydumper -t JOBS | myloader -t JOBS                  (files in a temp folder, same thread count)
#   (3) rehome migrate mariadb --jobs JOBS                   (verification included: per-chunk checksums)
#   (4) rehome migrate mariadb --jobs JOBS --verify none     (the copy alone: the proof's overhead)
# Each contender gets an empty target database. Targets (issue 19): (3) >= 2x (1), >= 1.0x (2),
# (3)/(4) - 1 <= 25 %. Figures, latest first: bench/results/migrate.md. Each run prints its time, its CPU
# seconds (both servers' and the contender's own processes': far less moved by a shared box's load than
# wall time: the verification overhead is printed in both), the load average at its start and end, and rehome's phases
# line; the order of the four turns each round. The servers run as the mysql user on 127.0.0.1 in a temp folder, stopped at exit.
set -euo pipefail

build=${1:-build}
rehome=$(cd "$build" && pwd)/rehome
size_mb=${SIZE_MB:-1100}
tables=${TABLES:-24}
jobs=${JOBS:-2}
rounds=${ROUNDS:-3}
work=$(mktemp -d /tmp/rehome-mariadb-bench-XXXXXX)
chmod 755 "$work"
user=$(id -un)
if [[ $(id -u) -eq 0 ]]; then user=mysql; chown mysql "$work"; fi

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do while kill -0 "$p" 2>/dev/null; do sleep 0.2; done; done
  rm -rf "$work"
}
trap cleanup EXIT
source "$(dirname "$0")/lib.sh"

sql() { mariadb --no-defaults -uroot --socket="$work/$1/sock" --default-character-set=utf8mb4 -N -e "$2"; }

src_port=$((20000 + RANDOM % 10000)); dst_port=$((src_port + 1))
# The source logs binlog (rehome records its position); the target does not, for every contender alike
# (myloader turns it off in its sessions by default, the others would write it).
start_mariadb src "$src_port" MIXED
start_mariadb dst "$dst_port"

echo "generating ~${size_mb} MB in ${tables} tables ..."
sql src "CREATE DATABASE bench CHARACTER SET utf8mb4"
# Row ~ 200 bytes: the large table gets 40 %, three medium 10 % each, the small ones share the rest.
rows_total=$((size_mb * 1024 * 1024 / 200))
for i in $(seq 1 "$tables"); do
  if ((i == 1)); then n=$((rows_total * 40 / 100)); elif ((i <= 4)); then n=$((rows_total * 10 / 100));
  else n=$((rows_total * 30 / 100 / (tables - 4))); fi
  sql src "USE bench; CREATE TABLE bench.t$i (id BIGINT PRIMARY KEY, grp INT NOT NULL, amount DECIMAL(18,4), ratio DOUBLE,
    at DATETIME, name VARCHAR(64), body VARCHAR(120), KEY (grp)) ENGINE=InnoDB;
    INSERT INTO bench.t$i SELECT seq, seq % 1000, seq / 7, seq * 1.5, '2024-01-01' + INTERVAL seq SECOND,
      CONCAT('name ', seq, ' ✓'), CONCAT(MD5(seq), MD5(seq + 1), MD5(seq + 2)) FROM seq_1_to_$n;"
done
sql src "ANALYZE TABLE $(seq -s, -f 'bench.t%g' 1 "$tables")" >/dev/null
echo "source: $(sql src "SELECT ROUND(SUM(DATA_LENGTH + INDEX_LENGTH) / 1048576) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'bench'") MB on disk"

fresh_target() { sql dst "DROP DATABASE IF EXISTS bench; DROP DATABASE IF EXISTS _rehome"; rm -rf "$work/state" "$work/dump"; }
declare -A times cpus
# CPU seconds, which a shared box's load moves far less than wall time: both servers' (utime + stime
# of the two mariadbd) and the contender's own processes' (this shell's reaped children).
tick=$(getconf CLK_TCK)
servers_cpu() { local t=0 p; for p in "${pids[@]}"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$t"; }
clients_cpu() { awk '{print $16 + $17}' "/proc/$$/stat"; }
run() {  # name command...
  fresh_target
  local t0; t0=$(now)
  local load0; load0=$(cut -d' ' -f1 /proc/loadavg)
  local s0 c0; s0=$(servers_cpu); c0=$(clients_cpu)
  "${@:2}" >"$work/$1.out" 2>&1 || { echo "$1 failed:"; tail -20 "$work/$1.out"; exit 1; }
  local s; s=$(echo "$(now) - $t0" | bc -l)
  local sc cc; sc=$(echo "($(servers_cpu) - $s0) / $tick" | bc -l); cc=$(echo "($(clients_cpu) - $c0) / $tick" | bc -l)
  times[$1]+="$s "
  cpus[$1]+="$(echo "$sc + $cc" | bc -l) "
  printf '  %-16s %7.1f s  cpu %6.1f s (servers %.1f, clients %.1f)  (load average %s at the start, %s at the end)\n' \
    "$1" "$s" "$(echo "$sc + $cc" | bc -l)" "$sc" "$cc" "$load0" "$(cut -d' ' -f1 /proc/loadavg)"
  grep -h "^phases" "$work/$1.out" | sed 's/^/    /' || true
}
dump_restore() {
  sql dst "CREATE DATABASE bench"
  mariadb-dump --no-defaults -uroot --socket="$work/src/sock" --single-transaction --skip-dump-date bench |
    mariadb --no-defaults -uroot --socket="$work/dst/sock" bench
}
mydumper_myloader() {
  mydumper -u root -S "$work/src/sock" -B bench -t "$jobs" -o "$work/dump" >/dev/null 2>&1
  myloader -u root -S "$work/dst/sock" -d "$work/dump" -t "$jobs" -o >/dev/null 2>&1
}
rehome_run() {  # rehome's own CPU seconds at the end of its output (user, system)
  /usr/bin/time -f "rehome cpu: %U s user, %S s system" "$rehome" migrate mariadb --from "mariadb://root@127.0.0.1:$src_port/bench" \
    --to "mariadb://root@127.0.0.1:$dst_port/bench" --jobs "$jobs" --state "$work/state" --no-accounts "$@"
}
contenders=("dump dump_restore" "mydumper mydumper_myloader" "rehome rehome_run" "rehome_noverify rehome_run --verify none")
for r in $(seq 1 "$rounds"); do
  echo "round $r/$rounds ($(uptime | sed 's/.*load/load/'))"
  # The order turns each round, so no contender always runs first (after the generation) or last.
  for k in 0 1 2 3; do
    # shellcheck disable=SC2086
    run ${contenders[$(((k + r - 1) % 4))]}
  done
done
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
d=$(echo "${times[dump]}" | median); m=$(echo "${times[mydumper]}" | median)
r=$(echo "${times[rehome]}" | median); n=$(echo "${times[rehome_noverify]}" | median)
dc=$(echo "${cpus[dump]}" | median); mc=$(echo "${cpus[mydumper]}" | median)
rc=$(echo "${cpus[rehome]}" | median); nc=$(echo "${cpus[rehome_noverify]}" | median)
printf '\nmedians of %d interleaved rounds, %s MB, %s tables, %s jobs (all runs: dump %s| mydumper %s| rehome %s| rehome --verify none %s)\n' \
  "$rounds" "$size_mb" "$tables" "$jobs" "${times[dump]}" "${times[mydumper]}" "${times[rehome]}" "${times[rehome_noverify]}"
printf '%-44s %8s %10s\n' "" "wall" "cpu"
printf '%-44s %8.1f s %8.1f s\n' "mariadb-dump | mariadb" "$d" "$dc" "mydumper | myloader -t $jobs" "$m" "$mc" \
  "rehome migrate mariadb (verified)" "$r" "$rc" "rehome migrate mariadb --verify none" "$n" "$nc"
printf 'rehome vs mariadb-dump | mariadb:   %.2fx (target >= 2x)\n' "$(echo "$d / $r" | bc -l)"
printf 'rehome vs mydumper/myloader:        %.2fx (target >= 1.0x)\n' "$(echo "$m / $r" | bc -l)"
printf 'verification overhead:              %+.1f %% wall, %+.1f %% cpu (target <= 25 %%)\n' "$(echo "($r / $n - 1) * 100" | bc -l)" "$(echo "($rc / $nc - 1) * 100" | bc -l)"
grep -E "^time|^worker|^rehome cpu" "$work/rehome.out" "$work/rehome_noverify.out" || true
