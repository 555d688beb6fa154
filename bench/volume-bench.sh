#!/usr/bin/env bash
# Benchmark of `rehome migrate volume` between two local dockerd engines (each with its own data-root,
# exec-root and socket in a temp folder; stopped by pid at exit), all contenders timed in one run.
#
#   bash bench/volume-bench.sh [build-dir]     SIZE_MB=2100 ROUNDS=3 by default
#
# Source volume: SIZE_MB of mixed files: 60 % in many small files (1-64 KiB, in 100 folders), 40 % in
# eight large ones. First copy, interleaved for ROUNDS rounds (target emptied, page cache dropped
# before each contender), medians compared:
#   rehome  rehome migrate volume (proof included: both sides' sha256 manifests compared)
#   rsync   rsync -a between the two volumes' folders on disk (no proof; what a person would run)
#   tar     the engines' own tar: docker cp SRC:/v/. - | docker cp - DST:/v (GET/PUT archive)
# Incremental, ROUNDS rounds: 1 % of the files rewritten (same count of bytes, another 1 % each round),
# then rehome's next pass against rsync -a's next run (each on its own copy), their order turning each
# round; medians compared. Ratios: contender time / rehome time (> 1: rehome faster). rehome's own
# phases (scan, copy, verify) and transport are printed per run; the load average before and after.
set -euo pipefail

build=${1:-build}
rehome=$(cd "$build" && pwd)/rehome
size_mb=${SIZE_MB:-2100}
rounds=${ROUNDS:-3}
work=$(mktemp -d /tmp/rehome-vbench-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 3
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  grep -o "$work[^ ]*" /proc/mounts 2>/dev/null | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  [[ -n ${KEEP:-} ]] || rm -rf "$work"
}
trap cleanup EXIT

start_engine() {  # name
  local r=$work/$1
  mkdir -p "$r"
  dockerd --data-root "$r/data" --exec-root "$r/exec" -H "unix://$r/docker.sock" --pidfile "$r/docker.pid" \
    --bridge none --iptables=false >"$r/dockerd.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 120); do docker -H "unix://$r/docker.sock" info >/dev/null 2>&1 && return; sleep 0.5; done
  echo "dockerd $1 did not start"; tail "$r/dockerd.log"; exit 1
}
start_engine a
start_engine b
A=unix://$work/a/docker.sock B=unix://$work/b/docker.sock
docker -H "$A" volume create data >/dev/null
src=$work/a/data/volumes/data/_data

echo "filling $size_mb MB ..."
python3 - "$src" "$size_mb" <<'PY'
import os, random, sys
root, size = sys.argv[1], int(sys.argv[2]) * 1024 * 1024
random.seed(7)
small_total, done, i = size * 6 // 10, 0, 0
while done < small_total:
    d = os.path.join(root, "d%03d" % (i % 100)); os.makedirs(d, exist_ok=True)
    n = random.randint(1024, 65536)
    with open(os.path.join(d, "f%06d" % i), "wb") as f: f.write(os.urandom(n))
    done += n; i += 1
for j in range(8):
    with open(os.path.join(root, "large%d.bin" % j), "wb") as f:
        left = (size - small_total) // 8
        while left > 0:
            k = min(left, 8 << 20); f.write(os.urandom(k)); left -= k
print(i, "small files")
PY
sync
nfiles=$(find "$src" -type f | wc -l)
echo "$nfiles files, $(du -sh "$src" | cut -f1)"

