#include <gtest/gtest.h>

#include "backup/audit.hpp"
#include "backup/run.hpp"
#include "backup/schedule.hpp"
#include "backup/survey.hpp"
#include "common/error.hpp"

using namespace rehome;
using namespace rehome::backup;

namespace {

model::Service db(const std::string& name, const std::string& engine, std::vector<std::string> dbs = {}) {
  model::Service s;
  s.name = name;
  s.category = model::Category::database;
  s.stateful = true;
  s.data = model::DataSpec{engine, std::move(dbs), 0, std::nullopt};
  return s;
}

model::Estate estate() {
  model::Estate e;
  e.name = "wizardsofts";
  e.services.push_back(db("gibd-postgres", "postgres", {"ws_trades", "ws_news"}));
  auto replica = db("gibd-postgres-replica", "postgres");
  replica.data->replica_of = "gibd-postgres";
  e.services.push_back(replica);
  e.services.push_back(db("redis", "redis"));
  e.services.push_back(db("mailcow-mysql", "mariadb", {"mailcow"}));
  model::Service gitlab;
  gitlab.name = "gitlab";
  gitlab.stateful = true;
  gitlab.volumes.push_back({"gitlab-data", "/var/opt/gitlab"});
  gitlab.volumes.push_back({"gitlab-config", "/etc/gitlab"});
  e.services.push_back(gitlab);
  e.backup.volumes = {"gitlab-data"};
  return e;
}

const AuditItem& item(const AuditReport& r, const std::string& subject_prefix) {
  for (const auto& i : r.items)
    if (i.subject.starts_with(subject_prefix)) return i;
  throw std::runtime_error("no audit item " + subject_prefix);
}

}  // namespace

TEST(Audit, NoTargetsMeansNoBackupAnywhere) {
  auto r = audit_backups(estate());
  EXPECT_EQ(r.failing(), static_cast<int>(r.items.size()));
  ASSERT_FALSE(r.notes.empty());
  EXPECT_NE(r.notes[0].find("no backup targets"), std::string::npos);
}

TEST(Audit, LocalPlusCloudOffsiteMeets321) {
  auto e = estate();
  e.backup.targets = {{"local", "local", "disk", "/srv/backups"}, {"hetzner", "offsite", "cloud", "s3://x"}};
  auto r = audit_backups(e);
  const auto& pg = item(r, "gibd-postgres (postgres: ws_trades, ws_news)");
  EXPECT_TRUE(pg.meets_321()) << pg.verdict;
  EXPECT_EQ(pg.copies, 3);
  EXPECT_EQ(pg.media, 2);
  EXPECT_EQ(pg.replicas, std::vector<std::string>{"gibd-postgres-replica"});
  EXPECT_NE(pg.verdict.find("meets 3-2-1"), std::string::npos);
  EXPECT_NE(pg.verdict.find("not against deletion"), std::string::npos);
  EXPECT_TRUE(item(r, "redis").meets_321());
  // mariadb is dumped (mariadb-dump into restic) and counted like the others; mongo is not.
  EXPECT_TRUE(item(r, "mailcow-mysql").meets_321());
  auto with_mongo = e;
  with_mongo.services.push_back(db("mongo", "mongo"));
  const auto& mongo = item(audit_backups(with_mongo), "mongo");
  EXPECT_FALSE(mongo.backed_up);
  EXPECT_NE(mongo.verdict.find("cannot dump mongo"), std::string::npos);
  EXPECT_TRUE(item(r, "volume gitlab-data").meets_321());
  EXPECT_FALSE(item(r, "volume gitlab-config").backed_up);
  EXPECT_NE(item(r, "volume gitlab-config").verdict.find("add it to backup.volumes"), std::string::npos);
  ASSERT_EQ(r.replicas.size(), 1u);
  EXPECT_EQ(r.replicas[0], "gibd-postgres-replica streams from gibd-postgres");
}

TEST(Audit, TwoLocalDisksAreOneMediumAndNotOffsite) {
  auto e = estate();
  e.backup.targets = {{"a", "local", "disk", "/srv/a"}, {"b", "local", "disk", "/srv/b"}};
  const auto& pg = item(audit_backups(e), "gibd-postgres");
  EXPECT_EQ(pg.copies, 3);
  EXPECT_EQ(pg.media, 1);
  EXPECT_FALSE(pg.meets_321());
  EXPECT_NE(pg.verdict.find("a second medium"), std::string::npos);
  EXPECT_NE(pg.verdict.find("an off-site copy"), std::string::npos);
}

