// The report page rendered by a real browser (Debian chromium, headless): the sections are there,
// the console stays clean, and a screenshot is kept (<build>/report-screenshot.png) for a person.
#include <fstream>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/process.hpp"
#include "runbook/state.hpp"
#include "support/paths.hpp"
#include "validate/result.hpp"

namespace rehome {
namespace {

struct Folder {
  std::filesystem::path path;
  explicit Folder(const std::string& name) {
    path = std::filesystem::temp_directory_path() / fmt::format("rehome-{}-{}", name, ::getpid());
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~Folder() { std::filesystem::remove_all(path); }
};

void write_json(const std::filesystem::path& p, const nlohmann::json& j) { std::ofstream(p) << j.dump(2); }

// Evidence as `rehome migrate run` and `rehome validate` write it: their own types' JSON.
void write_evidence(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir / "evidence");
  std::filesystem::create_directories(dir / "backups");
  runbook::PhasesEvidence phases{"wizardsofts", {}};
  const char* names[] = {"Prechecks",  "Security", "Swarm bootstrap", "Databases",
                         "Monitoring", "Services", "Validation",      "Cleanup"};
  for (int i = 0; i < 8; ++i) {
    runbook::PhaseEvidence p{i, names[i], i < 7 ? "done" : "pending", "", "", i < 7 ? 1000 * (i + 1) : 0, {}};
    if (i == 3)
      p.steps.push_back({"3.migrate.gibd-postgres.gibd", "migrate gibd-postgres.gibd", "done", 4200, 1, ""});
    phases.phases.push_back(p);
  }
  write_json(dir / "evidence" / "phases.json", runbook::to_json(phases));
  validate::Suite suite;
  for (auto area : validate::kAreas)
    suite.results.push_back(
        {area, "probe of " + validate::area_key(area), validate::Outcome::passed, "ok", 12.5});
  write_json(dir / "evidence" / "validation.json", validate::to_json(suite));
  std::ofstream(dir / "backups" / "gibd-postgres.gibd.dump") << "dump";
  auto hash = run_process({"sha256sum", (dir / "backups" / "gibd-postgres.gibd.dump").string()});
  std::ofstream(dir / "backups" / "gibd-postgres.gibd.dump.sha256") << hash.out;
}

TEST(ReportInChromium, SectionsRenderAndTheConsoleIsClean) {
  auto chromium = find_program("chromium");
  ASSERT_TRUE(chromium) << "chromium is missing: scripts/install-deps.sh installs it";
  Folder work("report-chromium");
  write_evidence(work.path);
  auto html = work.path / "report.html";
  auto r =
      run_process({test::rehome_binary().string(), "report", "--evidence", (work.path / "evidence").string(),
                   "-o", html.string(), "--markdown", (work.path / "report.md").string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Migrated"), std::string::npos) << r.out;

  Folder profile("chromium-profile");
  std::vector<std::string> common{chromium->string(),
                                  "--headless",
                                  "--no-sandbox",
                                  "--disable-gpu",
                                  "--disable-quic",
                                  "--no-first-run",
                                  "--disable-background-networking",
                                  "--disable-component-update",
                                  "--disable-sync",
                                  "--disable-extensions",
                                  "--disable-dev-shm-usage",
                                  "--user-data-dir=" + profile.path.string(),
                                  "--enable-logging=stderr",
                                  "--v=0"};
  auto png = test::binary_dir() / "report-screenshot.png";
  std::filesystem::remove(png);
  auto shot = common;
  shot.insert(shot.end(),
              {"--screenshot=" + png.string(), "--window-size=1280,2400", "file://" + html.string()});
  auto s = run_process(shot, {.timeout = std::chrono::seconds(120)});
  ASSERT_TRUE(s.ok()) << s.err;
  ASSERT_TRUE(std::filesystem::exists(png));
  EXPECT_GT(std::filesystem::file_size(png), 20000u) << "a blank page compresses to almost nothing";

  auto dom = common;
  dom.insert(dom.end(), {"--dump-dom", "file://" + html.string()});
  auto d = run_process(dom, {.timeout = std::chrono::seconds(120)});
  ASSERT_TRUE(d.ok()) << d.err;
  for (const char* id :
       {"verdict", "resources", "placement", "failover", "migration", "validation", "backups", "phases"})
    EXPECT_NE(d.out.find(fmt::format("id=\"{}\"", id)), std::string::npos) << id;
  EXPECT_NE(d.out.find("<svg"), std::string::npos);
  for (const auto* log : {&s.err, &d.err}) {
    EXPECT_EQ(log->find(":CONSOLE("), std::string::npos) << *log;
    EXPECT_EQ(log->find("Uncaught"), std::string::npos) << *log;
    EXPECT_EQ(log->find("net::ERR_"), std::string::npos)
        << "the page loads nothing from the network: " << *log;
  }
}

}  // namespace
}  // namespace rehome
