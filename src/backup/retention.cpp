#include "backup/retention.hpp"

#include <algorithm>
#include <ctime>
#include <functional>

#include <fmt/format.h>

namespace rehome::backup {
namespace {

std::tm local(std::int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  localtime_r(&t, &tm);
  return tm;
}

}  // namespace

std::string day_key(std::int64_t s) {
  auto tm = local(s);
  return fmt::format("{:04}-{:02}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

std::string iso_week_key(std::int64_t s) {
  auto tm = local(s);
  char buf[16];
  std::strftime(buf, sizeof buf, "%G-W%V", &tm);  // ISO 8601 week-based year and week, as Go's ISOWeek()
  return buf;
}

std::string month_key(std::int64_t s) {
  auto tm = local(s);
  return fmt::format("{:04}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1);
}

std::string year_key(std::int64_t s) { return fmt::format("{:04}", local(s).tm_year + 1900); }

std::vector<RetentionDecision> apply_retention(std::vector<Snapshot> snapshots,
                                               const model::RetentionPolicy& p) {
  std::stable_sort(snapshots.begin(), snapshots.end(),
                   [](const Snapshot& a, const Snapshot& b) { return a.time > b.time; });

  struct Rule {
    int left;
    std::function<std::string(std::int64_t)> period;
    const char* reason;
    std::string last;  // period of the last backup this rule kept
  };
  std::vector<Rule> rules = {{p.daily, day_key, "daily snapshot", {}},
                             {p.weekly, iso_week_key, "weekly snapshot", {}},
                             {p.monthly, month_key, "monthly snapshot", {}},
                             {p.yearly, year_key, "yearly snapshot", {}}};
  bool empty_policy = p.daily <= 0 && p.weekly <= 0 && p.monthly <= 0 && p.yearly <= 0;

  std::vector<RetentionDecision> out;
  bool newest_verified_seen = false;
  for (const auto& snap : snapshots) {
    RetentionDecision d{snap, false, {}};
    if (empty_policy) d.reasons.push_back("policy is empty: keeping everything");
    for (auto& rule : rules) {
      if (rule.left <= 0) continue;
      std::string period = rule.period(snap.time);
      if (period == rule.last) continue;
      rule.last = period;
      --rule.left;
      d.reasons.push_back(fmt::format("{} ({})", rule.reason, period));
    }
    if (snap.verified && !newest_verified_seen) {
      newest_verified_seen = true;
      d.reasons.push_back("newest verified backup");
    }
    d.keep = !d.reasons.empty();
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace rehome::backup
