#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "backup/retention.hpp"
#include "unit/backup/test_env.hpp"

using namespace rehome::backup;

namespace {

struct TimeZone : rehome::test::ScopedEnv {
  explicit TimeZone(const char* tz) : ScopedEnv("TZ", tz) {}
};
using rehome::test::local_unix;

std::vector<Snapshot> daily(int y, int mo, int d, int days) {
  std::vector<Snapshot> out;
  std::int64_t start = local_unix(y, mo, d);
  for (int i = 0; i < days; ++i) {
    std::int64_t t =
        start + static_cast<std::int64_t>(i) * 86400 + 3600;  // +1h keeps it on the day across DST
    out.push_back({day_key(t), t, false});
  }
  return out;
}

int count_reason(const std::vector<RetentionDecision>& ds, const std::string& prefix) {
  int n = 0;
  for (const auto& d : ds)
    for (const auto& r : d.reasons)
      if (r.starts_with(prefix)) ++n;
  return n;
}

std::vector<std::string> kept_ids(const std::vector<RetentionDecision>& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds)
    if (d.keep) out.push_back(d.snapshot.id);
  return out;
}

}  // namespace

TEST(Retention, AYearOfDailyBackupsKeepsExactly7Daily4Weekly6Monthly) {
  TimeZone tz("UTC");
  auto ds = apply_retention(daily(2026, 1, 1, 365), {7, 4, 6, 0});
  EXPECT_EQ(count_reason(ds, "daily"), 7);
  EXPECT_EQ(count_reason(ds, "weekly"), 4);
  EXPECT_EQ(count_reason(ds, "monthly"), 6);
  // Newest first: Dec 31 (Thu, 2026-W53) .. Dec 25 daily; weekly adds W52 Sun Dec 27 (already daily),
  // W51 Sun Dec 20, W50 Sun Dec 13; monthly adds Nov 30, Oct 31, Sep 30, Aug 31, Jul 31.
  EXPECT_EQ(kept_ids(ds),
            (std::vector<std::string>{"2026-12-31", "2026-12-30", "2026-12-29", "2026-12-28", "2026-12-27",
                                      "2026-12-26", "2026-12-25", "2026-12-20", "2026-12-13", "2026-11-30",
                                      "2026-10-31", "2026-09-30", "2026-08-31", "2026-07-31"}));
}

TEST(Retention, OnlyTheNewestOfADayCountsAndGapsAreNotCounted) {
  TimeZone tz("UTC");
  std::vector<Snapshot> s = {{"a", local_unix(2026, 5, 1, 1), false},
                             {"b", local_unix(2026, 5, 1, 23), false},
                             {"c", local_unix(2026, 5, 5), false},
                             {"d", local_unix(2026, 5, 10), false}};
  auto ds = apply_retention(s, {2, 0, 0, 0});
  EXPECT_EQ(kept_ids(ds), (std::vector<std::string>{"d", "c"}));
  ds = apply_retention(s, {3, 0, 0, 0});
  EXPECT_EQ(kept_ids(ds), (std::vector<std::string>{"d", "c", "b"}));
}

TEST(Retention, PeriodsAreLocalDaysAndIsoWeeks) {
  TimeZone tz("Europe/Berlin");
  // 23:30 UTC on 1 March is 00:30 on 2 March in Berlin.
  std::tm utc{};
  utc.tm_year = 126;
  utc.tm_mon = 2;
  utc.tm_mday = 1;
  utc.tm_hour = 23;
  utc.tm_min = 30;
  std::int64_t t = timegm(&utc);
  EXPECT_EQ(day_key(t), "2026-03-02");
  EXPECT_EQ(month_key(local_unix(2028, 2, 29)), "2028-02");
  EXPECT_EQ(iso_week_key(local_unix(2027, 1, 1)), "2026-W53");  // Friday: still the last week of 2026
  EXPECT_EQ(iso_week_key(local_unix(2024, 12, 30)), "2025-W01");
  EXPECT_EQ(year_key(local_unix(2027, 1, 1)), "2027");
}

TEST(Retention, DaylightSavingChangeDoesNotMergeOrSplitDays) {
  TimeZone tz("Europe/Berlin");
  // 2028-03-26: clocks go 02:00 -> 03:00. Backups at 00:30 local on 25, 26, 27 March are three days.
  std::vector<Snapshot> s = {{"25", local_unix(2028, 3, 25, 0, 30), false},
                             {"26", local_unix(2028, 3, 26, 0, 30), false},
                             {"27", local_unix(2028, 3, 27, 0, 30), false}};
  auto ds = apply_retention(s, {3, 0, 0, 0});
  EXPECT_EQ(kept_ids(ds), (std::vector<std::string>{"27", "26", "25"}));
}

TEST(Retention, NewestVerifiedBackupIsAlwaysKept) {
  TimeZone tz("UTC");
  auto s = daily(2026, 1, 1, 30);
  s[3].verified = true;  // 2026-01-04
  s[5].verified = true;  // 2026-01-06, the newest verified
  auto ds = apply_retention(s, {2, 0, 0, 0});
  EXPECT_EQ(kept_ids(ds), (std::vector<std::string>{"2026-01-30", "2026-01-29", "2026-01-06"}));
  for (const auto& d : ds) {
    if (d.snapshot.id == "2026-01-06") {
      EXPECT_EQ(d.reasons, std::vector<std::string>{"newest verified backup"});
    }
  }
}

TEST(Retention, EmptyPolicyKeepsEverything) {
  TimeZone tz("UTC");
  auto ds = apply_retention(daily(2026, 1, 1, 10), {0, 0, 0, 0});
  EXPECT_EQ(kept_ids(ds).size(), 10u);
}

TEST(Retention, ReasonsNameThePeriod) {
  TimeZone tz("UTC");
  auto ds = apply_retention(daily(2026, 1, 1, 3), {1, 1, 1, 1});
  ASSERT_FALSE(ds.empty());
  EXPECT_EQ(ds[0].reasons,
            (std::vector<std::string>{"daily snapshot (2026-01-03)", "weekly snapshot (2026-W01)",
                                      "monthly snapshot (2026-01)", "yearly snapshot (2026)"}));
  EXPECT_FALSE(ds[1].keep);
  EXPECT_TRUE(ds[1].reasons.empty());
}
