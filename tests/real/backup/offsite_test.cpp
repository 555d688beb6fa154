// Off-site copies and interrupted runs, with volume artefacts only (no servers needed).
#include <gtest/gtest.h>

#include "backup/run.hpp"
#include "backup/store.hpp"
#include "backup/verify.hpp"
#include "backup_fixtures.hpp"
#include "common/error.hpp"

using namespace rehome;
using namespace rehome::backup;
using rehome::test::TempDir;
namespace fs = std::filesystem;

namespace {

RunResult backup_volume(const TempDir& tmp) {
  test::write_text(tmp / "volume/data.txt", std::string(10000, 'x'));
  RunOptions o;
  o.sources = {{"volume", (tmp / "volume").string()}};
  o.dest = tmp / "dest";
  return run_backup(o);
}

}  // namespace

TEST(Offsite, ACopyThatDoesNotMatchTheManifestIsRefusedAndNeverLooksComplete) {
  TempDir tmp("offsite-bad");
  auto r = backup_volume(tmp);
  test::flip_byte(r.dir / r.manifest.artefacts[0].name, 20);  // the local disk rots after the backup
  try {
    copy_offsite(tmp / "dest", tmp / "offsite", [](const std::string&) {});
    FAIL() << "a damaged copy must be refused";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("does not match the manifest"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(list_backups(tmp / "offsite").empty());
  EXPECT_FALSE(fs::exists(tmp / "offsite" / r.manifest.id));
}

TEST(Offsite, OnlyNewBackupsAreCopied) {
  TempDir tmp("offsite-new");
  backup_volume(tmp);
  auto first = copy_offsite(tmp / "dest", tmp / "offsite", [](const std::string&) {});
  EXPECT_EQ(first.backups_copied, 1);
  auto again = copy_offsite(tmp / "dest", tmp / "offsite", [](const std::string&) {});
  EXPECT_EQ(again.backups_copied, 0);
  EXPECT_EQ(again.backups_already_there, 1);
  EXPECT_EQ(again.bytes_copied, 0);
}

TEST(Interrupted, APartialFolderIsNeverABackup) {
  TempDir tmp("interrupted");
  auto good = backup_volume(tmp);
  // What a run killed mid-way leaves: a ".<id>.partial" folder with a sealed artefact, no manifest.
  fs::path partial = tmp / "dest" / ".20991231T000000Z.partial";
  fs::create_directories(partial);
  fs::copy_file(good.dir / good.manifest.artefacts[0].name, partial / good.manifest.artefacts[0].name);
  auto listed = list_backups(tmp / "dest");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].manifest.id, good.manifest.id);
  EXPECT_EQ(list_partials(tmp / "dest"), std::vector<fs::path>{partial});
  VerifyOptions v;
  v.dest = tmp / "dest";
  EXPECT_EQ(verify_backup(v).backup_id, good.manifest.id);
}
