#include <gtest/gtest.h>

#include "backup/mirror.hpp"
#include "backup/schedule.hpp"
#include "common/error.hpp"

using namespace rehome;
using namespace rehome::backup;

TEST(MirrorNames, EstateNamesResolveAgainstTheForge) {
  EXPECT_EQ(resolve_repository("ws-gateway", "https://gitlab.example/wizardsofts/"),
            "https://gitlab.example/wizardsofts/ws-gateway.git");
  EXPECT_EQ(resolve_repository("/srv/git/app.git", ""), "/srv/git/app.git");
  EXPECT_EQ(resolve_repository("git@gitlab.example:g/app.git", ""), "git@gitlab.example:g/app.git");
  EXPECT_THROW(resolve_repository("ws-gateway", ""), UserError);
  EXPECT_EQ(repository_name("https://gitlab.example/g/app.git"), "app");
  EXPECT_EQ(repository_name("git@gitlab.example:app.git"), "app");
  EXPECT_EQ(repository_name("/srv/git/web/"), "web");
}

TEST(MirrorNames, RemoteMustBeAUrlOrAnAbsoluteFolder) {
  EXPECT_NO_THROW(check_remote("https://github.com/wizardsofts"));
  EXPECT_NO_THROW(check_remote("git@github.com:wizardsofts"));
  EXPECT_NO_THROW(check_remote("/srv/mirrors"));
  // The example estate's "github.com/wizardsofts" would be a relative folder to git: refused.
  EXPECT_THROW(check_remote("github.com/wizardsofts"), UserError);
}

TEST(MirrorNames, SystemdScheduleAddsAnHourlyMirrorJob) {
  model::BackupSettings settings;
  settings.targets = {{"local", "local", "disk", "/srv/restic"}};
  settings.git_mirrors = {"ws-gateway"};
  settings.mirror_remote = "https://github.com/wizardsofts";
  ScheduleOptions o;
  apply_targets(o, settings);
  o.forge = "https://gitlab.example/ws";
  auto files = render_systemd(o);
  ASSERT_TRUE(files.count("rehome-mirror.timer"));
  EXPECT_NE(files.at("rehome-mirror.timer").find("OnCalendar=hourly"), std::string::npos);
  EXPECT_NE(files.at("rehome-mirror.service").find("backup mirror --forge https://gitlab.example/ws"),
            std::string::npos);
  settings.git_mirrors.clear();
  ScheduleOptions without;
  apply_targets(without, settings);
  EXPECT_FALSE(render_systemd(without).count("rehome-mirror.timer"));
}
