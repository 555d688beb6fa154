// Each soft rule: its score for candidates and its verdict on a finished plan.
#include <gtest/gtest.h>

#include "plan/placement_state.hpp"
#include "plan/scorers.hpp"
#include "plan/solver.hpp"
#include "support/estate_builder.hpp"

namespace rehome::plan {
namespace {

using namespace rehome::test;
using model::Category;

// big: most memory; strong: most CPU (the production server); weak: old and unreliable.
model::Estate three_servers(std::vector<model::Service> services) {
  auto e =
      estate("test", {server("big", gib(32), 8), server("strong", gib(28), 16), server("weak", gib(6), 8)},
             std::move(services));
  e.servers[2].hints.weak = true;
  e.servers[2].hints.reliability = model::Reliability::low;
  return e;
}

const SoftRuleOutcome* outcome(const Plan& p, const std::string& rule, const std::string& service) {
  for (const auto& o : p.soft_rules)
    if (o.rule == rule && o.service == service) return &o;
  return nullptr;
}

bool on_server(const Plan& p, const std::string& service, const std::string& server) {
  auto where = p.servers_of(service);
  return !where.empty() && where[0] == server;
}

Plan placed(const model::Estate& e, std::vector<Assignment> a) {
  Plan p;
  p.assignments = std::move(a);
  annotate(p, e);
  return p;
}

TEST(Scorers, DatabasesGoWhereMemoryIsLargest) {
  auto e = three_servers({service("pg", gib(2), 1, Category::database)});
  PlacementContext ctx(e, 0.1);
  auto s = make_databases_on_memory_scorer();
  ASSERT_TRUE(s->applies(e.services[0], ctx));
  EXPECT_GT(s->score(e.services[0], e.servers[0], {}, ctx), s->score(e.services[0], e.servers[2], {}, ctx));
  EXPECT_TRUE(on_server(make_plan(e), "pg", "big"));
  auto p = placed(e, {{"pg", 0, "weak"}});
  ASSERT_TRUE(outcome(p, "databases-on-memory", "pg"));
  EXPECT_FALSE(outcome(p, "databases-on-memory", "pg")->met);
}

TEST(Scorers, MonitoringAndCiOffTheProductionServer) {
  auto e = three_servers({service("web", gib(1), 1, Category::app),
                          service("prometheus", gib(2), 1, Category::monitoring),
                          service("runner", gib(2), 1, Category::ci)});
  PlacementContext ctx(e, 0.1);
  EXPECT_TRUE(ctx.is_production_server(e.servers[1]));
  EXPECT_FALSE(ctx.is_production_server(e.servers[0]));
  auto plan = make_plan(e);
  EXPECT_EQ(plan.servers_of("web"), std::vector<std::string>{"strong"});
  EXPECT_NE(plan.servers_of("prometheus")[0], "strong");
  EXPECT_NE(plan.servers_of("runner")[0], "strong");
  auto bad = placed(e, {{"web", 0, "strong"}, {"prometheus", 0, "strong"}, {"runner", 0, "strong"}});
  EXPECT_FALSE(outcome(bad, "monitoring-off-production", "prometheus")->met);
  EXPECT_FALSE(outcome(bad, "ci-off-production", "runner")->met);
  EXPECT_NE(outcome(bad, "ci-off-production", "runner")->reason.find("production server"), std::string::npos);
}

TEST(Scorers, PartnersTogether) {
  auto e = three_servers({service("api", gib(1)), service("cache", gib(1), 1, Category::app)});
  e.services[0].depends_on = {"cache"};
  PlacementContext ctx(e, 0.1);
  auto s = make_partners_together_scorer();
  ServerLoad with_cache;
  with_cache.add(e.services[1], *ctx.service_id("cache"));
  EXPECT_EQ(s->score(e.services[0], e.servers[0], with_cache, ctx), 1.0);
  EXPECT_EQ(s->score(e.services[0], e.servers[0], {}, ctx), 0.0);
  auto apart = placed(e, {{"api", 0, "big"}, {"cache", 0, "strong"}});
  ASSERT_TRUE(outcome(apart, "partners-together", "api"));
  EXPECT_FALSE(outcome(apart, "partners-together", "api")->met);
  EXPECT_NE(outcome(apart, "partners-together", "api")->reason.find("across servers"), std::string::npos);
}

TEST(Scorers, ReplicasSpread) {
  auto e = three_servers({service("web", gib(1), 2, Category::app)});
  auto plan = make_plan(e);
  auto where = plan.servers_of("web");
  ASSERT_EQ(where.size(), 2u);
  EXPECT_NE(where[0], where[1]);
  auto together = placed(e, {{"web", 0, "strong"}, {"web", 1, "strong"}});
  EXPECT_FALSE(outcome(together, "replicas-spread", "web")->met);
}

TEST(Scorers, WeakServersGetStagingOnly) {
  auto staging = service("staging-web", gib(1));
  staging.tier = model::Tier::staging;
  auto e = three_servers({service("web", gib(1)), staging});
  auto plan = make_plan(e);
  EXPECT_EQ(plan.servers_of("staging-web"), std::vector<std::string>{"weak"});
  EXPECT_NE(plan.servers_of("web")[0], "weak");
  auto bad = placed(e, {{"web", 0, "weak"}, {"staging-web", 0, "weak"}});
  EXPECT_FALSE(outcome(bad, "weak-servers-staging-only", "web")->met);
  EXPECT_TRUE(outcome(bad, "weak-servers-staging-only", "staging-web")->met);
}

TEST(Scorers, BalanceAndPack) {
  auto e = estate("test", {server("a", gib(16)), server("b", gib(16))}, {service("x", gib(4))});
  PlacementContext ctx(e, 0.0);
  ServerLoad half;
  half.memory = 8 * model::GiB;
  auto balance = make_balance_scorer(Strategy::balance);
  auto pack = make_balance_scorer(Strategy::pack);
  EXPECT_GT(balance->score(e.services[0], e.servers[0], {}, ctx),
            balance->score(e.services[0], e.servers[0], half, ctx));
  EXPECT_LT(pack->score(e.services[0], e.servers[0], {}, ctx),
            pack->score(e.services[0], e.servers[0], half, ctx));
}

// A person's plan may list a service's replicas apart: each (service, server) is still judged once, and
// the servers named are sorted and distinct.
TEST(Scorers, VerdictsCountEachServiceAndServerOnce) {
  auto api = service("api", gib(1), 3, Category::app);
  api.depends_on = {"pg"};
  auto e = three_servers({api, service("pg", gib(2), 1, Category::database)});
  auto p = placed(e, {{"api", 0, "weak"}, {"pg", 0, "big"}, {"api", 1, "weak"}, {"api", 2, "strong"}});
  int on_weak = 0;
  for (const auto& o : p.soft_rules) on_weak += o.rule == "weak-servers-staging-only" && o.service == "api";
  EXPECT_EQ(on_weak, 1);
  ASSERT_TRUE(outcome(p, "replicas-spread", "api"));
  EXPECT_FALSE(outcome(p, "replicas-spread", "api")->met);
  EXPECT_NE(outcome(p, "replicas-spread", "api")->reason.find("on only 2 server(s) (strong, weak)"),
            std::string::npos);
  ASSERT_TRUE(outcome(p, "partners-together", "api"));
  EXPECT_EQ(outcome(p, "partners-together", "api")->server, "strong");
  EXPECT_NE(outcome(p, "partners-together", "api")->reason.find("api (strong,weak) calls pg (big)"),
            std::string::npos);
}

TEST(Scorers, ScoreIsTheWeightedShareMet) {
  auto e = three_servers({service("pg", gib(2), 1, Category::database)});
  auto good = placed(e, {{"pg", 0, "big"}});
  auto bad = placed(e, {{"pg", 0, "weak"}});
  EXPECT_EQ(good.score, 100.0);
  EXPECT_LT(bad.score, good.score);
}

}  // namespace
}  // namespace rehome::plan
