#include <algorithm>

#include <gtest/gtest.h>

#include "resilience/analysis.hpp"
#include "resilience/failover.hpp"
#include "resilience/survivors.hpp"
#include "small_estate.hpp"

namespace rehome::resilience {
namespace {

using model::GiB;

const ServiceOutcome* outcome(const FailureResult& r, const std::string& name) {
  for (const auto& s : r.services)
    if (s.service == name) return &s;
  return nullptr;
}

struct Fixture {
  model::Estate estate = test::four_servers();
  plan::Plan plan;
  Fixture() {
    auto db = test::service("db", 3 * GiB);
    db.stateful = true;
    db.volumes.push_back({.name = "db-data", .target = "/var/lib/postgresql/data"});
    db.placement.pin = {"hppavilion"};
    db.data = model::DataSpec{.engine = "postgres"};
    estate.services = {test::service("web", GiB, 2), db, test::service("staging", 2 * GiB),
                       test::service("big", 26 * GiB), test::service("mid", 4 * GiB)};
    test::place(plan, "web", {"gmktec", "hpr"});
    test::place(plan, "db", {"hppavilion"});
    test::place(plan, "staging", {"hpr"});
    test::place(plan, "big", {"gmktec"});
    test::place(plan, "mid", {"hppavilion"});
  }
};

}  // namespace

TEST(Failure, WorkerLossReschedulesItsReplicas) {
  Fixture f;
  Cluster c(f.estate, f.plan);
  auto r = analyse_failure(c, {.lost = {"hpr"}}, RecoveryModel{});
  EXPECT_TRUE(r.quorum.has_quorum);
  EXPECT_FALSE(r.manager_lost);
  EXPECT_TRUE(r.automatic());
  EXPECT_EQ(r.rescheduled, 2);
  const auto* staging = outcome(r, "staging");
  ASSERT_TRUE(staging);
  EXPECT_EQ(staging->state, ServiceState::recovered);
  EXPECT_GT(staging->downtime, 0);  // its only replica was lost
  ASSERT_EQ(staging->replicas.size(), 1u);
  EXPECT_EQ(staging->replicas[0].fate, ReplicaFate::rescheduled);
  // web keeps its gmktec replica: no downtime, and Swarm spreads the new one to a server without web.
  const auto* web = outcome(r, "web");
  ASSERT_TRUE(web);
  EXPECT_EQ(web->downtime, 0);
  EXPECT_NE(web->replicas[0].to, "gmktec");
  EXPECT_EQ(outcome(r, "db"), nullptr);  // unaffected services are not listed
}

TEST(Failure, LocalStateIsStrandedAndNamed) {
  Fixture f;
  Cluster c(f.estate, f.plan);
  auto r = analyse_failure(c, {.lost = {"hppavilion"}}, RecoveryModel{});
  EXPECT_TRUE(r.quorum.has_quorum);
  EXPECT_TRUE(r.manager_lost);
  const auto* db = outcome(r, "db");
  ASSERT_TRUE(db);
  EXPECT_EQ(db->state, ServiceState::down);
  EXPECT_EQ(db->replicas[0].reason, StrandReason::local_state);
  EXPECT_NE(db->replicas[0].why.find("db-data"), std::string::npos);
  EXPECT_FALSE(r.automatic());
}

// The plan's placement policy (plan::decide_placements), the one the generated stacks enforce: a
// database on a local volume is pinned to its node without any pin in the estate, and named stranded;
// a stateless single replica is not pinned and moves to a named survivor in a predicted time.
TEST(Failure, PlacementPolicyPinsLocalStateAndMovesStatelessOnes) {
  Fixture f;
  f.estate.services[1].placement.pin.clear();  // no explicit pin: the policy pins it for its volume
  Cluster c(f.estate, f.plan);
  ASSERT_NE(c.decision(c.service_id("db")), nullptr);
  EXPECT_EQ(c.decision(c.service_id("db"))->pin, plan::PinReason::local_state);
  EXPECT_FALSE(c.decision(c.service_id("mid"))->pinned());
  auto r = analyse_failure(c, {.lost = {"hppavilion"}}, RecoveryModel{});
  const auto* db = outcome(r, "db");
  ASSERT_TRUE(db);
  EXPECT_EQ(db->state, ServiceState::down);
  EXPECT_EQ(db->replicas[0].reason, StrandReason::local_state);
  EXPECT_NE(db->replicas[0].why.find("state on local volume db-data on hppavilion"), std::string::npos)
      << db->replicas[0].why;
  EXPECT_NE(db->replicas[0].why.find("where the plan pins it"), std::string::npos) << db->replicas[0].why;
  const auto* mid = outcome(r, "mid");  // stateless, alone on hppavilion
  ASSERT_TRUE(mid);
  EXPECT_EQ(mid->state, ServiceState::recovered);
  ASSERT_EQ(mid->replicas.size(), 1u);
  EXPECT_EQ(mid->replicas[0].fate, ReplicaFate::rescheduled);
  EXPECT_FALSE(mid->replicas[0].to.empty());
  EXPECT_NE(mid->replicas[0].to, "hppavilion");
  EXPECT_GT(mid->replicas[0].eta.expected, 0);
  EXPECT_EQ(mid->downtime, mid->replicas[0].eta.expected);
}

// Stateless, confined by node labels: the policy's allowed servers are the labelled ones, and a replica
// whose labelled servers are all lost is stranded by that constraint, not moved to an unlabelled one.
TEST(Failure, StatelessServiceMovesOnlyAmongTheServersThePolicyAllows) {
  Fixture f;
  f.estate.servers[1].labels["gpu"] = "yes";  // hppavilion
  f.estate.servers[3].labels["gpu"] = "yes";  // hpr
  auto& mid = f.estate.services[4];
  mid.placement.labels["gpu"] = "yes";
  mid.resources.memory_reservation = GiB;
  Cluster c(f.estate, f.plan);
  EXPECT_FALSE(c.allowed(c.service_id("mid"), c.server_id("wsasus")));
  auto r = analyse_failure(c, {.lost = {"hppavilion"}}, RecoveryModel{});
  const auto* out = outcome(r, "mid");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->replicas[0].to, "hpr");  // the only other labelled server, though emptier ones exist
  auto both = analyse_failure(c, {.lost = {"hppavilion", "hpr"}}, RecoveryModel{});
  ASSERT_TRUE(both.quorum.has_quorum);
  out = outcome(both, "mid");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->replicas[0].fate, ReplicaFate::stranded);
  EXPECT_EQ(out->replicas[0].reason, StrandReason::constraint) << out->replicas[0].why;
}

