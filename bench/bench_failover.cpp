// Failover analysis speed: every N-1 scenario of 1k servers / 10k services (target < 1 s) and every
// N-2 scenario of 100 servers (target < 5 s), each against a naive full re-plan per scenario
// (plan::make_plan on the estate minus the failed servers), measured in the same run. The naive side
// is timed on a sample of scenarios (a full re-plan of 10k services per scenario would take hours for
// all of them); the ratio compares time per scenario, and the estimate for all scenarios is printed.
#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <string>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "plan/solver.hpp"
#include "resilience/analysis.hpp"
#include "resilience/failover.hpp"

namespace {

using namespace rehome;
using model::GiB;
using model::MiB;

struct Synthetic {
  model::Estate estate;
  plan::Plan plan;
};

// Servers of 32-64 GB, services of 128 MB - 1.5 GB with 1-3 replicas, some spread one per node,
// a few stateful ones pinned to their server; placed first-fit-decreasing on the least loaded server.
Synthetic synthetic(int servers, int services) {
  Synthetic s;
  std::mt19937 rng(42);
  s.estate.name = fmt::format("synthetic-{}x{}", servers, services);
  s.estate.headroom = 0.10;
  for (int i = 0; i < servers; ++i) {
    model::Server srv;
    srv.name = fmt::format("node{:04}", i);
    srv.memory = (32 + 32 * (i % 2)) * GiB;
    srv.cpu_threads = 16 + 16 * (i % 2);
    srv.role = i < 5 ? model::SwarmRole::manager : model::SwarmRole::worker;
    s.estate.servers.push_back(srv);
  }
  std::vector<model::Bytes> used(servers, 0);
  int replicas_total = 0;
  for (int i = 0; i < services; ++i) {
    model::Service svc;
    svc.name = fmt::format("svc{:05}", i);
    svc.image = fmt::format("example/img{}:1", i % 200);
    svc.resources.memory_reservation = (128 + static_cast<int>(rng() % 12) * 128) * MiB;
    svc.resources.cpu_reservation = 100 + static_cast<int>(rng() % 5) * 100;
    svc.replicas = 1 + static_cast<int>(rng() % 3 == 0) + static_cast<int>(rng() % 7 == 0);
    if (svc.replicas > 1) svc.placement.max_replicas_per_node = 1;
    if (i % 50 == 0) {  // a stateful one on local disk
      svc.replicas = 1;
      svc.stateful = true;
      svc.volumes.push_back({.name = svc.name + "-data", .target = "/data"});
    }
    replicas_total += svc.replicas;
    s.estate.services.push_back(svc);
  }
  // Least-loaded placement keeps every server about equally full (~half), like a balanced plan.
  for (const auto& svc : s.estate.services) {
    std::vector<int> taken;
    for (int r = 0; r < svc.replicas; ++r) {
      int best = -1;
      for (int n = 0; n < servers; ++n) {
        if (std::find(taken.begin(), taken.end(), n) != taken.end()) continue;
        if (best < 0 || used[n] < used[best]) best = n;
      }
      taken.push_back(best);
      used[best] += svc.resources.memory_reservation;
      s.plan.assignments.push_back({svc.name, r, s.estate.servers[best].name});
    }
  }
  (void)replicas_total;
  return s;
}

model::Estate without(const model::Estate& e, const std::vector<std::string>& lost) {
  model::Estate out = e;
  out.servers.clear();
  for (const auto& s : e.servers)
    if (std::find(lost.begin(), lost.end(), s.name) == lost.end()) out.servers.push_back(s);
  return out;
}

struct Timing {
  double seconds_per_scenario = 0;
  size_t scenarios = 0;
};
std::map<std::string, Timing> timings;

void incremental(benchmark::State& state, int servers, int services, int depth) {
  auto s = synthetic(servers, services);
  resilience::Cluster cluster(s.estate, s.plan);
  auto scenarios = resilience::failure_scenarios(s.estate, depth);
  if (depth == 2) scenarios.erase(scenarios.begin(), scenarios.begin() + servers);  // pairs only
  resilience::RecoveryModel model;
  for (auto _ : state) {
    long rescheduled = 0;
    for (const auto& sc : scenarios)
      rescheduled += resilience::analyse_failure(cluster, sc, model).rescheduled;
    benchmark::DoNotOptimize(rescheduled);
  }
  state.counters["scenarios"] = static_cast<double>(scenarios.size());
  timings[fmt::format("N-{} {}x{} incremental", depth, servers, services)].scenarios = scenarios.size();
}

void naive(benchmark::State& state, int servers, int services, int depth, size_t sample) {
  auto s = synthetic(servers, services);
  auto scenarios = resilience::failure_scenarios(s.estate, depth);
  if (depth == 2) scenarios.erase(scenarios.begin(), scenarios.begin() + servers);
  plan::PlanOptions options;
  options.improvement_rounds = 0;  // the cheapest full re-plan: greedy only
  options.search_budget = 0;
  for (auto _ : state) {
    for (size_t i = 0; i < sample && i < scenarios.size(); ++i) {
      auto result = plan::solve(without(s.estate, scenarios[i * (scenarios.size() / sample)].lost), options);
      benchmark::DoNotOptimize(result);
    }
  }
  state.counters["scenarios"] = static_cast<double>(sample);
  timings[fmt::format("N-{} {}x{} naive", depth, servers, services)].scenarios = sample;
}

// Records real time per iteration so main() can print the ratios after the run.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& run : runs) {
      const std::string name = run.benchmark_name();
      for (auto& [key, t] : timings) {
        std::string bench_key = key;
        std::replace(bench_key.begin(), bench_key.end(), ' ', '_');
        if (name.rfind(bench_key, 0) == 0 && t.scenarios > 0)
          t.seconds_per_scenario = run.GetAdjustedRealTime() / 1e9 / static_cast<double>(t.scenarios) *
                                   (run.time_unit == benchmark::kMillisecond ? 1e6 : 1.0);
      }
    }
  }
};