source "$(dirname "$0")/lib.sh"
drop() { sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

run_rehome() {  # target volume; prints seconds, then rehome's phases on stderr
  local t0; t0=$(now)
  "$rehome" migrate volume data --from-engine "$A" --to-engine "$B" --to-volume "$1" \
    --state "$work/$1.state.json" --json >"$work/$1.out" 2>"$work/$1.err"
  python3 -c "import sys; print('%.2f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$t0" "$(now)"
  python3 - "$work/$1.out" "$work/$1.err" <<'PY' >&2
import json, sys
r = json.load(open(sys.argv[1])); s = r["seconds"]
assert r["verified"], r["mismatches"][:5]
transport = "archive" if "archive endpoints" in open(sys.argv[2]).read() else "stream"
print("    rehome: scan %.1f s, copy %.1f s (%s), verify %.1f s (%s); %d files / %d bytes changed, hashed %d + %d bytes"
      % (s["scan"], s["copy"], transport, s["verify"], r.get("verify_scope", "full"), r["changed_files"], r["changed_bytes"],
         r["source"]["hashed_bytes"], r["target"]["hashed_bytes"]))
PY
}
rm_volume() {  # engine volume
  docker -H "$1" rm -f $(docker -H "$1" ps -aq --filter "label=rehome.volume-target=$2") >/dev/null 2>&1 || true
  docker -H "$1" volume rm -f "$2" >/dev/null 2>&1 || true
  rm -f "$work/$2.state.json"
}
secs() { python3 -c "import sys; print('%.2f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "$2"; }

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
declare -a t_rehome t_rsync t_tar
for round in $(seq 1 "$rounds"); do
  case $(( round % 3 )) in 1) order="rehome rsync tar" ;; 2) order="rsync tar rehome" ;; 0) order="tar rehome rsync" ;; esac
  for who in $order; do
    drop
    case $who in
      rehome) rm_volume "$B" rv; s=$(run_rehome rv | head -1); t_rehome+=("$s") ;;
      rsync)  rm -rf "$work/rs"; mkdir -p "$work/rs"; t0=$(now); rsync -a "$src/" "$work/rs/"; sync
              s=$(secs "$t0" "$(now)"); t_rsync+=("$s") ;;
      tar)    rm_volume "$B" tv
              docker -H "$B" volume create tv >/dev/null
              ca=$(docker -H "$A" create -v data:/v:ro "$(docker -H "$A" images --format '{{.Repository}}:{{.Tag}}' rehome-volume-helper | head -1)" /rehome-volume-helper)
              cb=$(docker -H "$B" create -v tv:/v "$(docker -H "$B" images --format '{{.Repository}}:{{.Tag}}' rehome-volume-helper | head -1)" /rehome-volume-helper)
              t0=$(now); docker -H "$A" cp "$ca:/v/." - | docker -H "$B" cp - "$cb:/v"; sync
              s=$(secs "$t0" "$(now)"); t_tar+=("$s")
              docker -H "$A" rm -f "$ca" >/dev/null; docker -H "$B" rm -f "$cb" >/dev/null ;;
    esac
    echo "round $round $who ${s}s (load $(cut -d" " -f1-3 /proc/loadavg))"
  done
done
mr=$(median "${t_rehome[@]}") ms=$(median "${t_rsync[@]}") mt=$(median "${t_tar[@]}")

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# Incremental rounds: 1 % of the files rewritten with new random bytes of the same size each round.
declare -a i_rehome i_rsync
changed=""
for round in $(seq 1 "$rounds"); do
  python3 - "$src" "$round" <<'PY'
import os, random, sys
random.seed(11 + int(sys.argv[2]))
files = sorted(os.path.join(r, f) for r, _, fs in os.walk(sys.argv[1]) for f in fs)
pick = random.sample(files, max(1, len(files) // 100))
total = 0
for p in pick:
    n = os.path.getsize(p); total += n
    with open(p, "r+b") as f: f.write(os.urandom(n))
print("changed", len(pick), "files,", total, "bytes")
PY
  sync
  order="rsync rehome"; (( round % 2 == 0 )) && order="rehome rsync"
  for who in $order; do
    drop
    case $who in
      rsync) t0=$(now); rsync -a "$src/" "$work/rs/"; sync; s=$(secs "$t0" "$(now)"); i_rsync+=("$s") ;;
      rehome) s=$(run_rehome rv | head -1); i_rehome+=("$s")
              changed=$(python3 -c "import json; r=json.load(open('$work/rv.out')); print(r['changed_files'], 'files', r['changed_bytes'], 'bytes sent')") ;;
    esac
    echo "incremental round $round $who ${s}s (load $(cut -d" " -f1-3 /proc/loadavg))"
  done
done
mir=$(median "${i_rehome[@]}") mis=$(median "${i_rsync[@]}")

echo
echo "volume bench: $nfiles files, $size_mb MB; medians of $rounds interleaved rounds; load average at the start $load_start, before the incremental rounds $load_before, at the end $(cut -d' ' -f1-3 /proc/loadavg)"
echo "first copy:"
printf '  %-40s %8s s   (runs: %s)\n' "rehome migrate volume (proof included)" "$mr" "${t_rehome[*]}" \
  "rsync -a (no proof)" "$ms" "${t_rsync[*]}" "docker cp | docker cp (engine tar)" "$mt" "${t_tar[*]}"
python3 -c "print('  rsync / rehome %.2fx (target >= 1.0)   tar / rehome %.2fx (target >= 0.8)' % ($ms / $mr, $mt / $mr))"
echo "incremental after changing 1 % (last pass: $changed):"
printf '  %-40s %8s s   (runs: %s)\n' "rehome migrate volume (proof included)" "$mir" "${i_rehome[*]}" \
  "rsync -a (no proof)" "$mis" "${i_rsync[*]}"
python3 -c "print('  rehome / rsync incremental %.2fx (target <= 1.5)' % ($mir / $mis))"
