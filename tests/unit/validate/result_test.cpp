#include <gtest/gtest.h>

#include "validate/result.hpp"
#include "validate/suite.hpp"

namespace rehome::validate {
namespace {

Suite seed_000_like() {
  Suite s;
  auto add = [&](Area a, Outcome o, int n) {
    for (int i = 0; i < n; ++i) s.results.push_back({a, "p", o, "r", std::nullopt});
  };
  add(Area::databases, Outcome::passed, 5);
  add(Area::services, Outcome::passed, 3);
  add(Area::services, Outcome::skipped, 1);
  add(Area::monitoring, Outcome::passed, 4);
  add(Area::monitoring, Outcome::partial, 1);
  add(Area::network, Outcome::passed, 3);
  add(Area::security, Outcome::passed, 2);
  add(Area::security, Outcome::skipped, 1);
  add(Area::resources, Outcome::passed, 3);
  return s;
}

TEST(Suite, OnlyTheAreasAskedForAreProbed) {
  model::Estate e;
  e.servers = {{.name = "box", .address = "10.0.0.9"}};
  Targets t;  // nothing to reach: the server is Skipped, and memory/disk are not measured
  auto s = run_suite(&e, t, {}, {}, {Area::network, Area::security});
  ASSERT_EQ(s.results.size(), 1u);
  EXPECT_EQ(s.results[0].area, Area::network);
  EXPECT_EQ(s.results[0].outcome, Outcome::skipped);
  EXPECT_EQ(parse_area("security"), Area::security);
  EXPECT_EQ(parse_area("firewall"), std::nullopt);
}

TEST(Scores, AsSeed000CountsThem) {
  auto s = seed_000_like();
  EXPECT_EQ(s.score(Area::services).percent(), 75);
  // 000's rows add up to 20 passed of 23 (its TOTAL row says 17/20): we count the rows.
  EXPECT_EQ(s.overall().passed, 20);
  EXPECT_EQ(s.overall().total(), 23);
  EXPECT_EQ(static_cast<int>(s.overall().percent()), 86);
  // 000 called this PASSED; with two probes skipped and one partial it is not proven: INCOMPLETE.
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.status(), Status::incomplete);
  auto table = render_table(s);
  EXPECT_NE(table.find("20/23"), std::string::npos);
  EXPECT_NE(table.find("87%"), std::string::npos);
  EXPECT_NE(table.find("67%"), std::string::npos);  // security 2/3, rounded like 000
  EXPECT_NE(table.find("Overall status: INCOMPLETE (2 of 23 probes skipped, 1 partial)"), std::string::npos)
      << table;
  EXPECT_EQ(table.find("PASSED"), std::string::npos);
  EXPECT_EQ(to_json(s)["status"], "INCOMPLETE");
}

TEST(Scores, OnlyEveryProbePassedIsPassed) {
  Suite s;
  s.results.push_back({Area::network, "hpr reachable", Outcome::passed, "answers", std::nullopt});
  EXPECT_TRUE(s.ok());
  EXPECT_NE(render_table(s).find("Overall status: PASSED\n"), std::string::npos);
  EXPECT_EQ(Suite{}.status(), Status::incomplete);  // nothing probed proves nothing
  EXPECT_EQ(status_reason(Suite{}), "no probe ran");
}

TEST(Scores, AnyFailureFailsTheSuite) {
  auto s = seed_000_like();
  s.results.push_back({Area::network, "hpr reachable", Outcome::failed, "no answer", std::nullopt});
  EXPECT_FALSE(s.ok());
  EXPECT_NE(render_table(s).find("FAILED"), std::string::npos);
  auto j = to_json(s);
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["overall"]["failed"], 1);
  EXPECT_EQ(j["categories"].size(), 6u);
}

TEST(Unprobed, EstateServicesWithoutATargetAreSkipped) {
  model::Estate e;
  e.servers = {{.name = "db"}};
  model::Service pg{.name = "pg", .category = model::Category::database};
  pg.data = model::DataSpec{.engine = "postgres"};
  model::Service maria{.name = "maria", .category = model::Category::database};
  maria.data = model::DataSpec{.engine = "mariadb"};
  model::Service api{.name = "api"};
  api.ports = {{.published = 8080, .target = 8080}};
  model::Service worker{.name = "worker"};  // exposes nothing: nothing to probe
  e.services = {pg, maria, api, worker};
  Targets t;
  t.file = "targets.yaml";
  auto skipped = unprobed(e, t);
  ASSERT_EQ(skipped.size(), 4u);
  for (const auto& r : skipped) EXPECT_EQ(r.outcome, Outcome::skipped);
  // MariaDB has a built-in probe: skipped only for want of a target.
  EXPECT_NE(skipped[1].reason.find("no target in targets.yaml"), std::string::npos) << skipped[1].reason;
  t.databases.push_back({"pg", "postgres://x", "select 1"});
  EXPECT_EQ(unprobed(e, t).size(), 3u);
}

}  // namespace
}  // namespace rehome::validate
