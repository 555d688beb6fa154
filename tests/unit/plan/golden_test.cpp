// The seeds' estate (examples/wizardsofts/estate.yaml) against the roles of seed 002.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>

#include "model/estate_yaml.hpp"
#include "plan/placement_state.hpp"
#include "plan/render.hpp"
#include "plan/solver.hpp"
#include "support/paths.hpp"

namespace rehome::plan {
namespace {

class Golden : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    estate_ = new model::Estate(model::load_estate(rehome::test::example("wizardsofts/estate.yaml")));
    plan_ = new Plan(make_plan(*estate_));
  }
  static void TearDownTestSuite() {
    delete plan_;
    delete estate_;
  }
  static model::Estate* estate_;
  static Plan* plan_;

  static bool on(const std::string& service, const std::string& server) {
    auto where = plan_->servers_of(service);
    return !where.empty() &&
           std::all_of(where.begin(), where.end(), [&](const auto& s) { return s == server; });
  }
};
model::Estate* Golden::estate_ = nullptr;
Plan* Golden::plan_ = nullptr;

TEST_F(Golden, EveryReplicaIsPlacedWithinCapacity) {
  std::cout << render_plan(*plan_, *estate_);
  for (const auto& svc : estate_->services) {
    const size_t expected = svc.global ? estate_->servers.size() : static_cast<size_t>(svc.replicas);
    EXPECT_EQ(plan_->servers_of(svc.name).size(), expected) << svc.name;
  }
  PlacementState state(*estate_, plan_->headroom, *plan_);
  for (size_t i = 0; i < estate_->servers.size(); ++i) {
    EXPECT_GE(state.free_memory(i), 0) << estate_->servers[i].name;
    EXPECT_GE(state.free_cpu(i), 0) << estate_->servers[i].name;
  }
}

TEST_F(Golden, RolesOfSeed002) {
  // Databases and GitLab on hppavilion (most memory), production on gmktec (strongest CPU, the edge),
  // monitoring on wsasus, staging on hpr (weak: dev/staging only).
  for (const auto& svc : estate_->services) {
    if (svc.global) continue;
    using C = model::Category;
    if (svc.tier != model::Tier::production) {
      EXPECT_TRUE(on(svc.name, "hpr")) << svc.name << " (staging/dev) should be on hpr";
    } else if (svc.category == C::database && svc.stack == "databases" &&
               !(svc.data && svc.data->replica_of)) {
      EXPECT_TRUE(on(svc.name, "hppavilion")) << svc.name << " (database) should be on hppavilion";
    } else if (svc.category == C::monitoring || svc.category == C::logging) {
      EXPECT_TRUE(on(svc.name, "wsasus")) << svc.name << " (monitoring) should be on wsasus";
    } else if (svc.stack == "production" || svc.stack == "edge" || svc.stack == "frontend") {
      EXPECT_TRUE(on(svc.name, "gmktec")) << svc.name << " (production) should be on gmktec";
    }
  }
  EXPECT_TRUE(on("gitlab", "hppavilion"));
  for (const auto& a : plan_->assignments) {
    const auto* svc = estate_->find_service(a.service);
    if (a.server == "hpr" && !svc->global) {
      EXPECT_NE(svc->tier, model::Tier::production) << a.service;
    }
  }
}

TEST_F(Golden, IsDeterministic) {
  Plan again = make_plan(*estate_);
  ASSERT_EQ(again.assignments.size(), plan_->assignments.size());
  for (size_t i = 0; i < again.assignments.size(); ++i)
    EXPECT_EQ(again.assignments[i].server, plan_->assignments[i].server);
}

}  // namespace
}  // namespace rehome::plan