// The policy's per-node cap: two replicas planned on two servers may not double up on one survivor.
TEST(Failure, PlansPerNodeCapHoldsForStatelessReplicas) {
  Fixture f;
  Cluster c(f.estate, f.plan);
  const int web = c.service_id("web");
  EXPECT_EQ(c.max_per_node(web), 1);  // the plan puts one on gmktec, one on hpr: the stack caps at 1
  Survivors sv(c, {c.server_id("hpr")});
  std::string why;
  EXPECT_EQ(sv.check(web, c.server_id("gmktec"), &why), Obstacle::max_per_node);
  EXPECT_NE(why.find("1 per node"), std::string::npos) << why;
  EXPECT_EQ(sv.check(web, c.server_id("wsasus")), Obstacle::none);
}

TEST(Failure, TwoManagersLoseQuorumAndNothingMoves) {
  Fixture f;
  Cluster c(f.estate, f.plan);
  auto r = analyse_failure(c, {.lost = {"gmktec", "hppavilion"}}, RecoveryModel{});
  EXPECT_FALSE(r.quorum.has_quorum);
  EXPECT_EQ(r.rescheduled, 0);
  for (const auto& s : r.services)
    for (const auto& ro : s.replicas) EXPECT_EQ(ro.reason, StrandReason::no_quorum);
  EXPECT_EQ(outcome(r, "big")->state, ServiceState::down);
  EXPECT_EQ(outcome(r, "web")->state, ServiceState::degraded);  // its hpr replica keeps running
}

