// rehome's planner against (a) Swarm's spread, (b) first-fit decreasing and (c) CBC's optimum, on random
// estates of 1k, 10k and 100k replicas on 100, 1k and 10k servers. One run prints the timings, the
// quality of each and the ratios; then Google Benchmark times make_plan alone.
//   bench_plan                      everything (about a minute or two, CBC included)
//   bench_plan --quick              skip the 100k case and CBC
//   bench_plan --timings [--benchmark_filter=...]   Google Benchmark timings only (for profiling)
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <functional>
#include <iostream>

#include <fmt/format.h>

#include "baselines/cbc_model.hpp"
#include "baselines/ffd.hpp"
#include "baselines/random_estate.hpp"
#include "baselines/spread.hpp"
#include "plan/pack.hpp"
#include "plan/placement_state.hpp"
#include "plan/solver.hpp"

namespace {

using namespace rehome;
constexpr double kHeadroom = 0.10;

struct Quality {
  bool placed = false;
  int servers_used = 0;
  double max_util = 0;  // fullest server's memory share of its capacity
  double score = 0;     // rehome's soft-rule score of the placement, 0..100
  double ms = 0;
};

plan::Plan to_plan(const model::Estate& e, const std::vector<std::vector<size_t>>& where) {
  plan::Plan p;
  p.headroom = kHeadroom;
  for (size_t i = 0; i < where.size(); ++i)
    for (size_t r = 0; r < where[i].size(); ++r)
      p.assignments.push_back({e.services[i].name, static_cast<int>(r), e.servers[where[i][r]].name});
  return p;
}

Quality measure(const model::Estate& e, plan::Plan p, double ms, bool scored) {
  Quality q;
  q.ms = ms;
  q.placed = true;
  plan::PlacementState st(e, kHeadroom, p);
  for (size_t s = 0; s < e.servers.size(); ++s) {
    if (st.load(s).total == 0) continue;
    ++q.servers_used;
    q.max_util = std::max(q.max_util, static_cast<double>(st.load(s).memory) /
                                          static_cast<double>(st.context().memory_capacity(e.servers[s])));
  }
  if (scored) {
    plan::annotate(p, e);
    q.score = p.score;
  }
  return q;
}

double time_ms(const std::function<void()>& f) {
  auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

Quality run_rehome(const model::Estate& e, plan::Strategy strategy) {
  plan::PlanOptions o;
  o.strategy = strategy;
  o.headroom = kHeadroom;
  std::optional<plan::SolveResult> r;
  double ms = time_ms([&] { r = plan::solve(e, o); });
  if (!r->plan) return Quality{false, 0, 0, 0, ms};
  return measure(e, *r->plan, ms, true);
}

Quality run_baseline(const model::Estate& e,
                     const std::function<std::vector<std::vector<size_t>>(const model::Estate&, double)>& f) {
  std::vector<std::vector<size_t>> where;
  double ms = time_ms([&] { where = f(e, kHeadroom); });
  if (where.empty()) return Quality{false, 0, 0, 0, ms};
  return measure(e, to_plan(e, where), ms, true);
}

void print_row(const std::string& size, const std::string& name, const Quality& q) {
  fmt::print("{:<14} {:<16} {:>10.1f} {:>7} {:>8} {:>9.1f}% {:>7.1f}\n", size, name, q.ms,
             q.placed ? "all" : "NO", q.servers_used, q.max_util * 100, q.score);
}

std::string ratio(double a, double b) { return b > 0 ? fmt::format("{:.3f}", a / b) : "-"; }

// No placement uses fewer servers (each dimension's demand against the largest capacities).
int lower_bound(const model::Estate& e) {
  plan::PlacementState st(e, kHeadroom);
  std::vector<const model::Service*> replicas;
  for (const auto& s : e.services)
    for (int r = 0; r < s.replicas; ++r) replicas.push_back(&s);
  return plan::pack_lower_bound(st, replicas);
}

void quality_report(bool quick) {
  fmt::print(
      "Planner quality and time (one core, 10% headroom; score = rehome's soft-rule score 0..100)\n\n");
  fmt::print("{:<14} {:<16} {:>10} {:>7} {:>8} {:>10} {:>7}\n", "replicas/srv", "algorithm", "time ms",
             "placed", "servers", "max util", "score");
  struct Size {
    int replicas, servers;
  };
  std::vector<Size> sizes{{1000, 100}, {10000, 1000}};
  if (!quick) sizes.push_back({100000, 10000});
  std::vector<std::string> ratios;
  for (auto [replicas, servers] : sizes) {
    auto e = bench::random_estate(servers, replicas, 42);
    const auto size = fmt::format("{}k/{}", replicas / 1000, servers);
    auto balance = run_rehome(e, plan::Strategy::balance);
    auto pack = run_rehome(e, plan::Strategy::pack);
    auto spread = run_baseline(e, bench::swarm_spread);
    auto ffd = run_baseline(e, bench::first_fit_decreasing);
    print_row(size, "rehome balance", balance);
    print_row(size, "rehome pack", pack);
    print_row(size, "swarm spread", spread);
    print_row(size, "ffd", ffd);
    ratios.push_back(fmt::format(
        "{:<10} pack servers / FFD {}  / spread {}  / lower bound {} ({}) | balance score / spread {}  / FFD "
        "{} | balance max util "
        "/ "
        "spread {} | time balance {:.0f} ms, pack {:.0f} ms",
        size, ratio(pack.servers_used, ffd.servers_used), ratio(pack.servers_used, spread.servers_used),
        ratio(pack.servers_used, lower_bound(e)), lower_bound(e), ratio(balance.score, spread.score),
        ratio(balance.score, ffd.score), ratio(balance.max_util, spread.max_util), balance.ms, pack.ms));
  }
  fmt::print("\nRatios (servers: lower is better, <= 1 means never worse; score: higher is better, >= 1):\n");
  for (const auto& r : ratios) fmt::print("  {}\n", r);
  if (quick) return;

  fmt::print("\nAgainst CBC's optimum (servers used; instances CBC proves optimal within 60 s):\n");
  fmt::print("{:<14} {:>6} {:>6} {:>6} {:>6} {:>8} {:>10}  {}\n", "replicas/srv", "bound", "cbc", "pack",
             "ffd", "pack/cbc", "cbc time", "status");
  const auto dir = std::filesystem::temp_directory_path() / fmt::format("rehome-bench-cbc-{}", ::getpid());
  for (auto [replicas, servers] : std::vector<Size>{{40, 8}, {80, 12}, {150, 16}}) {
    for (unsigned seed : {1u, 2u}) {
      auto e = bench::random_estate(servers, replicas, seed);
      auto cbc = bench::cbc_optimum(e, kHeadroom, 60, dir);
      if (!cbc) {
        fmt::print("cbc not installed (apt-get install coinor-cbc): skipped\n");
        return;
      }
      auto pack = run_rehome(e, plan::Strategy::pack);
      auto ffd = run_baseline(e, bench::first_fit_decreasing);
      fmt::print("{:<14} {:>6} {:>6} {:>6} {:>6} {:>8} {:>9.1f}s  {}\n",
                 fmt::format("{}/{} s{}", replicas, servers, seed), lower_bound(e), cbc->servers,
                 pack.servers_used, ffd.servers_used,
                 cbc->optimal ? ratio(pack.servers_used, cbc->servers) : "-", cbc->seconds,
                 cbc->optimal ? "optimal" : "not proven in 60 s");
    }
  }
  std::filesystem::remove_all(dir);
}

void BM_MakePlan(benchmark::State& state) {
  auto e = bench::random_estate(static_cast<int>(state.range(1)), static_cast<int>(state.range(0)), 42);
  plan::PlanOptions o;
  o.strategy = state.range(2) ? plan::Strategy::pack : plan::Strategy::balance;
  for (auto _ : state) benchmark::DoNotOptimize(plan::solve(e, o));
  state.counters["replicas"] = static_cast<double>(state.range(0));
}
BENCHMARK(BM_MakePlan)
    ->Args({1000, 100, 0})
    ->Args({10000, 1000, 0})
    ->Args({100000, 10000, 0})
    ->Args({100000, 10000, 1})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);

}  // namespace

int main(int argc, char** argv) {
  bool quick = false, timings = false;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0)
      quick = true;
    else if (std::strcmp(argv[i], "--timings") == 0)
      timings = true;
    else
      args.push_back(argv[i]);
  }
  if (!timings) quality_report(quick);
  if (quick) return 0;
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
