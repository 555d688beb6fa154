// A synthetic year of daily backups (with month ends, the leap day 2028-02-29, both DST changes of
// Europe/Berlin, two backups on some days, a few missing days), pruned 7/4/6; the kept set must equal
// what `restic forget --keep-daily 7 --keep-weekly 4 --keep-monthly 6` keeps for the same timeline.
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

#include "backup/manifest.hpp"
#include "backup/prune.hpp"
#include "backup/store.hpp"
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

void write_fake_backup(const fs::path& dest, const Moment& m) {
  Manifest manifest;
  manifest.id = backup_id_for(m.unix);
  manifest.time = m.unix;
  write_file_atomically(dest / manifest.id / manifest_file, manifest_to_json(manifest));
}

// Runs restic over the same timeline and returns the unix times it keeps.
std::set<std::int64_t> restic_keeps(const std::vector<Moment>& moments, const fs::path& work) {
  ProcessOptions env;
  env.env = {{"RESTIC_PASSWORD", "local-test-only"},
             {"RESTIC_REPOSITORY", (work / "repo").string()},
             {"RESTIC_CACHE_DIR", (work / "cache").string()},
             {"TZ", "Europe/Berlin"}};
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
        auto r = run_process({"restic", "backup", "--quiet", "--host", "h", "--time", moments[i].local,
                              (work / "data").string()},
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
  auto forget = run_process({"restic", "forget", "--keep-daily", "7", "--keep-weekly", "4", "--keep-monthly",
                             "6", "--dry-run", "--json"},
                            env);
  if (!forget.ok()) throw std::runtime_error("restic forget: " + forget.err);
  auto doc = nlohmann::json::parse(forget.out);
  std::set<std::int64_t> kept;
  for (const auto& group : doc) {
    for (const auto& snap : group.at("keep")) {
      // "2028-07-30T00:30:00+02:00"
      std::string text = snap.at("time").get<std::string>();
      std::tm tm{};
      strptime(text.substr(0, 19).c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
      std::int64_t local_as_utc = timegm(&tm);
      int sign = text[19] == '-' ? -1 : 1;
      int offset = text[19] == 'Z'
                       ? 0
                       : sign * (std::stoi(text.substr(20, 2)) * 3600 + std::stoi(text.substr(23, 2)) * 60);
      kept.insert(local_as_utc - offset);
    }
  }
  return kept;
}

}  // namespace

TEST(PruneYear, KeepsExactly7Weekly4Monthly6AndTheSameSetAsRestic) {
  test::ScopedEnv tz("TZ", "Europe/Berlin");
  TempDir tmp("prune");
  auto moments = timeline();
  ASSERT_GT(moments.size(), 360u);
  for (const auto& m : moments) write_fake_backup(tmp / "dest", m);

  auto dry = prune_backups(tmp / "dest", {7, 4, 6, 0}, true, [](const std::string&) {});
  EXPECT_EQ(dry.removed + dry.kept, static_cast<int>(moments.size()));
  EXPECT_EQ(list_backups(tmp / "dest").size(), moments.size());  // dry run deletes nothing
  std::map<std::string, int> per_rule;
  std::set<std::int64_t> ours;
  std::vector<std::string> kept_days;
  for (const auto& d : dry.decisions) {
    for (const auto& r : d.reasons) per_rule[r.substr(0, r.find(' '))]++;
    if (d.keep) {
      ours.insert(d.snapshot.time);
      kept_days.push_back(fmt::format("{} ({})", day_key(d.snapshot.time), fmt::join(d.reasons, ", ")));
    }
  }
  EXPECT_EQ(per_rule["daily"], 7);
  EXPECT_EQ(per_rule["weekly"], 4);
  EXPECT_EQ(per_rule["monthly"], 6);
  std::cout << "kept by 7/4/6 over " << moments.size() << " backups:\n";
  for (const auto& k : kept_days) std::cout << "  " << k << "\n";
  // Calendar edges: the leap day is the newest of February 2028; 2028-07-28 had two backups, the later kept;
  // 2028-07-26 had none, so the daily rule reaches back to 2028-07-23.
  EXPECT_TRUE(ours.count(local_unix(2028, 2, 29, 23, 45)));  // its later backup
  EXPECT_TRUE(ours.count(local_unix(2028, 7, 28, 23, 45)));
  EXPECT_FALSE(ours.count(local_unix(2028, 7, 28, 0, 30)));
  EXPECT_TRUE(ours.count(local_unix(2028, 7, 23, 0, 30)));
  EXPECT_TRUE(
      ours.count(local_unix(2028, 3, 31, 0, 30)));  // March, with the DST change, kept by its month end

  auto started = std::chrono::steady_clock::now();
  auto theirs = restic_keeps(moments, tmp.path() / "restic");
  auto secs =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started).count();
  std::cout << "restic: " << moments.size() << " snapshots and forget in " << secs << " s\n";
  EXPECT_EQ(ours, theirs);

  // The real prune removes exactly the others.
  auto real = prune_backups(tmp / "dest", {7, 4, 6, 0}, false, [](const std::string&) {});
  EXPECT_EQ(real.kept, dry.kept);
  auto left = list_backups(tmp / "dest");
  EXPECT_EQ(left.size(), static_cast<size_t>(dry.kept));
  EXPECT_TRUE(list_partials(tmp / "dest").empty());
}
