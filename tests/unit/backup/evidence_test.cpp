// The backup run's evidence: to_json, then *_from_json, gives the same JSON back.
#include <gtest/gtest.h>

#include "backup/evidence.hpp"
#include "common/error.hpp"

namespace rehome::backup {
namespace {

TEST(BackupEvidence, ResticRunRoundTrips) {
  RepoRunResult r;
  StoredSnapshot s;
  s.repository = "sftp:backup@10.0.0.9:/r";
  s.service = "shop-postgres";
  s.kind = "postgres";
  s.artefact = {"shop.dump", "postgres", "postgres://old/shop", 4096, 0, std::string(64, 'c')};
  s.summary.snapshot_id = "4f2a9c1e";
  s.summary.data_added = 2048;
  r.stored.push_back(s);
  r.failures.push_back("/srv/restic: restic backup failed");
  auto j = to_json(r);
  EXPECT_EQ(j["kind"], "rehome.backup.restic");
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(to_json(repo_run_from_json(j)), j);
  auto other = j;
  other["kind"] = "rehome.backup";  // the folder format's kind, gone with the folder store
  EXPECT_THROW(repo_run_from_json(other), UserError);
}

}  // namespace
}  // namespace rehome::backup
