// backup run into a real restic repository (local folder): PostgreSQL, Redis and a volume folder (a plain
// tar stream with its per-file manifest) become
// tagged snapshots with their manifest; restic alone lists and restores them (compared by sha256sum);
// verify restores each into a throwaway folder/database and tags it verified; forget keeps the newest
// verified snapshot; a second run of unchanged data adds almost nothing; a flipped byte in a pack is found.
#include <gtest/gtest.h>

#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "backup/repository.hpp"
#include "backup_fixtures.hpp"
#include "common/atomic_file.hpp"
#include "common/process.hpp"
#include "real/harness/postgres_server.hpp"
#include "real/harness/redis_server.hpp"

using namespace rehome;
using namespace rehome::backup;
using rehome::test::TempDir;
namespace fs = std::filesystem;

namespace {

const char* kDbPassword = "pw-restic-db-31c9";
const char* kRepoPassword = "pw-restic-repo-8e2d";

class ResticRepo : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pg = new test::PostgresServer({.password = kDbPassword});
    pg->create_database("shop");
    pg->psql(
        "CREATE TABLE customers(id int PRIMARY KEY, name text);"
        "INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 700) g;"
        "CREATE TABLE orders(id int PRIMARY KEY, total numeric);"
        "INSERT INTO orders SELECT g, g * 1.5 FROM generate_series(1, 3000) g;",
        "shop");
    redis = new test::RedisServer({.password = kDbPassword});
    redis->pipe("SET a 1\nSET b 2\nRPUSH l x y z\n");
  }
  static void TearDownTestSuite() {
    delete pg;
    delete redis;
  }
  void SetUp() override {
    test::write_text(tmp / "password", std::string(kRepoPassword) + "\n");
    ::chmod((tmp / "password").c_str(), 0600);
    test::write_text(tmp / "volume/app/config.yml", "key: value\n");
    // 8 MB that gzip cannot shrink, so the data (not restic's metadata) dominates what a run stores.
    ASSERT_TRUE(
        run_process({"sh", "-c", "head -c 8000000 /dev/urandom > " + (tmp / "volume/app/data.bin").string()})
            .ok());
    repo = {(tmp / "repo").string(), tmp / "password", tmp / "cache", {}};
  }

  RepoRunResult take() {
    RepoRunOptions o;
    o.sources = {{"postgres", pg->url("shop"), "shop-db"},
                 {"redis", redis->url(), "cache"},
                 {"volume", (tmp / "volume").string(), "app-data"}};
    o.repositories = {repo};
    o.estate = "teststate";
    o.staging = tmp / "staging";
    o.progress = [this](const std::string& line) { log += line + "\n"; };
    return backup_to_repositories(o);
  }

  // restic alone, as a person would run it.
  ProcessResult restic(const std::vector<std::string>& args) {
    ProcessOptions env;
    env.env = {{"RESTIC_REPOSITORY", repo.location},
               {"RESTIC_PASSWORD_FILE", (tmp / "password").string()},
               {"RESTIC_CACHE_DIR", (tmp / "cache").string()}};
    std::vector<std::string> argv = {"restic"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, env);
  }

  std::string sha256sum(const fs::path& file) {
    auto r = run_process({"sha256sum", file.string()});
    return r.out.substr(0, 64);
  }

  RepoVerifyOptions verify_options(int percent) {
    RepoVerifyOptions v;
    v.repository = repo;
    v.estate = "teststate";
    v.read_data_percent = percent;
    v.restore_url = pg->url();
    v.textfile = tmp / "backup.prom";
    v.labels = {{"target", repo.location}};
    v.scratch = tmp.path();
    v.progress = [this](const std::string& line) { log += line + "\n"; };
    return v;
  }

  static test::PostgresServer* pg;
  static test::RedisServer* redis;
  TempDir tmp{"restic"};
  Repository repo;
  std::string log;
};
test::PostgresServer* ResticRepo::pg = nullptr;
test::RedisServer* ResticRepo::redis = nullptr;

}  // namespace

