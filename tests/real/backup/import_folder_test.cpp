// backup import-folder: backups of the older folder format (<dest>/<id>/manifest.json + artefacts) go into
// a restic repository with their own times and rehome's tags; verify restores them with matching row
// counts; a second import adds nothing; a backup with a damaged artefact is refused whole,
// naming the file.
#include <gtest/gtest.h>

#include <filesystem>

#include <fmt/format.h>

#include "backup/artefacts.hpp"
#include "backup/repository.hpp"
#include "backup/store.hpp"
#include "backup_fixtures.hpp"
#include "common/atomic_file.hpp"
#include "common/process.hpp"
#include "real/harness/postgres_server.hpp"

using namespace rehome;
using namespace rehome::backup;
using rehome::test::TempDir;
namespace fs = std::filesystem;

namespace {

// One backup in the folder format, as the older `backup run --dest` wrote it.
Manifest write_folder_backup(const fs::path& dest, std::int64_t time, const std::vector<Source>& sources) {
  Manifest m;
  m.time = time;
  m.id = backup_id_for(time);
  m.estate = "legacy";
  m.host = "oldhost";
  fs::create_directories(dest / m.id);
  for (const auto& s : sources)
    for (auto& a : take_artefacts(s, dest / m.id)) m.artefacts.push_back(a);
  write_file_atomically(dest / m.id / manifest_file, manifest_to_json(m));
  return m;
}

}  // namespace

TEST(ImportFolder, OldBackupsBecomeTaggedSnapshotsWithTheirTimesAndVerify) {
  test::PostgresServer pg;
  pg.create_database("shop");
  pg.psql("CREATE TABLE items(id int PRIMARY KEY); INSERT INTO items SELECT generate_series(1, 321);",
          "shop");
  TempDir tmp("import");
  test::write_text(tmp / "volumes/uploads/_data/a.txt", "uploaded\n");
  std::vector<Source> sources = {{"postgres", pg.url("shop"), ""},
                                 {"volume", (tmp / "volumes/uploads/_data").string(), ""}};
  std::int64_t now = std::time(nullptr);
  auto older = write_folder_backup(tmp / "dest", now - 2 * 86400, sources);
  auto newer = write_folder_backup(tmp / "dest", now - 3600, sources);
  test::write_text(tmp / "password", "pw-import-repo-77e1\n");
  Repository repo{(tmp / "repo").string(), tmp / "password", tmp / "cache", {}};

  ImportOptions o;
  o.folder = tmp / "dest";
  o.repositories = {repo};
  o.staging = tmp / "staging";
  auto r = import_folder(o);
  ASSERT_TRUE(r.ok()) << (r.stored.failures.empty() ? "" : r.stored.failures[0]);
  EXPECT_EQ(r.imported, 2);
  ASSERT_EQ(r.stored.stored.size(), 4u);

  Restic restic(repo);
  auto snaps = restic.snapshots({"rehome", "estate=legacy"});
  ASSERT_EQ(snaps.size(), 4u);
  std::set<std::int64_t> times;
  std::set<std::string> services;
  for (const auto& s : snaps) {
    times.insert(s.time);
    services.insert(s.tag_value("service"));
    EXPECT_EQ(s.hostname, "oldhost");
  }
  EXPECT_EQ(times, (std::set<std::int64_t>{older.time, newer.time}));  // their own times, not today's
  EXPECT_EQ(services, (std::set<std::string>{"127.0.0.1", "uploads"}));

  // restic alone gets the newer dump back, byte for byte.
  ProcessOptions env;
  env.env = {{"RESTIC_PASSWORD_FILE", (tmp / "password").string()},
             {"RESTIC_CACHE_DIR", (tmp / "cache").string()}};
  auto res = run_process({"restic", "-r", repo.location, "restore", "latest", "--tag", "kind=postgres",
                          "--target", (tmp / "restored").string()},
                         env);
  ASSERT_TRUE(res.ok()) << res.err;
  auto folder = find_manifest_folder(tmp / "restored");
  ASSERT_TRUE(folder);
  const auto& dump = newer.artefacts[0];
  EXPECT_EQ(run_process({"sha256sum", (*folder / dump.name).string()}).out.substr(0, 64), dump.sha256);

  // verify restores the newest of each source with its row counts.
  RepoVerifyOptions v;
  v.repository = repo;
  v.estate = "legacy";
  v.restore_url = pg.url();
  v.scratch = tmp.path();
  auto verified = verify_repository(v);
  EXPECT_TRUE(verified.ok()) << (verified.details.problems.empty() ? "" : verified.details.problems[0]);
  EXPECT_EQ(verified.verified.size(), 2u);
  ASSERT_EQ(verified.details.restores.size(), 1u);
  EXPECT_EQ(verified.details.restores[0].rows, 321);

  // A second import adds nothing; a third backup with a damaged artefact is refused, naming the file.
  auto third = write_folder_backup(tmp / "dest", now - 60, sources);
  fs::path damaged = tmp / "dest" / third.id / third.artefacts[0].name;
  test::flip_byte(damaged, static_cast<std::streamoff>(fs::file_size(damaged) / 2));
  auto again = import_folder(o);
  EXPECT_EQ(again.already_there, 2);
  EXPECT_EQ(again.imported, 0);
  ASSERT_EQ(again.refused.size(), 1u);
  EXPECT_NE(again.refused[0].find(damaged.string()), std::string::npos) << again.refused[0];
  EXPECT_FALSE(again.ok());
  EXPECT_EQ(restic.snapshots({"rehome", "estate=legacy"}).size(), 4u);  // refused whole
}
