#include <gtest/gtest.h>

#include "resilience/recovery_model.hpp"
#include "small_estate.hpp"

namespace rehome::resilience {

TEST(RecoveryModel, SumsTheSteps) {
  RecoveryModel m;  // detection 10 s, scheduling 1 s, restart delay 5 s, pull 20 s, start 2 s
  auto svc = test::service("web", model::GiB);
  auto present = estimate_recovery(svc, m, {.manager_lost = false, .image_present = true});
  EXPECT_EQ(present.expected, 18000);
  EXPECT_EQ(present.worst, 18000);
  auto pull = estimate_recovery(svc, m, {.manager_lost = true, .image_present = false});
  EXPECT_EQ(pull.expected, 18000 + 20000 + 10000);
}

TEST(RecoveryModel, HealthCheckAfterStartPeriod) {
  RecoveryModel m;
  auto svc = test::service("api", model::GiB);
  svc.healthcheck = model::HealthCheck{.interval = 30000, .start_period = 40000, .retries = 3};
  auto e = estimate_recovery(svc, m, {.image_present = true});
  // First check that counts: 60 s (the first interval boundary after the 40 s start period).
  EXPECT_EQ(e.expected, 18000 + 60000);
  EXPECT_EQ(e.worst, 18000 + 60000 + 2 * 30000);
}

TEST(RecoveryModel, DispatcherHeartbeatTimesGrace) {
  EXPECT_EQ(detection_from_dispatcher_heartbeat(5000), 15000);
  EXPECT_EQ(detection_from_dispatcher_heartbeat(2000), 6000);
}

}  // namespace rehome::resilience
