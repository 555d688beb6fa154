// validation.json: to_json, then suite_from_json, gives the same JSON back (the scores follow from the
// probes).
#include <gtest/gtest.h>

#include "common/error.hpp"
#include "validate/result.hpp"

namespace rehome::validate {
namespace {

TEST(ValidationEvidence, RoundTrips) {
  Suite s;
  s.results.push_back({Area::databases, "shop query", Outcome::passed, "1 row", 3.5});
  s.results.push_back({Area::monitoring, "prometheus targets", Outcome::partial, "4/5 up", std::nullopt});
  s.results.push_back({Area::security, "ufw", Outcome::skipped, "no ssh", std::nullopt});
  s.results.push_back({Area::services, "api health", Outcome::failed, "HTTP 502", 40.0});
  auto j = to_json(s);
  EXPECT_EQ(j["kind"], "rehome.validation");
  EXPECT_EQ(j["format"], 1);
  auto back = suite_from_json(j);
  EXPECT_EQ(to_json(back), j);
  EXPECT_EQ(back.status(), Status::failed);
}

TEST(ValidationEvidence, AnUnknownOutcomeIsRefused) {
  Suite s;
  s.results.push_back({Area::network, "dns", Outcome::passed, "ok", std::nullopt});
  auto j = to_json(s);
  j["probes"][0]["outcome"] = "Maybe";
  EXPECT_THROW(suite_from_json(j), UserError);
}

}  // namespace
}  // namespace rehome::validate