TEST(Failure, NoRoomNamesTheClosestServerAndShortfall) {
  Fixture f;
  Cluster c(f.estate, f.plan);
  auto r = analyse_failure(c, {.lost = {"gmktec"}}, RecoveryModel{});
  const auto* big = outcome(r, "big");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->state, ServiceState::down);
  const auto& ro = big->replicas[0];
  EXPECT_EQ(ro.reason, StrandReason::no_room);
  // hppavilion has 31 G - 3 G (db) - 4 G (mid) = 24 G free: 2 G short of big's 26 G.
  EXPECT_EQ(ro.best_candidate, "hppavilion");
  EXPECT_EQ(ro.memory_short, 2 * GiB);
  auto hp = std::find_if(r.survivors.begin(), r.survivors.end(),
                         [](const auto& p) { return p.server == "hppavilion"; });
  ASSERT_NE(hp, r.survivors.end());
  EXPECT_EQ(hp->memory_short, 2 * GiB);
  EXPECT_GT(r.memory_to_move, 0);
}

TEST(Failure, HeadroomShrinksTheRoomRescheduleMayUse) {
  Fixture f;
  Cluster tight(f.estate, f.plan, 0.5);
  auto r = analyse_failure(tight, {.lost = {"hpr"}}, RecoveryModel{});
  // staging (2 G) still fits on wsasus at 50 % headroom (5.5 G), so this is about the capacity only.
  for (const auto& p : r.survivors)
    if (p.server == "wsasus") {
      EXPECT_EQ(p.memory_capacity, static_cast<model::Bytes>(11 * GiB * 0.5));
    }
}

TEST(Failure, PinnedServiceWithoutStateIsStrandedByItsPin) {
  Fixture f;
  f.estate.services[2].placement.pin = {"hpr"};  // staging pinned to the weak worker
  Cluster c(f.estate, f.plan);
  auto r = analyse_failure(c, {.lost = {"hpr"}}, RecoveryModel{});
  const auto* staging = outcome(r, "staging");
  ASSERT_TRUE(staging);
  EXPECT_EQ(staging->replicas[0].reason, StrandReason::pinned);
  EXPECT_NE(staging->replicas[0].why.find("hpr"), std::string::npos);
}

TEST(Failure, SpreadRuleCanStrandAReplica) {
  Fixture f;
  f.estate.services[0].replicas = 4;
  f.estate.services[0].placement.max_replicas_per_node = 1;
  f.plan.assignments.push_back({"web", 2, "hppavilion"});
  f.plan.assignments.push_back({"web", 3, "wsasus"});
  Cluster c(f.estate, f.plan);
  auto r = analyse_failure(c, {.lost = {"hpr"}}, RecoveryModel{});
  const auto* web = outcome(r, "web");
  ASSERT_TRUE(web);
  EXPECT_EQ(web->state, ServiceState::degraded);
  EXPECT_EQ(web->replicas[0].reason, StrandReason::spread);
}

TEST(Failure, IncrementalFromThePlansLoads) {
  Fixture f;
  Cluster c(f.estate, f.plan);
  auto r = analyse_failure(c, {.lost = {"hpr"}}, RecoveryModel{});
  for (const auto& p : r.survivors) {
    EXPECT_EQ(p.memory_before, c.memory_used(c.server_id(p.server)));
    EXPECT_GE(p.memory_after, p.memory_before);
  }
  int moved = 0;
  for (const auto& p : r.survivors) moved += p.rescheduled_here;
  EXPECT_EQ(moved, r.rescheduled);
}

