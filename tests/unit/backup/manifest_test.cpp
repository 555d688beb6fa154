#include <gtest/gtest.h>

#include "backup/artefacts.hpp"
#include "backup/manifest.hpp"
#include "backup/metrics.hpp"
#include "common/error.hpp"
#include "common/sha256.hpp"

using namespace rehome;
using namespace rehome::backup;

TEST(Manifest, RoundTripsThroughJson) {
  Manifest m;
  m.id = backup_id_for(1795000000);
  m.time = 1795000000;
  m.estate = "wizardsofts";
  m.host = "hppavilion";
  m.artefacts.push_back({"postgres-127.0.0.1-5432-app.dump",
                         "postgres",
                         "postgresql://app:***@127.0.0.1:5432/app",
                         1234,
                         1795000001,
                         std::string(64, 'a'),
                         "app",
                         {{"public.t", 42}}});
  m.artefacts.push_back(
      {"volume-data.tar.gz", "volume", "/srv/data", 99, 1795000002, std::string(64, 'b'), "", {}});
  auto back = manifest_from_json(manifest_to_json(m), "manifest.json");
  EXPECT_EQ(back.id, m.id);
  EXPECT_EQ(back.time, m.time);
  ASSERT_EQ(back.artefacts.size(), 2u);
  EXPECT_EQ(back.artefacts[0].row_counts.at("public.t"), 42);
  EXPECT_EQ(back.artefacts[0].database, "app");
  EXPECT_EQ(back.total_bytes(), 1333);
  EXPECT_NE(back.find("volume-data.tar.gz"), nullptr);
}

TEST(Manifest, DamagedManifestNamesTheFile) {
  try {
    manifest_from_json("{\"format\": \"rehome-backup/1\", \"id\": 3", "/b/x/manifest.json");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("/b/x/manifest.json"), std::string::npos);
  }
  EXPECT_THROW(manifest_from_json(R"({"format":"rehome-backup/1","id":"x","unix_time":1,"artefacts":[)"
                                  R"({"name":"../etc/passwd","kind":"volume","size":1,"sha256":"x"}]})",
                                  "m.json"),
               UserError);
}

TEST(Manifest, BackupIdsAreUtcTimestamps) {
  EXPECT_EQ(backup_id_for(0), "19700101T000000Z");
  EXPECT_EQ(time_from_backup_id("20280229T033000Z"), std::optional<std::int64_t>(1835407800));
  EXPECT_FALSE(time_from_backup_id("latest"));
  EXPECT_EQ(iso_utc(86400), "1970-01-02T00:00:00Z");
}

TEST(Sha256, KnownVector) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(SafeName, FileNameSafe) {
  EXPECT_EQ(safe_name("postgres-10.0.0.80-5432-my db"), "postgres-10.0.0.80-5432-my-db");
}

TEST(Metrics, TextfileHasTheNamesTheAlertsUse) {
  BackupMetrics m;
  m.labels = {{"estate", "wizardsofts"}, {"dest", "/srv/\"b\""}};
  m.last_success_time = 1795000000;
  m.bytes = 2048;
  m.last_exit_code = 0;
  m.last_check_time = 1795000100;
  auto text = render_backup_metrics(m);
  EXPECT_NE(text.find("# TYPE backup_last_success_timestamp gauge\n"), std::string::npos);
  EXPECT_NE(
      text.find("backup_last_success_timestamp{dest=\"/srv/\\\"b\\\"\",estate=\"wizardsofts\"} 1795000000\n"),
      std::string::npos);
  EXPECT_NE(text.find("backup_last_exit_code{"), std::string::npos);
  EXPECT_NE(text.find("backup_bytes{dest=\"/srv/\\\"b\\\"\",estate=\"wizardsofts\"} 2048\n"),
            std::string::npos);
  m.last_success_time.reset();
  EXPECT_EQ(render_backup_metrics(m).find("backup_last_success_timestamp{"), std::string::npos);
  auto mirror =
      render_mirror_metrics({{"app", 1795000000, true}, {"web", std::nullopt, false}}, "/srv/mirror");
  EXPECT_NE(
      mirror.find("git_mirror_last_sync_timestamp{remote=\"/srv/mirror\",repository=\"app\"} 1795000000"),
      std::string::npos);
  EXPECT_NE(mirror.find("git_mirror_last_exit_code{remote=\"/srv/mirror\",repository=\"web\"} 1"),
            std::string::npos);
}

TEST(Metrics, SeveralRepositoriesInOneTextfileEachFamilyOnce) {
  BackupMetrics local{{{"target", "/srv/restic"}}, 1800000000, 0, 1000, 1800000100};
  BackupMetrics offsite{{{"target", "sftp:b@h:/r"}}, std::nullopt, 1, 0, 1800000100};
  auto text = render_backup_metrics(std::vector{local, offsite});
  auto count = [&](const std::string& needle) {
    size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("# TYPE backup_last_exit_code gauge"), 1u);
  EXPECT_NE(text.find("backup_last_exit_code{target=\"/srv/restic\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("backup_last_exit_code{target=\"sftp:b@h:/r\"} 1\n"), std::string::npos) << text;
  // Never verified off-site: no success sample for it (BackupStale / MetricsMissing see that).
  EXPECT_EQ(count("backup_last_success_timestamp{"), 1u);
}