// A survey counts a target only where its repository answered with a recent restore-tested snapshot.
Survey survey_of(std::int64_t now) {
  Survey s;
  s.now = now;
  s.max_age_seconds = 26 * 3600;
  TargetSeen local;
  local.target = "local";
  local.repository = "/srv/backups";
  local.state = "ok";
  for (const auto* svc : {"gibd-postgres", "redis", "gitlab-data"}) {
    local.newest[svc] = now - 3600;
    local.proven[svc] = now - 3600;
  }
  TargetSeen cloud = local;
  cloud.target = "hetzner";
  cloud.repository = "sftp:backup@offsite:/srv/restic";
  s.targets = {local, cloud};
  return s;
}

TEST(Audit, SurveyCountsOnlyProvenRecentCopiesAndNamesTheRest) {
  auto e = estate();
  e.backup.targets = {{"local", "local", "disk", "/srv/backups"},
                      {"hetzner", "offsite", "cloud", "backup@offsite:/srv/restic"}};
  const std::int64_t now = 1'800'000'000;
  auto all = survey_of(now);
  auto r = audit_backups(e, &all);
  EXPECT_TRUE(r.surveyed);
  EXPECT_TRUE(item(r, "gibd-postgres").meets_321()) << item(r, "gibd-postgres").verdict;
  EXPECT_TRUE(item(r, "volume gitlab-data").meets_321());

  // The off-site host does not answer: named, not counted, verdict "not 3-2-1".
  auto down = survey_of(now);
  down.targets[1].state = "unreachable";
  down.targets[1].reason = "ssh: connect to host offsite port 22: Connection refused";
  down.targets[1].newest.clear();
  down.targets[1].proven.clear();
  r = audit_backups(e, &down);
  const auto& pg = item(r, "gibd-postgres");
  EXPECT_FALSE(pg.meets_321());
  EXPECT_EQ(pg.copies, 2);
  EXPECT_FALSE(pg.offsite);
  EXPECT_NE(pg.verdict.find("not 3-2-1"), std::string::npos) << pg.verdict;
  EXPECT_NE(pg.verdict.find("hetzner: unreachable"), std::string::npos) << pg.verdict;
  ASSERT_FALSE(r.notes.empty());
  EXPECT_NE(
      r.notes.back().find("target hetzner is unreachable at sftp:backup@offsite:/srv/restic: ssh: connect"),
      std::string::npos);

  // Snapshots without a restore test, a stale one, and a repository that holds nothing of a service.
  auto weak = survey_of(now);
  weak.targets[1].proven.erase("gibd-postgres");
  weak.targets[1].proven["redis"] = now - 3 * 86400;
  weak.targets[1].newest.erase("gitlab-data");
  weak.targets[1].proven.erase("gitlab-data");
  r = audit_backups(e, &weak);
  EXPECT_NE(item(r, "gibd-postgres").verdict.find("none a restore test proved"), std::string::npos);
  EXPECT_NE(item(r, "redis").verdict.find("old (more than"), std::string::npos) << item(r, "redis").verdict;
  EXPECT_NE(item(r, "volume gitlab-data").verdict.find("hetzner: holds no snapshot of gitlab-data"),
            std::string::npos);
  for (const auto* subject : {"gibd-postgres", "redis", "volume gitlab-data"})
    EXPECT_FALSE(item(r, subject).meets_321()) << subject;
}

TEST(Audit, ResticLocationsOfDeclaredTargets) {
  EXPECT_EQ(restic_location("/srv/backups"), "/srv/backups");
  EXPECT_EQ(restic_location("backup@nas:/srv/restic"), "sftp:backup@nas:/srv/restic");
  EXPECT_EQ(restic_location("hppavilion:/mnt/data/backups"), "sftp:hppavilion:/mnt/data/backups");
  EXPECT_EQ(restic_location("sftp:u@h:/r"), "sftp:u@h:/r");
  EXPECT_EQ(restic_location("rest:http://127.0.0.1:8000/r"), "rest:http://127.0.0.1:8000/r");
  EXPECT_EQ(restic_location("s3://bucket"), std::nullopt);
  EXPECT_EQ(restic_location("nas"), std::nullopt);
}

TEST(Sources, EstateDatabasesByServiceNameSkippingReplicas) {
  auto e = estate();
  e.services.push_back(db("shop-db", "mysql", {"shop"}));
  e.backup.volumes.push_back("/srv/uploads");
  auto sources = sources_from_estate(e, "unix:///run/docker.sock");
  std::vector<std::string> targets;
  for (const auto& s : sources)
    targets.push_back(s.kind + " " + s.target + (s.engine.empty() ? "" : " on " + s.engine));
  EXPECT_EQ(targets,
            (std::vector<std::string>{
                "postgres postgresql://gibd-postgres:5432/ws_trades",
                "postgres postgresql://gibd-postgres:5432/ws_news", "redis redis://redis:6379",
                "mariadb mariadb://mailcow-mysql:3306/mailcow", "mariadb mariadb://shop-db:3306/shop",
                "volume gitlab-data on unix:///run/docker.sock", "volume /srv/uploads"}));
  EXPECT_EQ(source_from_url("mysql://x/app").kind, "mariadb");
  EXPECT_THROW(source_from_url("mongodb://x"), UserError);
}

