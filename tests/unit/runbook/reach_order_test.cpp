// Issue 20 item 5: monitoring first among the services, and the runner reaching the new databases.
#include <algorithm>

#include <gtest/gtest.h>

#include "fixtures.hpp"
#include "model/estate_yaml.hpp"
#include "plan/solver.hpp"
#include "runbook/order.hpp"
#include "runbook/reach.hpp"
#include "runbook/runbook.hpp"
#include "support/paths.hpp"

namespace rehome::runbook {
namespace {

size_t index_of(const Runbook& rb, const std::string& id) {
  auto all = rb.steps();
  for (size_t i = 0; i < all.size(); ++i)
    if (all[i]->id == id) return i;
  ADD_FAILURE() << "no step " << id;
  return 0;
}

TEST(MonitoringFirst, AStackMixingMonitoringWithAppsDeploysInPhase4WithTheAppsHeld) {
  auto e = test::small_estate();
  for (auto& s : e.services)
    if (s.name == "prometheus") s.stack = "production";  // beside the apps, as in the seeds' estate
  RunbookOptions o;
  o.old_server = "old";
  auto rb = make_runbook(e, test::small_plan(), o);
  ASSERT_EQ(rb.phases[4].steps.size(), 1u);
  const auto& deploy = rb.phases[4].steps.front();
  EXPECT_EQ(deploy.id, "4.deploy.production");
  EXPECT_NE(deploy.command.find("holds/production.yml"), std::string::npos);
  EXPECT_NE(deploy.what.find("shop-api"), std::string::npos);  // held at 0 until phase 5
  EXPECT_EQ(held_in_phase(e, "production", 4), (std::vector<std::string>{"shop-api", "ws-discovery"}));
  // Phase 5 starts them; its rollback goes back to the held deploy, not `stack rm`.
  const Step* later = rb.find_step("5.deploy.production");
  ASSERT_NE(later, nullptr);
  EXPECT_EQ(later->rollback.find("docker stack rm"), std::string::npos);
  EXPECT_LT(index_of(rb, "4.deploy.production"), index_of(rb, "5.deploy.production"));
}

TEST(MonitoringFirst, TheSeedsEstateHasMonitoringInPhase4BeforeTheServices) {
  auto e = model::load_estate(rehome::test::example("wizardsofts/estate.yaml"));
  auto rb = make_runbook(e, plan::make_plan(e), {});
  ASSERT_FALSE(rb.phases[4].steps.empty());
  EXPECT_EQ(rb.phases[4].steps.front().id, "4.deploy.monitoring");
}

TEST(Reach, EveryNewDatabaseIsGuardedThenPublishedBeforeTheCopyAndClosedAfter) {
  RunbookOptions o;
  o.old_server = "old";
  o.runner_address = "10.0.0.9";
  auto rb = make_runbook(test::small_estate(), test::small_plan(), o);
  const Step* guard = rb.find_step("3.reach-guard.shop-postgres");
  const Step* publish = rb.find_step("3.reach.shop-postgres");
  ASSERT_NE(guard, nullptr);
  ASSERT_NE(publish, nullptr);
  EXPECT_EQ(guard->host, "db");
  EXPECT_NE(
      guard->command.find("DOCKER-USER -p tcp -m conntrack --ctorigdstport 15432 ! -s 10.0.0.9 -j DROP"),
      std::string::npos);
  EXPECT_NE(
      publish->command.find("--publish-add mode=host,published=15432,target=5432 databases_shop-postgres"),
      std::string::npos);
  EXPECT_LT(index_of(rb, guard->id), index_of(rb, publish->id));
  EXPECT_LT(index_of(rb, publish->id), index_of(rb, "3.migrate.shop-postgres.shop"));
  EXPECT_LT(index_of(rb, "3.migrate.shop-postgres.audit"), index_of(rb, "3.unreach.shop-postgres"));
  EXPECT_LT(index_of(rb, "3.unreach.shop-postgres"), index_of(rb, "3.unreach-guard.shop-postgres"));
  // The copy's target URL is the runner port on the database's node.
  const Step* migrate = rb.find_step("3.migrate.shop-postgres.shop");
  EXPECT_NE(migrate->command.find("10.0.0.80}:${SHOP_POSTGRES_NEW_PORT:-15432}"), std::string::npos);
  const Step* redis = rb.find_step("3.reach.shop-redis");
  ASSERT_NE(redis, nullptr);
  EXPECT_NE(redis->command.find("published=16379,target=6379"), std::string::npos);
}

TEST(Reach, RunnerDefaultsToTheOldServer) {
  RunbookOptions o;
  o.old_server = "old";
  auto rb = make_runbook(test::small_estate(), test::small_plan(), o);
  EXPECT_NE(rb.find_step("3.reach-guard.shop-redis")->command.find("! -s 10.0.0.84 "), std::string::npos);
}

}  // namespace
}  // namespace rehome::runbook
