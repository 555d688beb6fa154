// A synthetic year of daily snapshots in a real restic repository (with month ends, the leap day
// 2028-02-29, both DST changes of Europe/Berlin, two backups on some days, a few missing days), pruned
// 7/4/6 by `backup prune` (forget_repository): it keeps exactly what `restic forget --keep-daily 7
// --keep-weekly 4 --keep-monthly 6` keeps, plus the newest verified snapshot (--keep-tag verified) even
// when it is months old, and the calendar edges land where they should.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "backup/repository.hpp"
#include "backup_fixtures.hpp"
#include "common/atomic_file.hpp"
#include "common/process.hpp"

using namespace rehome;
using namespace rehome::backup;
using rehome::test::TempDir;
namespace fs = std::filesystem;

namespace {

struct Moment {
  std::string local;  // "YYYY-MM-DD HH:MM:SS" in Europe/Berlin, as given to restic --time
  std::int64_t unix = 0;
};

using test::local_unix;

// 2027-07-31 .. 2028-07-30 at 00:30 local (the previous day in UTC, so UTC bucketing would be caught),
// plus a 23:45 backup on some days, minus a few days.
std::vector<Moment> timeline() {
  std::vector<Moment> out;
  std::int64_t day = local_unix(2027, 7, 31, 12, 0);
  for (int i = 0; i < 366; ++i, day += 86400) {
    std::time_t t = static_cast<std::time_t>(day);
    std::tm tm{};
    localtime_r(&t, &tm);  // noon: the right calendar day whatever DST does
    int y = tm.tm_year + 1900, mo = tm.tm_mon + 1, d = tm.tm_mday;
    if ((mo == 6 && d == 14) || (mo == 7 && d == 26) || (mo == 1 && d == 7)) continue;  // missed days
    out.push_back({fmt::format("{:04}-{:02}-{:02} 00:30:00", y, mo, d), local_unix(y, mo, d, 0, 30)});
    if (d == 1 || d == 15 || d == 29 || (mo == 7 && d == 28))
      out.push_back({fmt::format("{:04}-{:02}-{:02} 23:45:00", y, mo, d), local_unix(y, mo, d, 23, 45)});
  }
  return out;
}

ProcessOptions restic_env(const fs::path& work) {
  ProcessOptions env;
  env.env = {{"RESTIC_PASSWORD_FILE", (work / "password").string()},
             {"RESTIC_REPOSITORY", (work / "repo").string()},
             {"RESTIC_CACHE_DIR", (work / "cache").string()},
             {"TZ", "Europe/Berlin"}};
  return env;
}

// A repository holding one rehome-tagged snapshot per moment.
void build_year(const std::vector<Moment>& moments, const fs::path& work) {
  auto env = restic_env(work);
  test::write_text(work / "password", "local-test-only\n");
  test::write_text(work / "data/file", "tiny\n");
  auto init = run_process({"restic", "init", "--quiet"}, env);
  if (!init.ok()) throw std::runtime_error("restic init: " + init.err);
  // restic takes a non-exclusive lock for backup: two at a time halves the wall time on 2 cores.
  std::vector<std::thread> workers;
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::string failure;
  std::mutex mu;
  for (int w = 0; w < 2; ++w) {
    workers.emplace_back([&] {
      for (size_t i = next++; i < moments.size() && !failed; i = next++) {
        auto r = run_process({"restic", "backup", "--quiet", "--host", "h", "--tag", "rehome", "--tag",
                              "estate=year", "--time", moments[i].local, (work / "data").string()},
                             env);
        if (!r.ok()) {
          std::lock_guard lock(mu);
          failed = true;
          failure = r.err;
        }
      }
    });
  }
  for (auto& t : workers) t.join();
  if (failed) throw std::runtime_error("restic backup: " + failure);
}

// What restic itself keeps for the policy (no keep-tag), as unix times.
std::set<std::int64_t> restic_keeps(const fs::path& work) {
  auto env = restic_env(work);
  auto forget = run_process({"restic", "forget", "--keep-daily", "7", "--keep-weekly", "4", "--keep-monthly",
                             "6", "--dry-run", "--json"},
                            env);
  if (!forget.ok()) throw std::runtime_error("restic forget: " + forget.err);
  auto doc = nlohmann::json::parse(forget.out);
  std::set<std::int64_t> kept;
  for (const auto& group : doc) {
    for (const auto& snap : group.at("keep")) {
      kept.insert(parse_restic_time(snap.at("time").get<std::string>()));  // "2028-07-30T00:30:00+02:00"
    }
  }
  return kept;
}

}  // namespace

TEST(PruneYear, ForgetKeepsResticsSetPlusTheNewestVerified) {
  test::ScopedEnv tz("TZ", "Europe/Berlin");
  TempDir tmp("prune");
  auto moments = timeline();
  ASSERT_GT(moments.size(), 360u);
  auto started = std::chrono::steady_clock::now();
  build_year(moments, tmp.path());
  auto secs =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started).count();
  std::cout << "restic: " << moments.size() << " snapshots in " << secs << " s\n";
  Repository repo{(tmp / "repo").string(), tmp / "password", tmp / "cache", {}};
  Restic restic(repo);

  // The newest verified snapshot is months old (every later one failed its restore test, say).
  std::int64_t verified_time = local_unix(2027, 9, 10, 0, 30);
  std::string verified_id;
  for (const auto& s : restic.snapshots({"rehome"}))
    if (s.time == verified_time) verified_id = s.id;
  ASSERT_FALSE(verified_id.empty());
  restic.tag({verified_id}, {verified_tag}, {});

  auto theirs = restic_keeps(tmp.path());
  auto dry = forget_repository(repo, "year", {7, 4, 6, 0}, true);
  std::set<std::int64_t> ours;
  for (const auto& s : dry.keep) ours.insert(s.time);
  EXPECT_EQ(dry.keep.size() + dry.remove.size(), moments.size());
  auto expected = theirs;
  expected.insert(verified_time);
  EXPECT_EQ(ours, expected);
  EXPECT_EQ(theirs.count(verified_time), 0u);  // only --keep-tag verified keeps it
  // Calendar edges: the leap day is the newest of February 2028; 2028-07-28 had two backups, the later
  // kept; 2028-07-26 had none, so the daily rule reaches back to 2028-07-23.
  EXPECT_TRUE(ours.count(local_unix(2028, 2, 29, 23, 45)));
  EXPECT_TRUE(ours.count(local_unix(2028, 7, 28, 23, 45)));
  EXPECT_FALSE(ours.count(local_unix(2028, 7, 28, 0, 30)));
  EXPECT_TRUE(ours.count(local_unix(2028, 7, 23, 0, 30)));
  EXPECT_TRUE(ours.count(local_unix(2028, 3, 31, 0, 30)));  // March, with the DST change, by its month end
  EXPECT_EQ(restic.snapshots({"rehome"}).size(), moments.size());  // a dry run removes nothing

  // The real forget --prune removes exactly the others.
  auto real = forget_repository(repo, "year", {7, 4, 6, 0}, false);
  EXPECT_EQ(real.keep.size(), ours.size());
  EXPECT_EQ(restic.snapshots({"rehome"}).size(), ours.size());
}
