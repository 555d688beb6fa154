// Bad input for backup run into a restic repository: an unwritable staging folder, a full staging disk
// (a 1 MiB tmpfs), missing tools (PATH without pg_dump), an unreachable database: a clear error naming
// the source (never its password), nothing left behind, and no snapshot of the failed source.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <fstream>
#include <random>

#include "backup/repository.hpp"
#include "backup_fixtures.hpp"
#include "common/error.hpp"
#include "common/process.hpp"
#include "real/harness/postgres_server.hpp"
#include "real/harness/redis_server.hpp"

using namespace rehome;
using namespace rehome::backup;
using rehome::test::TempDir;
namespace fs = std::filesystem;

namespace {

// The error of a run that throws, else its recorded failures (one per line).
std::string error_of(const RepoRunOptions& o) {
  try {
    auto r = backup_to_repositories(o);
    std::string all;
    for (const auto& f : r.failures) all += f + "\n";
    if (!r.stored.empty()) all += "STORED SOMETHING\n";
    return all;
  } catch (const UserError& e) {
    return std::string(e.what()) + " | " + e.hint();
  }
}

RepoRunOptions options(const TempDir& tmp, std::vector<Source> sources) {
  test::write_text(tmp / "password", "pw-bad-input-repo-9a1c\n");
  RepoRunOptions o;
  o.sources = std::move(sources);
  o.repositories = {{(tmp / "repo").string(), tmp / "password", tmp / "cache", {}}};
  o.estate = "bad";
  o.staging = tmp / "staging";
  return o;
}

void random_file(const fs::path& file, size_t bytes) {
  fs::create_directories(file.parent_path());
  std::mt19937 rng(42);
  std::ofstream out(file, std::ios::binary);
  for (size_t i = 0; i < bytes; ++i) out.put(static_cast<char>(rng()));
}

// No file is left in the staging folder (empty folders are the stable per-source paths).
void expect_nothing_left(const fs::path& staging) {
  std::error_code ec;
  if (!fs::exists(staging, ec)) return;
  for (const auto& e : fs::recursive_directory_iterator(staging, ec))
    if (!e.is_directory()) ADD_FAILURE() << "left behind: " << e.path();
}

}  // namespace

TEST(BackupBadInput, UnwritableStagingIsNamed) {
  TempDir tmp("unwritable");
  test::write_text(tmp / "volume/a.txt", "a\n");
  test::write_text(tmp / "not-a-folder", "x");
  auto o = options(tmp, {{"volume", (tmp / "volume").string(), "files"}});
  o.staging = tmp / "not-a-folder" / "staging";
  auto err = error_of(o);
  EXPECT_NE(err.find("cannot create staging folder " + o.staging.string()), std::string::npos) << err;
}

TEST(BackupBadInput, FullStagingDiskLeavesNoPartialArtefact) {
  TempDir tmp("full");
  fs::create_directories(tmp / "small");
  if (::mount("tmpfs", (tmp / "small").c_str(), "tmpfs", 0, "size=1m") != 0)
    GTEST_SKIP() << "cannot mount a tmpfs here (needs CAP_SYS_ADMIN)";
  struct Unmount {
    fs::path p;
    ~Unmount() { ::umount2(p.c_str(), MNT_DETACH); }
  } unmount{tmp / "small"};
  // Volumes and dumps stream into restic; a Redis RDB is what still waits in staging: 2.7 MB of
  // base64 of random bytes (LZF cannot shrink it), nearly 3x the disk.
  test::RedisServer redis;
  random_file(tmp / "big.bin", 2 << 20);
  auto text = run_process({"base64", "-w0", (tmp / "big.bin").string()});
  ASSERT_TRUE(text.ok()) << text.err;
  redis.pipe("SET big " + text.out + "\n");
  auto o = options(tmp, {{"redis", redis.url(), "cache"}});
  o.staging = tmp / "small";
  auto err = error_of(o);
  EXPECT_NE(err.find("No space left"), std::string::npos) << err;
  EXPECT_EQ(err.find("STORED SOMETHING"), std::string::npos) << err;
  expect_nothing_left(tmp / "small");
}

TEST(BackupBadInput, MissingPgDumpIsNamedAndNothingIsLeft) {
  test::PostgresServer pg;
  TempDir tmp("nopgdump");
  fs::create_directories(tmp / "only-restic");
  fs::create_symlink(*find_program("restic"), tmp / "only-restic/restic");
  auto o = options(tmp, {{"postgres", pg.url("postgres"), "db"}});
  std::string err;
  {
    test::ScopedEnv path("PATH", (tmp / "only-restic").string());
    err = error_of(o);
  }
  EXPECT_NE(err.find("pg_dump not found on PATH"), std::string::npos) << err;
  EXPECT_NE(err.find("apt-get install postgresql-client"), std::string::npos) << err;
  EXPECT_EQ(err.find("STORED SOMETHING"), std::string::npos) << err;
  expect_nothing_left(tmp / "staging");
}

TEST(BackupBadInput, UnreachableDatabaseIsNamedWithoutItsPassword) {
  TempDir tmp("unreachable");
  auto o = options(tmp, {{"postgres", "postgresql://app:topsecret@127.0.0.1:1/app?connect_timeout=2", "db"}});
  auto err = error_of(o);
  EXPECT_NE(err.find("cannot connect to PostgreSQL at postgresql://app:***@127.0.0.1:1/app"),
            std::string::npos)
      << err;
  EXPECT_EQ(err.find("topsecret"), std::string::npos);
  expect_nothing_left(tmp / "staging");
}
