// load_evidence on a folder of mixed evidence: every kind is read by its own type, whatever the file is
// called; a file without a kind, of an unknown kind or of a newer format is named as a problem.
#include <unistd.h>

#include <fstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "../runbook/fixtures.hpp"
#include "common/sha256.hpp"
#include "report/report.hpp"

namespace rehome::report {
namespace {

struct Folder {
  std::filesystem::path path;
  explicit Folder(const std::string& name)
      : path(std::filesystem::temp_directory_path() / fmt::format("rehome-{}-{}", name, ::getpid())) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path / "evidence");
    std::filesystem::create_directories(path / "backups");
  }
  ~Folder() { std::filesystem::remove_all(path); }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path / "evidence" / name) << text;
  }
};

migrate::PgMigrationReport postgres_copy() {
  migrate::PgMigrationReport r;
  r.source = "postgresql://app:*****@old:5432/shop";
  r.target = "postgresql://app:*****@new:5432/shop";
  r.selection = "all tables";
  r.rows_copied = 1200;
  r.tables.push_back({{"public", "orders"}, 1200, 1200, "abc", "abc", 8192, 8192});
  return r;
}

migrate::RedisMigrationReport redis_copy(bool differs) {
  migrate::RedisMigrationReport r;
  r.source = "redis://old:6379";
  r.target = "redis://new:6379";
  r.method = "auto";
  r.keys_copied = 40;
  r.databases.push_back({0, 40, 40, differs ? 2 : 0,
                         differs ? std::vector<std::string>{"k1", "k2"} : std::vector<std::string>{}});
  return r;
}

TEST(EvidenceFolder, EveryKindIsReadByItsTypeWhateverTheFileIsCalled) {
  Folder f("evidence-mixed");
  // The runbook's names and names a person chose: the kind decides, not "migrat" in the name.
  f.write("migrate-shop-postgres.shop.json", migrate::to_json(postgres_copy()).dump(2));
  f.write("cache.json", migrate::to_json(redis_copy(true)).dump(2));
  migrate::volume::VolumeMigrationReport volume;
  volume.from = {"unix:///old.sock", "uploads", ""};
  volume.to = {"unix:///new.sock", "uploads", ""};
  volume.source = volume.target = {3, 2, 2048, 2, 2048};
  f.write("uploads.json", migrate::volume::to_json(volume).dump(2));
  runbook::PhasesEvidence phases{
      "shop",
      {{3, "Databases", "done", "", "", 5400, {{"3.migrate.shop-postgres.shop", "", "done", 2000, 1, ""}}}}};
  f.write("progress.json", runbook::to_json(phases).dump(2));
  validate::Suite suite;
  suite.results.push_back({validate::Area::databases, "shop query", validate::Outcome::passed, "ok", 3.0});
  f.write("probes.json", validate::to_json(suite).dump(2));
  backup::RepoRunResult backup_run;
  backup::StoredSnapshot stored;
  stored.repository = "/srv/restic";
  stored.service = "shop-postgres";
  stored.kind = "postgres";
  stored.artefact = {"shop.dump", "postgres", "postgres://old/shop", 4, 0, std::string(64, 'a'), "shop", {}};
  stored.summary.snapshot_id = "4f2a9c1e";
  backup_run.stored.push_back(stored);
  f.write("nightly.json", backup::to_json(backup_run).dump(2));

  auto ev = load_evidence(f.path / "evidence");
  EXPECT_TRUE(ev.problems.empty()) << ev.problems.front();
  ASSERT_TRUE(ev.phases);
  EXPECT_EQ(ev.phases->phases.at(0).steps.at(0).id, "3.migrate.shop-postgres.shop");
  ASSERT_TRUE(ev.validation);
  EXPECT_TRUE(ev.validation->ok());
  ASSERT_EQ(ev.migrations.size(), 3u);  // sorted by file name: cache, migrate-shop-..., uploads
  EXPECT_EQ(ev.migrations[0].name, "cache");
  EXPECT_TRUE(std::holds_alternative<migrate::RedisMigrationReport>(ev.migrations[0].report));
  EXPECT_EQ(ev.migrations[1].name, "shop-postgres.shop");
  EXPECT_TRUE(std::holds_alternative<migrate::PgMigrationReport>(ev.migrations[1].report));
  EXPECT_TRUE(std::holds_alternative<migrate::volume::VolumeMigrationReport>(ev.migrations[2].report));
  ASSERT_EQ(ev.restic_runs.size(), 1u);
  EXPECT_EQ(ev.restic_runs[0].stored.at(0).summary.snapshot_id, "4f2a9c1e");

  auto r = make_report(runbook::test::small_estate(), runbook::test::small_plan(), ev, "");
  ASSERT_EQ(r.migrations.size(), 3u);  // the runbook's row and the copy's own proof meet in one row
  auto row = [&](const std::string& name) {
    return *std::find_if(r.migrations.begin(), r.migrations.end(),
                         [&](const Row& m) { return m.name == name; });
  };
  EXPECT_EQ(row("shop-postgres.shop").status, "verified");
  EXPECT_NE(row("shop-postgres.shop").detail.find("1200 rows_copied"), std::string::npos);
  EXPECT_EQ(row("cache").status, "mismatch");
  EXPECT_EQ(row("uploads").status, "verified");
}

TEST(EvidenceFolder, UnknownKindsNewerFormatsAndOldFilesAreNamedNotFatal) {
  Folder f("evidence-odd");
  auto newer = migrate::to_json(postgres_copy());
  newer["format"] = 99;
  f.write("a-newer.json", newer.dump());
  f.write("b-unknown.json", R"({"kind": "rehome.something-else", "format": 1})");
  f.write("c-old.json", R"({"verified": true, "rows_copied": 3})");  // before evidence had kinds
  auto broken = migrate::to_json(redis_copy(false));
  broken.erase("databases");
  f.write("d-broken.json", broken.dump());
  f.write("e-not-json.json", "{");
  f.write("validation.json", validate::to_json(validate::Suite{}).dump());

  auto ev = load_evidence(f.path / "evidence");
  ASSERT_EQ(ev.problems.size(), 5u);
  EXPECT_NE(ev.problems[0].find("a-newer.json: rehome.migration.postgres evidence in format 99"),
            std::string::npos)
      << ev.problems[0];
  EXPECT_NE(ev.problems[1].find("unknown kind 'rehome.something-else'"), std::string::npos) << ev.problems[1];
  EXPECT_NE(ev.problems[2].find("c-old.json: no \"kind\""), std::string::npos) << ev.problems[2];
  EXPECT_NE(ev.problems[3].find("d-broken.json"), std::string::npos) << ev.problems[3];
  EXPECT_NE(ev.problems[4].find("not valid JSON"), std::string::npos) << ev.problems[4];
  EXPECT_TRUE(ev.migrations.empty());
  EXPECT_TRUE(ev.validation);  // the good file is still read
}

}  // namespace
}  // namespace rehome::report
