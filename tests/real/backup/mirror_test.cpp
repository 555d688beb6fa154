// Git mirrors between local bare repositories only: every branch and tag reaches the remote, later
// commits and deleted branches follow, and the last-sync time is written as a metric.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "backup/mirror.hpp"
#include "backup_fixtures.hpp"
#include "common/atomic_file.hpp"
#include "common/process.hpp"

using namespace rehome;
using namespace rehome::backup;
using rehome::test::TempDir;
namespace fs = std::filesystem;

namespace {

std::string git(const fs::path& dir, std::vector<std::string> args) {
  std::vector<std::string> argv = {"git",
                                   "-C",
                                   dir.string(),
                                   "-c",
                                   "user.name=t",
                                   "-c",
                                   "user.email=t@example.org",
                                   "-c",
                                   "init.defaultBranch=main"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_process(argv);
  if (!r.ok()) throw std::runtime_error("git failed: " + r.err);
  return r.out;
}

// A bare "forge" repository with one commit on main, a branch and a tag; `work` is a clone to push from.
void make_repo(const fs::path& forge, const fs::path& work, const std::string& name) {
  fs::create_directories(forge);
  git(forge, {"init", "--quiet", "--bare", name + ".git"});
  git(work.parent_path(), {"clone", "--quiet", (forge / (name + ".git")).string(), work.string()});
  test::write_text(work / "README", name + "\n");
  git(work, {"add", "README"});
  git(work, {"commit", "--quiet", "-m", "first"});
  git(work, {"branch", "feature"});
  git(work, {"tag", "v1"});
  git(work, {"push", "--quiet", "origin", "HEAD:refs/heads/main", "feature", "v1"});
}

}  // namespace

TEST(Mirror, EveryRefReachesTheRemoteAndFollowsChanges) {
  TempDir tmp("mirror");
  make_repo(tmp / "forge", tmp / "work-app", "app");
  make_repo(tmp / "forge", tmp / "work-web", "web");
  MirrorOptions o;
  o.repositories = repositories_from(tmp / "forge");
  ASSERT_EQ(o.repositories.size(), 2u);
  o.remote = (tmp / "offsite").string();
  o.cache = tmp / "cache";
  o.textfile = tmp / "mirror.prom";
  auto synced = mirror_repositories(o);
  ASSERT_EQ(synced.size(), 2u);
  EXPECT_TRUE(synced[0].ok && synced[1].ok);
  auto refs = [&](const std::string& repo) {
    return git(repo, {"for-each-ref", "--format=%(refname) %(objectname)"});
  };
  EXPECT_EQ(refs((tmp / "offsite/app.git").string()), refs((tmp / "forge/app.git").string()));
  EXPECT_NE(refs((tmp / "offsite/app.git").string()).find("refs/tags/v1"), std::string::npos);

  // A new commit and a deleted branch on the forge follow on the next run.
  test::write_text(tmp / "work-app/more", "x\n");
  git(tmp / "work-app", {"add", "more"});
  git(tmp / "work-app", {"commit", "--quiet", "-m", "second"});
  git(tmp / "work-app", {"push", "--quiet", "origin", "HEAD:refs/heads/main", ":feature"});
  synced = mirror_repositories(o);
  EXPECT_TRUE(synced[0].ok);
  auto offsite_refs = refs((tmp / "offsite/app.git").string());
  EXPECT_EQ(offsite_refs, refs((tmp / "forge/app.git").string()));
  EXPECT_EQ(offsite_refs.find("refs/heads/feature"), std::string::npos);

  auto prom = read_file(tmp / "mirror.prom");
  EXPECT_NE(prom.find(fmt::format("git_mirror_last_sync_timestamp{{remote=\"{}\",repository=\"app\"}} {}",
                                  o.remote, *synced[0].last_sync_time)),
            std::string::npos)
      << prom;
  EXPECT_NE(prom.find("git_mirror_last_exit_code{remote=\"" + o.remote + "\",repository=\"web\"} 0"),
            std::string::npos);
}

TEST(Mirror, ABrokenRepositoryFailsAloneAndKeepsItsLastSyncTime) {
  TempDir tmp("mirror-broken");
  make_repo(tmp / "forge", tmp / "work-app", "app");
  test::write_text(tmp / "list.txt", "# forge repositories\n" + (tmp / "forge/app.git").string() + "\n" +
                                         (tmp / "forge/gone.git").string() + "\n");
  MirrorOptions o;
  o.repositories = repositories_from(tmp / "list.txt");
  o.remote = (tmp / "offsite").string();
  o.cache = tmp / "cache";
  auto synced = mirror_repositories(o);
  ASSERT_EQ(synced.size(), 2u);
  EXPECT_TRUE(synced[0].ok);
  EXPECT_FALSE(synced[1].ok);
  EXPECT_FALSE(synced[1].last_sync_time);
}
