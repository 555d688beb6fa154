// The one parser of backup target locations, read by `backup schedule` and `backup audit` alike.
#include <gtest/gtest.h>

#include "backup/schedule.hpp"
#include "backup/survey.hpp"
#include "backup/target_location.hpp"

using namespace rehome::backup;
using Kind = TargetLocation::Kind;

TEST(TargetLocation, ReadsEveryForm) {
  auto folder = parse_target_location("/srv/restic");
  EXPECT_EQ(folder.kind, Kind::folder);
  EXPECT_EQ(folder.repository, "/srv/restic");

  auto with_user = parse_target_location("backup@nas:/srv/restic");
  EXPECT_EQ(with_user.kind, Kind::ssh);
  EXPECT_EQ(with_user.user, "backup");
  EXPECT_EQ(with_user.host, "nas");
  EXPECT_EQ(with_user.path, "/srv/restic");
  EXPECT_EQ(with_user.repository, "sftp:backup@nas:/srv/restic");

  auto no_user = parse_target_location("hppavilion:/mnt/data/backups");
  EXPECT_EQ(no_user.kind, Kind::ssh);
  EXPECT_EQ(no_user.user, "");
  EXPECT_EQ(no_user.host, "hppavilion");
  EXPECT_EQ(no_user.repository, "sftp:hppavilion:/mnt/data/backups");

  auto sftp = parse_target_location("sftp:u@h:/r");
  EXPECT_EQ(sftp.kind, Kind::ssh);
  EXPECT_EQ(sftp.host, "h");
  EXPECT_EQ(sftp.repository, "sftp:u@h:/r");

  auto rest = parse_target_location("rest:http://127.0.0.1:8000/r");
  EXPECT_EQ(rest.kind, Kind::backend);
  EXPECT_EQ(rest.repository, "rest:http://127.0.0.1:8000/r");
  EXPECT_EQ(parse_target_location("local:/srv/r").repository, "/srv/r");

  for (const char* bad : {"s3://bucket", "nas", "relative/path", ":/x", "sftp://u@h/r", ""}) {
    auto t = parse_target_location(bad);
    EXPECT_EQ(t.kind, Kind::invalid) << bad;
    EXPECT_TRUE(t.repository.empty()) << bad;
    EXPECT_FALSE(t.reason.empty()) << bad;
    EXPECT_EQ(restic_location(bad), std::nullopt) << bad;
  }
}

TEST(TargetLocation, AUserlessHostIsItsOwnFolderOnlyOnThatMachine) {
  auto t = parse_target_location("hppavilion:/mnt/data/backups");
  EXPECT_EQ(t.repository_from("hppavilion"), "/mnt/data/backups");
  EXPECT_EQ(t.repository_from("HPPavilion.lan"), "/mnt/data/backups");
  EXPECT_EQ(t.repository_from("gmktec"), "sftp:hppavilion:/mnt/data/backups");
  EXPECT_EQ(t.repository_from(""), "sftp:hppavilion:/mnt/data/backups");
  // A user means ssh as that user, even to itself; an address is compared whole.
  EXPECT_EQ(parse_target_location("backup@hppavilion:/b").repository_from("hppavilion"),
            "sftp:backup@hppavilion:/b");
  EXPECT_EQ(parse_target_location("10.0.0.80:/b").repository_from("10"), "sftp:10.0.0.80:/b");
  EXPECT_EQ(parse_target_location("10.0.0.80:/b").repository_from("10.0.0.80"), "/b");
}

// Issue 23's item: schedule and audit read a `host:/path` target without a user the same way. The job's
// repositories (schedule, placed on its server) are exactly what the audit opens from that server, and
// from any other machine the audit opens the same repository over sftp.
TEST(TargetLocation, ScheduleWritesWhatAuditOpens) {
  rehome::model::BackupSettings settings;
  settings.targets = {{"local", "local", "disk", "hppavilion:/mnt/data/backups"},
                      {"nas", "local", "nas", "nas:/srv/restic"},
                      {"hetzner", "offsite", "cloud", "wizardsofts@178.63.44.221:/backup"},
                      {"rest", "offsite", "cloud", "rest:http://10.0.0.9:8000/wizardsofts"}};
  ScheduleOptions o;
  apply_targets(o, settings);
  EXPECT_EQ(o.server, "hppavilion");
  EXPECT_EQ(o.repositories, (std::vector<std::string>{"/mnt/data/backups", "sftp:nas:/srv/restic",
                                                      "sftp:wizardsofts@178.63.44.221:/backup",
                                                      "rest:http://10.0.0.9:8000/wizardsofts"}));
  std::vector<std::string> audit_on_server, audit_elsewhere;
  for (const auto& t : settings.targets) {
    audit_on_server.push_back(parse_target_location(t.location).repository_from(o.server));
    audit_elsewhere.push_back(parse_target_location(t.location).repository_from("laptop"));
  }
  EXPECT_EQ(audit_on_server, o.repositories);
  EXPECT_EQ(audit_elsewhere[0], "sftp:hppavilion:/mnt/data/backups");  // the same folder, over ssh

  // --server places the job elsewhere: hppavilion's disk is then reached over sftp, nas's is local.
  ScheduleOptions on_nas;
  on_nas.server = "nas";
  apply_targets(on_nas, settings);
  EXPECT_EQ(on_nas.repositories[0], "sftp:hppavilion:/mnt/data/backups");
  EXPECT_EQ(on_nas.repositories[1], "/srv/restic");
  auto unit = render_systemd(on_nas).at("rehome-backup.service");
  EXPECT_NE(unit.find("# Install on nas"), std::string::npos) << unit;
  EXPECT_NE(unit.find("--repo sftp:hppavilion:/mnt/data/backups"), std::string::npos);
  EXPECT_EQ(render_swarm(on_nas).at("rehome-backup-stack.yml").find("docker.sock"), std::string::npos);
  settings.volumes = {"gitlab-data"};  // read through the engine: the Swarm job needs its socket
  ScheduleOptions with_volume;
  apply_targets(with_volume, settings);
  EXPECT_NE(render_swarm(with_volume)
                .at("rehome-backup-stack.yml")
                .find("/var/run/docker.sock:/var/run/docker.sock"),
            std::string::npos);
}
