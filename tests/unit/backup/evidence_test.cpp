// The backup run's evidence: to_json, then *_from_json, gives the same JSON back.
#include <gtest/gtest.h>

#include "backup/evidence.hpp"
#include "common/error.hpp"

namespace rehome::backup {
namespace {

TEST(BackupEvidence, FolderRunRoundTrips) {
  RunResult r;
  r.manifest.id = "20261207T031500Z";
  r.dir = "/srv/backups/20261207T031500Z";
  r.manifest.artefacts.push_back({"postgres-old-5432-shop.dump",
                                  "postgres",
                                  "postgres://old/shop",
                                  4096,
                                  0,
                                  std::string(64, 'a'),
                                  "shop",
                                  {}});
  r.manifest.artefacts.push_back(
      {"redis-old-6379.rdb", "redis", "redis://old:6379", 100, 0, std::string(64, 'b')});
  r.offsite = OffsiteResult{1, 2, 3, 4196};
  auto j = to_json(r);
  EXPECT_EQ(j["kind"], "rehome.backup");
  EXPECT_EQ(j["format"], 1);
  EXPECT_EQ(j["bytes"], 4196);
  EXPECT_EQ(to_json(backup_run_from_json(j)), j);
  r.offsite.reset();
  EXPECT_EQ(to_json(backup_run_from_json(to_json(r))), to_json(r));
}

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
  EXPECT_THROW(backup_run_from_json(j), UserError);
}

}  // namespace
}  // namespace rehome::backup
