// The drill's section of the report: read from a rehome.drill evidence file, rendered in both forms.
#include <filesystem>

#include <gtest/gtest.h>

#include "common/atomic_file.hpp"
#include "report/report.hpp"

namespace rehome::report {
namespace {

resilience::DrillResult drill() {
  resilience::DrillResult d;
  d.scenario = "node3 down";
  d.failed = {"node3"};
  d.stack = "shop";
  d.quorum = {3, 3, 2, true};
  d.leader_ms = 1500;
  d.timeout = 90000;
  resilience::DrillRow app{.service = "app",
                           .from = "node3",
                           .predicted = "node1 ~9 s",
                           .predicted_ms = 9000,
                           .measured_on = "node1",
                           .measured_ms = 30000};
  resilience::DrillRow db{
      .service = "db", .from = "node3", .predicted = "stays down: state on local volume db-data on node3"};
  resilience::judge(app, d.timeout);
  resilience::judge(db, d.timeout);
  d.rows = {app, db};
  return d;
}

TEST(DrillSection, LoadedByKindAndRendered) {
  auto dir = std::filesystem::temp_directory_path() / ("rehome-report-drill-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  write_file_atomically(dir / "drill-node3.json", resilience::to_json(drill()).dump(2));
  write_file_atomically(dir / "drill-bad.json", R"({"kind": "rehome.drill", "format": 9})");
  Evidence ev = load_evidence(dir, dir / "none");
  std::filesystem::remove_all(dir);
  ASSERT_EQ(ev.drills.size(), 1u);
  ASSERT_EQ(ev.problems.size(), 1u);
  EXPECT_NE(ev.problems[0].find("drill-bad.json"), std::string::npos);

  Report r;
  r.estate = "shop";
  r.drills = ev.drills;
  std::string md = to_markdown(r);
  EXPECT_NE(md.find("## Drill"), std::string::npos);
  EXPECT_NE(md.find("node3 down (stack shop)"), std::string::npos);
  EXPECT_NE(md.find("1 miss(es)"), std::string::npos) << md;
  EXPECT_NE(md.find("No, MISS: slower"), std::string::npos) << md;
  EXPECT_NE(md.find("Yes, stayed down as predicted"), std::string::npos) << md;
  std::string html = to_html(r);
  EXPECT_NE(html.find("<section id=\"drill\">"), std::string::npos);
  EXPECT_NE(html.find("class=\"bad\">No, MISS: slower"), std::string::npos);
}

}  // namespace
}  // namespace rehome::report