void print_ratio(int depth, int servers, int services, double target_seconds) {
  const auto& inc = timings[fmt::format("N-{} {}x{} incremental", depth, servers, services)];
  const auto& nv = timings[fmt::format("N-{} {}x{} naive", depth, servers, services)];
  if (inc.seconds_per_scenario <= 0 || nv.seconds_per_scenario <= 0) return;
  const double inc_all = inc.seconds_per_scenario * inc.scenarios;
  const double naive_all = nv.seconds_per_scenario * inc.scenarios;
  std::printf(
      "N-%d, %d servers / %d services: %zu scenarios in %.3f s incremental (target < %.0f s: %s); "
      "naive re-plan %.1f ms per scenario (sampled %zu) = ~%.1f s for all; ratio naive/incremental = %.0fx\n",
      depth, servers, services, inc.scenarios, inc_all, target_seconds,
      inc_all < target_seconds ? "met" : "MISSED", nv.seconds_per_scenario * 1e3, nv.scenarios, naive_all,
      nv.seconds_per_scenario / inc.seconds_per_scenario);
}

}  // namespace

int main(int argc, char** argv) {
  // REHOME_BENCH_SMALL=1 shrinks the estates for a quick check while developing.
  const bool small = std::getenv("REHOME_BENCH_SMALL") != nullptr;
  const int big_servers = small ? 100 : 1000, big_services = small ? 1000 : 10000;
  const int pair_servers = small ? 30 : 100, pair_services = small ? 300 : 1000;
  benchmark::RegisterBenchmark(fmt::format("N-1_{}x{}_incremental", big_servers, big_services).c_str(),
                               [=](benchmark::State& st) { incremental(st, big_servers, big_services, 1); })
      ->Unit(benchmark::kMillisecond)
      ->Iterations(3);
  benchmark::RegisterBenchmark(fmt::format("N-1_{}x{}_naive", big_servers, big_services).c_str(),
                               [=](benchmark::State& st) { naive(st, big_servers, big_services, 1, 3); })
      ->Unit(benchmark::kMillisecond)
      ->Iterations(1);
  benchmark::RegisterBenchmark(fmt::format("N-2_{}x{}_incremental", pair_servers, pair_services).c_str(),
                               [=](benchmark::State& st) { incremental(st, pair_servers, pair_services, 2); })
      ->Unit(benchmark::kMillisecond)
      ->Iterations(3);
  benchmark::RegisterBenchmark(fmt::format("N-2_{}x{}_naive", pair_servers, pair_services).c_str(),
                               [=](benchmark::State& st) { naive(st, pair_servers, pair_services, 2, 20); })
      ->Unit(benchmark::kMillisecond)
      ->Iterations(1);
  benchmark::Initialize(&argc, argv);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  print_ratio(1, big_servers, big_services, 1.0);
  print_ratio(2, pair_servers, pair_services, 5.0);
  return 0;
}
