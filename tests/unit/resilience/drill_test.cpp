// The drill's pure half: Swarm's placement onto the estate, each row judged against its prediction,
// and the evidence file (kind rehome.drill, format 1) read back as it was written.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "resilience/drill.hpp"

namespace rehome::resilience {
namespace {

using nlohmann::json;

DrillRow row(model::Millis predicted, model::Millis measured) {
  DrillRow r;
  r.service = "web";
  r.from = "node3";
  r.predicted = predicted >= 0 ? "node1 ~10 s" : "stays down: state on local volume db-data on node3";
  r.predicted_ms = predicted;
  r.measured_ms = measured;
  r.measured_on = measured >= 0 ? "node1" : "";
  return r;
}

TEST(DrillJudge, WithinTwiceEitherWayIsAsPredicted) {
  for (auto [predicted, measured] : {std::pair{10000, 10000}, {10000, 19900}, {10000, 5100}}) {
    auto r = row(predicted, measured);
    judge(r, 90000);
    EXPECT_EQ(r.verdict, DrillVerdict::within) << measured;
    EXPECT_FALSE(is_miss(r.verdict));
  }
}

TEST(DrillJudge, MissesAreNamedWithWhy) {
  auto slow = row(10000, 25000);
  judge(slow, 90000);
  EXPECT_EQ(slow.verdict, DrillVerdict::slower);
  EXPECT_NE(slow.why.find("2.5x the predicted 10.0 s"), std::string::npos) << slow.why;
  EXPECT_NE(slow.why.find("node1"), std::string::npos);

  auto fast = row(10000, 4000);
  judge(fast, 90000);
  EXPECT_EQ(fast.verdict, DrillVerdict::faster);
  EXPECT_NE(fast.why.find("pessimistic"), std::string::npos);

  auto lost = row(10000, -1);
  lost.measured_error = "Pending 1 minute ago: no suitable node (scheduling constraints not satisfied)";
  judge(lost, 90000);
  EXPECT_EQ(lost.verdict, DrillVerdict::not_back);
  EXPECT_NE(lost.why.find("no suitable node"), std::string::npos) << lost.why;
  EXPECT_NE(lost.why.find("not back after 90.0 s"), std::string::npos) << lost.why;

  auto surprise = row(-1, 8000);
  judge(surprise, 90000);
  EXPECT_EQ(surprise.verdict, DrillVerdict::back_unexpectedly);
  EXPECT_NE(surprise.why.find("EMPTY"), std::string::npos);
  for (const auto* r : {&slow, &fast, &lost, &surprise}) EXPECT_TRUE(is_miss(r->verdict));
}

TEST(DrillJudge, AStrandedServiceThatStaysDownIsAsPredicted) {
  auto db = row(-1, -1);
  judge(db, 90000);
  EXPECT_EQ(db.verdict, DrillVerdict::stayed_down);
  EXPECT_FALSE(is_miss(db.verdict));
  EXPECT_NE(db.why.find("local volume db-data"), std::string::npos);
}

TEST(DrillPlacement, SwarmConstraintsBecomeTheEstatesPins) {
  model::Service svc;
  svc.name = "db";
  apply_swarm_placement(svc, json::parse(R"({"Constraints": ["node.hostname == node3",
      "node.labels.rehome.web == true", "node.role != manager"], "MaxReplicas": 1})"));
  EXPECT_EQ(svc.placement.pin, std::vector<std::string>{"node3"});
  EXPECT_EQ(svc.placement.labels.at("rehome.web"), "true");
  EXPECT_EQ(svc.placement.labels.size(), 1u);
  EXPECT_EQ(svc.placement.max_replicas_per_node, 1);
  model::Service untouched;
  apply_swarm_placement(untouched, json(nullptr));
  EXPECT_TRUE(untouched.placement.pin.empty());
}

TEST(DrillPlacement, TasksOfAStackBecomeThePlan) {
  auto tasks = parse_tasks(
      "shop_web.1\tnode1\tRunning 3 seconds ago\nshop_web.2\tnode2\tRunning 3 seconds ago\n"
      "shop_db.1\tnode3\tRunning 9 seconds ago\nother_x.1\tnode0\tRunning now\n");
  auto plan = plan_from_tasks(tasks, "shop_");
  ASSERT_EQ(plan.assignments.size(), 3u);
  EXPECT_EQ(plan.servers_of("web"), (std::vector<std::string>{"node1", "node2"}));
  EXPECT_EQ(plan.servers_of("db"), std::vector<std::string>{"node3"});
}

DrillResult sample() {
  DrillResult r;
  r.scenario = "lose node3";
  r.failed = {"node3"};
  r.stack = "shop";
  r.quorum = {3, 3, 2, true};
  r.leader_ms = 2100;
  r.timeout = 90000;
  auto web = row(10000, 12000);
  auto db = row(-1, -1);
  db.service = "db";
  judge(web, r.timeout);
  judge(db, r.timeout);
  r.rows = {web, db};
  r.all_back_ms = -1;
  return r;
}

TEST(DrillJson, RoundTripsTheEvidence) {
  DrillResult r = sample();
  json j = to_json(r);
  EXPECT_EQ(j["kind"], "rehome.drill");
  EXPECT_EQ(j["format"], 1);
  EXPECT_EQ(j["misses"], 0);
  DrillResult back = drill_from_json(j, "drill-node3.json");
  EXPECT_EQ(back.scenario, r.scenario);
  EXPECT_EQ(back.failed, r.failed);
  EXPECT_EQ(back.stack, "shop");
  EXPECT_EQ(back.quorum.managers, 3);
  EXPECT_TRUE(back.quorum.has_quorum);
  EXPECT_EQ(back.leader_ms, 2100);
  ASSERT_EQ(back.rows.size(), 2u);
  EXPECT_EQ(back.rows[0].verdict, DrillVerdict::within);
  EXPECT_EQ(back.rows[1].verdict, DrillVerdict::stayed_down);
  EXPECT_EQ(back.rows[1].why, r.rows[1].why);
  EXPECT_EQ(to_json(back), j);
}

TEST(DrillJson, AQuorumPredictionThatFailsIsAMiss) {
  DrillResult r = sample();
  r.quorum = {3, 1, 2, false};
  r.quorum_refused = false;  // the cluster still scheduled
  EXPECT_EQ(r.misses(), 1);
  r.quorum_refused = true;
  EXPECT_EQ(r.misses(), 0);
}

TEST(DrillJson, OtherKindsAndNewerFormatsAreRefusedByName) {
  json j = to_json(sample());
  j["kind"] = "rehome.validation";
  EXPECT_THROW(drill_from_json(j, "x.json"), UserError);
  j = to_json(sample());
  j["format"] = 2;
  try {
    drill_from_json(j, "drill-node3.json");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("drill-node3.json"), std::string::npos);
  }
  j = to_json(sample());
  j["services"][0]["verdict"] = "maybe";
  EXPECT_THROW(drill_from_json(j, "x.json"), UserError);
}

}  // namespace
}  // namespace rehome::resilience