TEST(Schedule, SystemdTimerAndOneshotService) {
  ScheduleOptions o;
  o.schedule = "03:30";
  o.estate_file = "/etc/rehome/estate.yaml";
  o.estate_name = "wizardsofts";
  o.repositories = {"/srv/restic", "sftp:backup@offsite:/srv/restic"};
  o.restore_urls = {"postgresql://verify@127.0.0.1:5433/postgres", "mariadb://root@127.0.0.1:3307"};
  auto files = render_systemd(o);
  ASSERT_EQ(files.size(), 2u);
  const auto& timer = files.at("rehome-backup.timer");
  EXPECT_NE(timer.find("OnCalendar=*-*-* 03:30:00\n"), std::string::npos);
  EXPECT_NE(timer.find("Persistent=true"), std::string::npos);
  const auto& service = files.at("rehome-backup.service");
  EXPECT_NE(service.find("Type=oneshot"), std::string::npos);
  EXPECT_NE(
      service.find("ExecStart=/usr/local/bin/rehome backup run /etc/rehome/estate.yaml --repo /srv/restic "
                   "--repo sftp:backup@offsite:/srv/restic\n"),
      std::string::npos)
      << service;
  EXPECT_NE(
      service.find("backup verify --max-age 26h --estate wizardsofts --restore-url "
                   "postgresql://verify@127.0.0.1:5433/postgres --restore-url mariadb://root@127.0.0.1:3307"),
      std::string::npos)
      << service;
  EXPECT_NE(service.find("backup prune --keep-daily 7 --keep-weekly 4 --keep-monthly 6 --keep-yearly 0 "
                         "--estate wizardsofts --repo /srv/restic"),
            std::string::npos);
  EXPECT_NE(service.find("EnvironmentFile=-/etc/rehome/backup.env"), std::string::npos);
}

TEST(Schedule, SwarmServiceSleepsUntilTheTime) {
  ScheduleOptions o;
  o.server = "hppavilion";
  o.repositories = {"/srv/restic"};
  auto files = render_swarm(o);
  const auto& stack = files.at("rehome-backup-stack.yml");
  EXPECT_NE(stack.find("date -d 'today 03:00'"), std::string::npos);
  EXPECT_NE(stack.find("node.hostname == hppavilion"), std::string::npos);
  EXPECT_NE(stack.find("$$(date +%s)"), std::string::npos);  // a literal $ in a stack file
  EXPECT_NE(stack.find("rehome backup run --repo /srv/restic"), std::string::npos);
  EXPECT_NE(stack.find("      - /srv/restic:/srv/restic\n"), std::string::npos);  // the local repository
  o.schedule = "every night";
  EXPECT_THROW(render_swarm(o), UserError);
  EXPECT_THROW(parse_daily_time("25:00"), UserError);
  EXPECT_EQ(parse_daily_time("7:05"), (std::pair<int, int>{7, 5}));
}

TEST(Schedule, EveryTargetIsARepositoryTheJobWritesTo) {
  model::BackupSettings settings;
  settings.targets = {{"local", "local", "disk", "hppavilion:/mnt/data/backups"},
                      {"hetzner", "offsite", "cloud", "wizardsofts@178.63.44.221:/backup"}};
  ScheduleOptions o;
  apply_targets(o, settings);
  EXPECT_EQ(o.server, "hppavilion");  // the local disk of the server the job is placed on
  EXPECT_EQ(o.repositories,
            (std::vector<std::string>{"/mnt/data/backups", "sftp:wizardsofts@178.63.44.221:/backup"}));
  auto jobs = job_commands(o);
  ASSERT_EQ(jobs.size(), 3u);  // run, verify, prune: each over every repository
  for (const auto& job : jobs) EXPECT_EQ(job.back(), "sftp:wizardsofts@178.63.44.221:/backup");
  EXPECT_NE(
      render_systemd(o).at("rehome-backup.service").find("--repo sftp:wizardsofts@178.63.44.221:/backup"),
      std::string::npos);
  EXPECT_NE(
      render_swarm(o).at("rehome-backup-stack.yml").find("--repo sftp:wizardsofts@178.63.44.221:/backup"),
      std::string::npos);
  settings.targets.push_back({"usb", "offsite", "disk", "/mnt/usb"});
  ScheduleOptions with_usb;
  apply_targets(with_usb, settings);
  EXPECT_EQ(with_usb.repositories.back(), "/mnt/usb");
  settings.targets.push_back({"s3", "offsite", "cloud", "s3://bucket"});
  EXPECT_THROW(apply_targets(with_usb, settings), UserError);
  EXPECT_THROW(job_commands(ScheduleOptions{}), UserError);
}
