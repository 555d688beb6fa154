#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "../runbook/fixtures.hpp"
#include "common/atomic_file.hpp"
#include "report/report.hpp"

namespace rehome::report {
namespace {

model::Estate estate_with_resources() {
  auto e = runbook::test::small_estate();
  for (auto& s : e.services) {
    s.resources.memory_reservation = 2 * model::GiB;
    s.resources.cpu_reservation = 500;
  }
  return e;
}

Evidence finished_move(bool validation_ok) {
  Evidence ev;
  ev.phases = runbook::PhasesEvidence{"shop",
                                      {{0, "Prechecks", "done", "", "", 1200, {}},
                                       {3,
                                        "Databases",
                                        "done",
                                        "",
                                        "",
                                        5400,
                                        {{"3.migrate.shop-postgres.shop", "migrate", "done", 2000, 1, ""}}},
                                       {6, "Validation", "done", "", "", 300, {}}}};
  validate::Suite suite;
  for (int i = 0; i < 9; ++i)
    suite.results.push_back({validate::Area::services, fmt::format("probe {}", i), validate::Outcome::passed,
                             "ok", std::nullopt});
  suite.results.push_back({validate::Area::databases, "x <script>",
                           validation_ok ? validate::Outcome::passed : validate::Outcome::failed, "no target",
                           std::nullopt});
  ev.validation = suite;
  ev.backups = {{"shop-postgres.shop.dump", 4096, std::string(64, 'a'), true}};
  return ev;
}

TEST(Report, BeforeIsEverythingOnTheOldHostAfterIsPerServer) {
  auto r = make_report(estate_with_resources(), runbook::test::small_plan(), {}, "old");
  EXPECT_EQ(r.before.server, "old");
  EXPECT_EQ(r.before.memory_used, 12 * model::GiB);
  ASSERT_EQ(r.after.size(), 3u);
  EXPECT_EQ(r.after[0].memory_used, 0);               // old: nothing planned there
  EXPECT_EQ(r.after[1].memory_used, 6 * model::GiB);  // db: postgres, redis, prometheus
  EXPECT_EQ(r.verdict, Verdict::planned);
}

TEST(Report, MigratedWhenPhasesDoneAndValidationPassed) {
  auto r = make_report(estate_with_resources(), runbook::test::small_plan(), finished_move(true), "old");
  EXPECT_EQ(r.verdict, Verdict::migrated);
  EXPECT_NE(r.headline.find("100%"), std::string::npos);
  ASSERT_EQ(r.migrations.size(), 1u);
  EXPECT_EQ(r.migrations[0].name, "shop-postgres.shop");
  EXPECT_EQ(r.migrations[0].status, "verified");
}

TEST(Report, FailedValidationIsTheHeadline) {
  auto r = make_report(estate_with_resources(), runbook::test::small_plan(), finished_move(false), "old");
  EXPECT_EQ(r.verdict, Verdict::failed);
  EXPECT_NE(r.headline.find("validation failed"), std::string::npos);
}

TEST(Report, HtmlIsSelfContainedWithEverySectionAndEscapes) {
  // A failed probe is listed by name under "Not passed": its name is escaped.
  auto r = make_report(estate_with_resources(), runbook::test::small_plan(), finished_move(false), "old");
  auto html = to_html(r);
  for (const char* id :
       {"verdict", "resources", "placement", "failover", "migration", "validation", "backups", "phases"})
    EXPECT_NE(html.find(fmt::format("<section id=\"{}\"", id)), std::string::npos) << id;
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("x &lt;script&gt;"), std::string::npos);
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg")) << "no link but the SVG namespace";
  EXPECT_EQ(html.find("https://"), std::string::npos);
}

TEST(Report, MarkdownHasTheTables) {
  auto md = to_markdown(
      make_report(estate_with_resources(), runbook::test::small_plan(), finished_move(true), "old"));
  EXPECT_NE(md.find("| Test Category | Passed |"), std::string::npos);
  EXPECT_NE(md.find("## Placement"), std::string::npos);
  EXPECT_NE(md.find("shop-postgres.shop.dump"), std::string::npos);
}

}  // namespace
}  // namespace rehome::report

namespace rehome::report {
namespace {

TEST(Report, DowntimeSectionReadsTheMovesTypedEvidence) {
  move::MoveEvidence m;
  m.estate = "shop";
  m.status = "done";
  m.total_ms = 95000;
  m.downtime = {{"shop-api", 4200, "monotonic"}, {"shop-web", -1, ""}};
  auto dir =
      std::filesystem::temp_directory_path() / ("rehome-report-downtime-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  write_file_atomically(dir / "move.json", move::to_json(m).dump());
  auto ev = load_evidence(dir);
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(ev.move.has_value());
  auto r = make_report(estate_with_resources(), runbook::test::small_plan(), ev, "old");
  ASSERT_EQ(r.downtime.size(), 2u);
  EXPECT_EQ(r.downtime[0].status, model::format_duration(4200));
  EXPECT_EQ(r.downtime[1].status, "not ended");
  auto md = to_markdown(r);
  EXPECT_NE(md.find("## Downtime"), std::string::npos);
  EXPECT_NE(md.find("| shop-api | " + model::format_duration(4200)), std::string::npos);
  EXPECT_NE(to_html(r).find("<section id=\"downtime\""), std::string::npos);
  // No move: the section says so.
  EXPECT_NE(to_markdown(make_report(estate_with_resources(), runbook::test::small_plan(), {}, "old"))
                .find("No cutover recorded"),
            std::string::npos);
}

}  // namespace
}  // namespace rehome::report
