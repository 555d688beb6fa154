// phases.json: phase_evidence of a run state, to_json, then phases_from_json, gives the same JSON back.
#include <gtest/gtest.h>

#include "runbook/state.hpp"

namespace rehome::runbook {
namespace {

TEST(PhasesEvidence, RoundTrips) {
  PhasesEvidence e{
      "shop",
      {{0,
        "Prechecks",
        "done",
        "2026-12-07T03:00:00Z",
        "2026-12-07T03:00:02Z",
        2000,
        {{"0.ssh", "ssh reaches every server", "done", 1500, 1, "ok"}}},
       {3,
        "Databases",
        "failed",
        "2026-12-07T03:01:00Z",
        "",
        900,
        {{"3.migrate.shop-postgres.shop", "migrate shop-postgres.shop", "failed", 900, 2, "mismatch"}}}}};
  auto j = to_json(e);
  EXPECT_EQ(j["kind"], "rehome.phases");
  EXPECT_EQ(j["format"], 1);
  EXPECT_EQ(to_json(phases_from_json(j)), j);
}

}  // namespace
}  // namespace rehome::runbook
