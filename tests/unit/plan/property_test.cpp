// Random estates with fixed seeds: every plan is legal and within capacity; an estate is reported
// infeasible exactly when an exhaustive search finds no placement (small cases).
#include <gtest/gtest.h>

#include <random>

#include "plan/placement_state.hpp"
#include "plan/solver.hpp"
#include "support/estate_builder.hpp"

namespace rehome::plan {
namespace {

using namespace rehome::test;

model::Estate random_estate(std::mt19937& rng, int max_servers, int max_services, int max_replicas) {
  std::uniform_int_distribution<int> n_servers(1, max_servers), n_services(1, max_services),
      replicas(1, max_replicas), mem_gib(2, 16), mem_mib(128, 6144), threads(2, 8), pct(0, 99);
  std::vector<model::Server> servers;
  const int ns = n_servers(rng);
  for (int i = 0; i < ns; ++i) {
    auto s = server("s" + std::to_string(i), gib(mem_gib(rng)), threads(rng));
    if (pct(rng) < 20) s.hints.weak = true;
    if (pct(rng) < 30) s.labels["disk"] = pct(rng) < 50 ? "ssd" : "hdd";
    servers.push_back(s);
  }
  std::vector<model::Service> services;
  const int nv = n_services(rng);
  for (int i = 0; i < nv; ++i) {
    auto v =
        service("v" + std::to_string(i), gib(0), replicas(rng), static_cast<model::Category>(pct(rng) % 15));
    v.resources.memory_reservation = mem_mib(rng) * model::MiB;
    v.resources.cpu_reservation = 100 * (1 + pct(rng) % 20);
    if (pct(rng) < 15) v.tier = model::Tier::staging;
    if (pct(rng) < 10) v.placement.pin = {"s" + std::to_string(pct(rng) % ns)};
    if (pct(rng) < 10) v.placement.labels["disk"] = "ssd";
    if (pct(rng) < 15) v.placement.max_replicas_per_node = 1;
    if (i > 0 && pct(rng) < 15) v.placement.anti_affinity = {"v" + std::to_string(pct(rng) % i)};
    if (i > 0 && pct(rng) < 20) v.depends_on = {"v" + std::to_string(pct(rng) % i)};
    services.push_back(v);
  }
  return estate("test", std::move(servers), std::move(services));
}

// Replays the plan through the rules: every replica placed once, each fits given the ones before it.
void expect_legal(const model::Estate& e, const Plan& plan) {
  PlacementState st(e, plan.headroom);
  std::map<std::string, int> count;
  for (const auto& a : plan.assignments) {
    const auto* svc = e.find_service(a.service);
    const auto* srv = e.find_server(a.server);
    ASSERT_TRUE(svc && srv);
    const size_t idx = st.context().index_of(*srv);
    auto why = st.why_not(*svc, idx);
    ASSERT_FALSE(why) << a.service << " on " << a.server << ": " << *why;
    st.add(*svc, idx);
    ++count[a.service];
  }
  for (const auto& svc : e.services) EXPECT_EQ(count[svc.name], svc.replicas) << svc.name;
  for (size_t i = 0; i < e.servers.size(); ++i) {
    EXPECT_GE(st.free_memory(i), 0);
    EXPECT_GE(st.free_cpu(i), 0);
  }
}

// Depth-first over every replica -> server choice, pruned by the rules.
bool exhaustively_feasible(const model::Estate& e) {
  PlacementState st(e, e.headroom);
  std::vector<const model::Service*> replicas;
  for (const auto& s : e.services)
    for (int r = 0; r < s.replicas; ++r) replicas.push_back(&s);
  auto dfs = [&](auto&& self, size_t k) -> bool {
    if (k == replicas.size()) return true;
    for (size_t s = 0; s < e.servers.size(); ++s) {
      if (!st.fits(*replicas[k], s)) continue;
      st.add(*replicas[k], s);
      bool ok = self(self, k + 1);
      st.remove(*replicas[k], s);
      if (ok) return true;
    }
    return false;
  };
  return dfs(dfs, 0);
}

TEST(Property, SmallEstatesAgreeWithExhaustiveSearch) {
  std::mt19937 rng(20260101);
  int feasible = 0, infeasible = 0;
  for (int i = 0; i < 3000; ++i) {
    auto e = random_estate(rng, 4, 4, 3);
    if (e.replica_count() > 8) continue;
    auto result = solve(e);
    const bool exact = exhaustively_feasible(e);
    ASSERT_EQ(result.plan.has_value(), exact)
        << "case " << i << ": " << (result.failure ? result.failure->message : "solver found a plan");
    if (result.plan) {
      ++feasible;
      expect_legal(e, *result.plan);
    } else {
      ++infeasible;
      EXPECT_FALSE(result.failure->message.empty());
    }
  }
  EXPECT_GT(feasible, 300);
  EXPECT_GT(infeasible, 30);
}

// The same estates with the exact search switched off: greedy alone misses some placements, which the
// exact search (pack_exact.hpp's place_exact) finds, so the test above exercises it.
TEST(Property, TheExactSearchRescuesGreedysDeadEnds) {
  std::mt19937 rng(20260101);
  PlanOptions greedy_only;
  greedy_only.search_budget = 0;
  int rescued = 0;
  for (int i = 0; i < 3000; ++i) {
    auto e = random_estate(rng, 4, 4, 3);
    if (e.replica_count() > 8) continue;
    auto greedy = solve(e, greedy_only);
    auto full = solve(e);
    if (greedy.plan) {
      ASSERT_TRUE(full.plan) << "case " << i;
    }
    if (!greedy.plan && full.plan) {
      ++rescued;
      expect_legal(e, *full.plan);
      // The failure names the replica greedy could not place either way.
      EXPECT_FALSE(greedy.failure->service.empty());
    }
  }
  EXPECT_GT(rescued, 0);
}

TEST(Property, LargerEstatesArePlacedLegally) {
  std::mt19937 rng(84);
  int placed = 0;
  for (int i = 0; i < 300; ++i) {
    auto e = random_estate(rng, 40, 25, 4);
    for (auto strategy : {Strategy::balance, Strategy::pack}) {
      PlanOptions o;
      o.strategy = strategy;
      auto result = solve(e, o);
      if (result.plan) {
        ++placed;
        expect_legal(e, *result.plan);
      } else {
        EXPECT_FALSE(result.failure->service.empty());
      }
    }
  }
  EXPECT_GT(placed, 100);
}

TEST(Property, InfeasibleNamesTheServiceAndTheClosestServer) {
  auto e = estate("test", {server("wsasus", gib(11)), server("hpr", gib(5.7))}, {service("gitlab", gib(12))});
  auto result = solve(e);
  ASSERT_FALSE(result.plan);
  EXPECT_EQ(result.failure->service, "gitlab");
  EXPECT_EQ(result.failure->closest_server, "wsasus");
  EXPECT_EQ(result.failure->message,
            "gitlab needs 12.0 GB; closest: wsasus with 9.9 GB free after 10% headroom, short by 2.1 GB");
  EXPECT_THROW(make_plan(e), InfeasibleError);
  try {
    make_plan(e);
  } catch (const InfeasibleError& err) {
    EXPECT_EQ(err.exit_code(), 1);
  }
}

}  // namespace
}  // namespace rehome::plan