TEST_F(ResticRepo, BackupRestoreVerifyForgetWithResticAlone) {
  auto r = take();
  ASSERT_TRUE(r.ok()) << fmt::format("{}", r.failures.empty() ? "" : r.failures[0]);
  ASSERT_EQ(r.stored.size(), 3u);
  EXPECT_EQ(r.stored[0].artefact.row_counts.at("public.orders"), 3000);

  // restic alone lists the snapshots with rehome's tags.
  auto listed = restic({"snapshots", "--json"});
  ASSERT_TRUE(listed.ok()) << listed.err;
  auto snaps = nlohmann::json::parse(listed.out);
  ASSERT_EQ(snaps.size(), 3u);
  std::set<std::string> kinds;
  for (const auto& s : snaps) {
    auto tags = s.at("tags").get<std::vector<std::string>>();
    EXPECT_NE(std::find(tags.begin(), tags.end(), "estate=teststate"), tags.end());
    for (const auto& t : tags)
      if (t.starts_with("kind=")) kinds.insert(t);
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"kind=postgres", "kind=redis", "kind=volume"}));

  // restic alone restores each; an independent sha256sum equals what rehome recorded.
  for (const auto& stored : r.stored) {
    fs::path target = tmp / ("restore-" + stored.kind);
    auto res = restic({"restore", "latest", "--tag", "kind=" + stored.kind, "--target", target.string()});
    ASSERT_TRUE(res.ok()) << res.err;
    if (stored.kind != "redis") {  // streamed: one tar of the dump's parts and manifest.json, by hand
      const auto& n = stored.artefact.name;
      auto untar = run_process(
          {"sh", "-c",
           fmt::format("cd '{}' && tar -xf '{}.tar' && cat '{}'.0* > '{}'", target.string(), n, n, n)});
      ASSERT_TRUE(untar.ok()) << untar.err;
    }
    auto folder = find_manifest_folder(target);
    ASSERT_TRUE(folder);
    EXPECT_EQ(sha256sum(*folder / stored.artefact.name), stored.artefact.sha256) << stored.artefact.name;
    auto manifest = manifest_from_json(read_file(*folder / "manifest.json"), "restored manifest");
    ASSERT_EQ(manifest.artefacts.size(), 1u);
    EXPECT_EQ(manifest.artefacts[0].sha256, stored.artefact.sha256);
  }
  // The volume's own files come back byte for byte out of the restored archive.
  auto vol = find_manifest_folder(tmp / "restore-volume");
  fs::create_directories(tmp / "untar");
  ASSERT_TRUE(
      run_process({"tar", "-xf", (*vol / "volume-volume.tar").string(), "-C", (tmp / "untar").string()})
          .ok());
  EXPECT_EQ(sha256sum(tmp / "untar/app/data.bin"), sha256sum(tmp / "volume/app/data.bin"));

  // verify: restic check + restore test of each source; all three tagged verified.
  auto v = verify_repository(verify_options(10));
  EXPECT_TRUE(v.ok()) << fmt::format("{}", v.details.problems.empty() ? "" : v.details.problems[0]);
  EXPECT_EQ(v.verified.size(), 3u);
  ASSERT_EQ(v.details.restores.size(), 1u);
  EXPECT_EQ(v.details.restores[0].rows, 3700);
  auto prom = read_file(tmp / "backup.prom");
  EXPECT_NE(prom.find("backup_last_success_timestamp"), std::string::npos);
  EXPECT_NE(prom.find("backup_last_exit_code{target=\"" + repo.location + "\"} 0"), std::string::npos);

  // A second run of the unchanged volume adds (almost) nothing: restic deduplicates.
  auto again = take();
  ASSERT_TRUE(again.ok());
  for (const auto& s : again.stored)
    if (s.kind == "volume") {
      std::cout << "volume: first run " << r.stored[2].summary.data_added << " bytes new, second run "
                << s.summary.data_added << " bytes new\n";
      EXPECT_LT(s.summary.data_added, r.stored[2].summary.data_added / 20);
    }

  // forget keeps the newest of each source and the verified ones (--keep-tag verified), drops nothing
  // verified: here keep-daily 1 would drop the first run, but it is the verified one.
  auto forget = forget_repository(repo, "teststate", {1, 0, 0, 0}, true);
  EXPECT_EQ(forget.keep.size(), 6u);
  EXPECT_EQ(forget.remove.size(), 0u);

  // The password never shows in what rehome printed.
  EXPECT_EQ(log.find(kRepoPassword), std::string::npos);
  EXPECT_EQ(log.find(kDbPassword), std::string::npos);
}

TEST_F(ResticRepo, FlippedByteInThePackIsFoundByVerify) {
  ASSERT_TRUE(take().ok());
  // Damage the largest pack file (the volume's data and the dump live in packs under data/).
  fs::path biggest;
  std::uintmax_t size = 0;
  for (const auto& e : fs::recursive_directory_iterator(tmp / "repo/data"))
    if (e.is_regular_file() && e.file_size() > size) {
      size = e.file_size();
      biggest = e.path();
    }
  ASSERT_FALSE(biggest.empty());
  fs::permissions(biggest, fs::perms::owner_write, fs::perm_options::add);
  test::flip_byte(biggest, static_cast<std::streamoff>(size / 2));
  auto v = verify_repository(verify_options(100));
  EXPECT_FALSE(v.ok());
  EXPECT_FALSE(v.check.ok);
  EXPECT_TRUE(v.verified.empty());
  std::string all;
  for (const auto& p : v.details.problems) all += p + "\n";
  std::cout << all;
  EXPECT_NE(all.find(biggest.filename().string().substr(0, 8)), std::string::npos);  // names the pack
  auto prom = read_file(tmp / "backup.prom");
  EXPECT_NE(prom.find("backup_last_exit_code{target=\"" + repo.location + "\"} 1"), std::string::npos);
}
