// The seeds' estate with the planner's plan: where seed 003 is right, rehome agrees.
#include <gtest/gtest.h>

#include "model/estate_yaml.hpp"
#include "plan/solver.hpp"
#include "resilience/failover.hpp"

namespace rehome::resilience {
namespace {

const ServiceOutcome* outcome(const FailureResult& r, const std::string& name) {
  for (const auto& s : r.services)
    if (s.service == name) return &s;
  return nullptr;
}

struct Seeds {
  model::Estate estate = model::default_estate();
  plan::Plan plan = plan::make_plan(estate);
};

}  // namespace

TEST(Seeds, AgreesWithSeed003WhereItIsRight) {
  Seeds s;
  Cluster c(s.estate, s.plan);
  RecoveryModel m;

  // Losing the worker hpr: quorum kept, its stateless replicas reschedule automatically.
  auto hpr = analyse_failure(c, {.lost = {"hpr"}}, m);
  EXPECT_TRUE(hpr.quorum.has_quorum);
  EXPECT_FALSE(hpr.manager_lost);
  EXPECT_GT(hpr.rescheduled, 0);

  // One of three managers: quorum kept (2 of 3), services reschedule.
  auto gmktec = analyse_failure(c, {.lost = {"gmktec"}}, m);
  EXPECT_TRUE(gmktec.quorum.has_quorum);
  EXPECT_TRUE(gmktec.manager_lost);
  EXPECT_GT(gmktec.rescheduled, 0);

  // Two managers: quorum lost, nothing rescheduled.
  auto two = analyse_failure(c, {.lost = {"gmktec", "hppavilion"}}, m);
  EXPECT_FALSE(two.quorum.has_quorum);
  EXPECT_EQ(two.rescheduled, 0);

  // hppavilion's databases on local disk: stranded.
  auto hp = analyse_failure(c, {.lost = {"hppavilion"}}, m);
  const auto* db = outcome(hp, "gibd-postgres");
  ASSERT_NE(db, nullptr) << "the plan did not put gibd-postgres on hppavilion";
  EXPECT_EQ(db->state, ServiceState::down);
  EXPECT_EQ(db->replicas[0].reason, StrandReason::local_state);
}

TEST(Seeds, DepthTwoAndJson) {
  Seeds s;
  Cluster c(s.estate, s.plan);
  auto a = analyse_failover(c, failure_scenarios(s.estate, 2), all_partitions(s.estate), RecoveryModel{});
  EXPECT_EQ(a.failures.size(), 10u);
  EXPECT_EQ(a.partitions.size(), 7u);
  auto j = to_json(a);
  EXPECT_EQ(j["summary"].size(), 17u);
  EXPECT_EQ(j["tolerated_manager_failures"], 1);
  // Secrets never appear: the estate names secrets, the analysis prints none of their names as values.
  EXPECT_EQ(j.dump().find("password="), std::string::npos);
}

}  // namespace rehome::resilience
