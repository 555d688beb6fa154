#!/usr/bin/env python3
# Two bench_plan binaries (before, after) interleaved for N rounds, order swapped each round; prints the
# median BM_MakePlan time of each and the ratios, as a markdown table. Usage: plan-compare.py BEFORE AFTER [N]
import json, subprocess, statistics, sys
base, new = sys.argv[1], sys.argv[2]
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 9
res = {"base": {}, "new": {}}
def run(binary):
    out = subprocess.run([binary, "--timings", "--benchmark_format=json"], capture_output=True, text=True).stdout
    j = json.loads(out[out.index("{"):])
    return {b["name"]: b["real_time"] for b in j["benchmarks"] if b.get("run_type", "iteration") == "iteration"}
for r in range(rounds):
    order = [("base", base), ("new", new)] if r % 2 == 0 else [("new", new), ("base", base)]
    for name, b in order:
        for k, v in run(b).items():
            res[name].setdefault(k, []).append(v)
    print("round", r + 1, "done", flush=True)
for k in res["base"]:
    mb, mn = statistics.median(res["base"][k]), statistics.median(res["new"][k])
    ratios = [n / b for b, n in zip(res["base"][k], res["new"][k])]
    print(f"| {k} | {mb:.1f} | {mn:.1f} | {mn/mb:.3f} | {statistics.median(ratios):.3f} |")
