// Edges of backup run / verify into a restic repository (the cases the older folder store's tests held):
// a too old newest snapshot fails verify, a server URL without a database dumps every database, a missing
// repository still writes a failing Prometheus textfile.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "backup/repository.hpp"
#include "backup/stream.hpp"
#include "backup_fixtures.hpp"
#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/sha256.hpp"
#include "real/harness/postgres_server.hpp"

using namespace rehome;
using namespace rehome::backup;
using rehome::test::TempDir;
namespace fs = std::filesystem;

namespace {

Repository repo_in(const TempDir& tmp) {
  test::write_text(tmp / "password", "pw-edges-repo-41d0\n");
  return {(tmp / "repo").string(), tmp / "password", tmp / "cache", {}};
}

RepoRunResult take(const TempDir& tmp, std::vector<Source> sources) {
  RepoRunOptions o;
  o.sources = std::move(sources);
  o.repositories = {repo_in(tmp)};
  o.estate = "edges";
  o.staging = tmp / "staging";
  return backup_to_repositories(o);
}

}  // namespace

TEST(RepoEdges, TooOldNewestSnapshotFailsVerify) {
  TempDir tmp("old");
  test::write_text(tmp / "volume/a.txt", "a\n");
  auto r = take(tmp, {{"volume", (tmp / "volume").string(), "files"}});
  ASSERT_TRUE(r.ok()) << r.failures[0];
  RepoVerifyOptions v;
  v.repository = repo_in(tmp);
  v.estate = "edges";
  v.scratch = tmp.path();
  v.now = r.stored[0].artefact.time + 25 * 3600;
  auto result = verify_repository(v);
  ASSERT_FALSE(result.ok());
  ASSERT_FALSE(result.details.problems.empty());
  EXPECT_NE(result.details.problems.back().find("more than the allowed"), std::string::npos)
      << result.details.problems.back();
}

TEST(RepoEdges, ServerUrlWithoutDatabaseDumpsEveryDatabase) {
  test::PostgresServer pg;
  pg.create_database("shop");
  pg.create_database("second");
  TempDir tmp("all");
  auto r = take(tmp, {source_from_url(pg.url(""))});
  ASSERT_TRUE(r.ok()) << r.failures[0];
  std::vector<std::string> dbs;
  for (const auto& s : r.stored) dbs.push_back(s.artefact.database);
  EXPECT_NE(std::find(dbs.begin(), dbs.end(), "shop"), dbs.end());
  EXPECT_NE(std::find(dbs.begin(), dbs.end(), "second"), dbs.end());
}

TEST(RepoEdges, MissingRepositoryStillWritesAFailingTextfile) {
  TempDir tmp("missing");
  RepoVerifyOptions v;
  v.repository = repo_in(tmp);
  v.repository.location = (tmp / "never-written").string();
  v.textfile = tmp / "backup.prom";
  v.scratch = tmp.path();
  auto r = verify_repository(v);
  ASSERT_FALSE(r.ok());
  ASSERT_FALSE(r.details.problems.empty());
  EXPECT_NE(r.details.problems[0].find("never-written"), std::string::npos) << r.details.problems[0];
  auto prom = read_file(tmp / "backup.prom");
  EXPECT_NE(prom.find("backup_last_exit_code{} 1"), std::string::npos) << prom;
  EXPECT_EQ(prom.find("backup_last_success_timestamp{"), std::string::npos);
}

TEST(RepoEdges, StreamedDumpInPartsComesBackWholeAndABrokenOneLeavesNoSnapshot) {
  TempDir tmp("stream");
  auto repo = repo_in(tmp);
  Restic restic(repo);
  restic.init();
  std::vector<Restic> repos = {restic};
  // 70 MB: two tar parts (64 MiB + the rest), streamed without touching the disk.
  std::string producer = "head -c 70000000 /dev/urandom | tee " + (tmp / "expected").string();
  auto streamed = stream_dump({"sh", "-c", producer}, {}, "big.dump", repos, {"rehome", "estate=edges"},
                              [](std::int64_t size, const std::string& sha) {
                                return fmt::format("{{\"size\": {}, \"sha256\": \"{}\"}}", size, sha);
                              });
  ASSERT_TRUE(streamed.failures.empty()) << streamed.failures.begin()->second;
  EXPECT_EQ(streamed.size, 70000000);
  EXPECT_EQ(streamed.sha256, sha256_file(tmp / "expected"));
  ASSERT_EQ(restic.snapshots({"rehome"}).size(), 1u);
  restic.restore(streamed.summaries.begin()->second.snapshot_id, tmp / "restored");
  EXPECT_EQ(unpack_streams(tmp / "restored"), 1);
  EXPECT_EQ(sha256_file(tmp / "restored/big.dump.unpacked/big.dump"), streamed.sha256);
  EXPECT_NE(read_file(tmp / "restored/big.dump.unpacked/manifest.json").find(streamed.sha256),
            std::string::npos);

  // A producer that fails half way: restic is stopped before it saves anything.
  EXPECT_THROW(
      stream_dump({"sh", "-c", "head -c 1000000 /dev/urandom; echo 'dump broke' >&2; exit 3"}, {},
                  "broken.dump", repos, {"rehome"}, [](std::int64_t, const std::string&) { return "{}"; }),
      UserError);
  EXPECT_EQ(restic.snapshots({"rehome"}).size(), 1u);
}
