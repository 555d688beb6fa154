// Bad input for backup run: an unwritable target, a full disk (a 1 MiB tmpfs), missing tools (PATH
// without pg_dump): a clear error and nothing left that looks like a complete backup.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <fstream>
#include <random>

#include "backup/run.hpp"
#include "backup/store.hpp"
#include "backup_fixtures.hpp"
#include "common/error.hpp"
#include "real/harness/postgres_server.hpp"

using namespace rehome;
using namespace rehome::backup;
using rehome::test::TempDir;
namespace fs = std::filesystem;

namespace {

std::string error_of(const RunOptions& o) {
  try {
    run_backup(o);
  } catch (const UserError& e) {
    return std::string(e.what()) + " | " + e.hint();
  }
  return "";
}

void random_file(const fs::path& file, size_t bytes) {
  fs::create_directories(file.parent_path());
  std::mt19937 rng(42);
  std::ofstream out(file, std::ios::binary);
  for (size_t i = 0; i < bytes; ++i) out.put(static_cast<char>(rng()));
}

// Nothing in `dest` looks like a backup: no backup folder, no manifest, no sealed artefact.
void expect_nothing_complete(const fs::path& dest) {
  std::error_code ec;
  if (!fs::exists(dest, ec)) return;
  EXPECT_TRUE(list_backups(dest).empty());
  for (const auto& e : fs::recursive_directory_iterator(dest, ec))
    ADD_FAILURE() << "left behind: " << e.path();
}

}  // namespace

TEST(BackupBadInput, UnwritableTargetIsNamed) {
  TempDir tmp("unwritable");
  test::write_text(tmp / "volume/a.txt", "a\n");
  test::write_text(tmp / "not-a-folder", "x");
  RunOptions o;
  o.sources = {{"volume", (tmp / "volume").string()}};
  o.dest = tmp / "not-a-folder" / "backups";
  auto err = error_of(o);
  EXPECT_NE(err.find("cannot create backup destination " + o.dest.string()), std::string::npos) << err;
}

TEST(BackupBadInput, FullDiskLeavesNoPartialArtefact) {
  TempDir tmp("full");
  fs::create_directories(tmp / "small");
  if (::mount("tmpfs", (tmp / "small").c_str(), "tmpfs", 0, "size=1m") != 0)
    GTEST_SKIP() << "cannot mount a tmpfs here (needs CAP_SYS_ADMIN)";
  struct Unmount {
    fs::path p;
    ~Unmount() { ::umount2(p.c_str(), MNT_DETACH); }
  } unmount{tmp / "small"};
  random_file(tmp / "volume/big.bin", 3 << 20);  // incompressible, 3x the disk
  RunOptions o;
  o.sources = {{"volume", (tmp / "volume").string()}};
  o.dest = tmp / "small";
  auto err = error_of(o);
  EXPECT_NE(err.find("No space left"), std::string::npos) << err;
  EXPECT_NE(err.find("the backup disk is full"), std::string::npos) << err;
  expect_nothing_complete(tmp / "small");
}

TEST(BackupBadInput, MissingPgDumpIsNamedAndNothingIsLeft) {
  test::PostgresServer pg;
  TempDir tmp("nopgdump");
  fs::create_directories(tmp / "empty-bin");
  RunOptions o;
  o.sources = {{"postgres", pg.url("postgres")}};
  o.dest = tmp / "dest";
  std::string err;
  {
    test::ScopedEnv path("PATH", (tmp / "empty-bin").string());
    err = error_of(o);
  }
  EXPECT_NE(err.find("pg_dump not found on PATH"), std::string::npos) << err;
  EXPECT_NE(err.find("apt-get install postgresql-client"), std::string::npos) << err;
  expect_nothing_complete(tmp / "dest");
}

TEST(BackupBadInput, UnreachableDatabaseIsNamedWithoutItsPassword) {
  TempDir tmp("unreachable");
  RunOptions o;
  o.sources = {{"postgres", "postgresql://app:topsecret@127.0.0.1:1/app?connect_timeout=2"}};
  o.dest = tmp / "dest";
  auto err = error_of(o);
  EXPECT_NE(err.find("cannot connect to PostgreSQL at postgresql://app:***@127.0.0.1:1/app"),
            std::string::npos)
      << err;
  EXPECT_EQ(err.find("topsecret"), std::string::npos);
  expect_nothing_complete(tmp / "dest");
}