TEST(Partition, MajoritySideKeepsQuorumAndTheOtherFreezes) {
  Fixture f;
  f.estate.servers[0].hints.edge = true;  // gmktec takes public traffic
  Cluster c(f.estate, f.plan);
  auto p = analyse_partition(c, parse_partition(f.estate, "gmktec,hppavilion|wsasus,hpr"), RecoveryModel{});
  EXPECT_EQ(p.quorum_side, 0);
  EXPECT_TRUE(p.side_a.has_quorum);
  EXPECT_FALSE(p.side_b.has_quorum);
  EXPECT_EQ(p.edge_side, 0);
  ASSERT_TRUE(p.quorum_view.has_value());
  EXPECT_NE(std::find(p.frozen.begin(), p.frozen.end(), "staging"), p.frozen.end());
  // staging is rescheduled onto the quorum side, so the edge still reaches it.
  EXPECT_EQ(std::find(p.unreachable_from_edge.begin(), p.unreachable_from_edge.end(), "staging"),
            p.unreachable_from_edge.end());
}

TEST(Partition, EdgeOnTheMinoritySideReachesOnlyWhatRunsThere) {
  Fixture f;
  f.estate.servers[3].hints.edge = true;  // the edge is hpr, on the side without quorum
  Cluster c(f.estate, f.plan);
  auto p = analyse_partition(c, parse_partition(f.estate, "hpr"), RecoveryModel{});
  EXPECT_EQ(p.quorum_side, 1);
  EXPECT_EQ(p.edge_side, 0);
  EXPECT_NE(std::find(p.unreachable_from_edge.begin(), p.unreachable_from_edge.end(), "db"),
            p.unreachable_from_edge.end());
  EXPECT_FALSE(p.nothing_down());
}

TEST(Partition, NoSideWithQuorum) {
  auto e = test::four_servers();
  e.servers[3].role = model::SwarmRole::manager;  // 4 managers: a 2/2 split has no majority
  e.services = {test::service("web", GiB)};
  plan::Plan plan;
  test::place(plan, "web", {"gmktec"});
  Cluster c(e, plan);
  auto p = analyse_partition(c, parse_partition(e, "gmktec,hppavilion|wsasus,hpr"), RecoveryModel{});
  EXPECT_EQ(p.quorum_side, -1);
  EXPECT_FALSE(p.quorum_view.has_value());
}

TEST(Report, SummaryScoreAndRecommendations) {
  Fixture f;
  Cluster c(f.estate, f.plan);
  auto a = analyse_failover(c, failure_scenarios(f.estate, 2), {}, RecoveryModel{});
  EXPECT_EQ(a.failures.size(), 10u);
  EXPECT_GT(a.score, 0.0);
  EXPECT_LT(a.score, 1.0);
  auto rows = summary_rows(a);
  ASSERT_EQ(rows.size(), 10u);
  EXPECT_NE(rows[3].scenario.find("hpr down (worker)"), std::string::npos);
  EXPECT_NE(rows[3].automatic.find("Yes"), std::string::npos);
  EXPECT_NE(rows[4].automatic.find("No"), std::string::npos);  // gmktec + hppavilion: 2 of 3 managers
  bool replica_advice = false, manager_advice = false;
  for (const auto& r : a.recommendations) {
    if (r.subject == "db" && r.text.find("streaming replica on") != std::string::npos) replica_advice = true;
    if (r.topic == "managers") manager_advice = true;
  }
  EXPECT_TRUE(replica_advice);
  EXPECT_TRUE(manager_advice);
  auto j = to_json(a);
  EXPECT_EQ(j["failures"].size(), 10u);
  EXPECT_EQ(j["summary"].size(), 10u);
  EXPECT_FALSE(render_summary(a).empty());
  EXPECT_FALSE(render_details(a).empty());
}

TEST(Report, ManagersOnWeakServersAndEvenCounts) {
  auto e = test::four_servers();
  e.servers[3].role = model::SwarmRole::manager;  // 4 managers, one of them the weak hpr
  plan::Plan plan;
  Cluster c(e, plan);
  auto recs = recommend_managers(c);
  bool even = false, weak = false;
  for (const auto& r : recs) {
    even = even || r.text.find("4 managers tolerate 1") != std::string::npos;
    weak = weak || (r.subject == "hpr" && r.text.find("weak") != std::string::npos);
  }
  EXPECT_TRUE(even);
  EXPECT_TRUE(weak);
}

}  // namespace rehome::resilience
