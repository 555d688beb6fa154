#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/estate.hpp"

namespace rehome::backup {

// One backup as retention sees it.
struct Snapshot {
  std::string id;
  std::int64_t time = 0;  // unix seconds
  bool verified = false;  // `backup verify` passed on it
};

struct RetentionDecision {
  Snapshot snapshot;
  bool keep = false;
  std::vector<std::string> reasons;  // why it is kept, e.g. "daily snapshot (2028-07-30)"; empty when removed
};

// Grandfather-father-son retention with restic's `forget --keep-daily/weekly/monthly/yearly` semantics:
// walking from the newest backup to the oldest, each rule keeps a backup when it is the newest of a
// period (local calendar day, ISO week, month, year) it has not kept yet, until it has kept its count;
// periods without backups are not counted; one backup kept by several rules counts for each of them.
// Because the newest backup of a kept period is always the one kept, a period never loses its only copy.
// Beyond restic: the newest verified backup is always kept. An empty policy (all zero) keeps everything,
// as restic does, rather than removing every backup.
// Periods use the local time zone (TZ), like restic. Result is ordered newest first.
std::vector<RetentionDecision> apply_retention(std::vector<Snapshot> snapshots,
                                               const model::RetentionPolicy& policy);

// Period keys in local time, exposed for tests and messages: "2028-07-30", "2028-W30", "2028-07", "2028".
std::string day_key(std::int64_t unix_seconds);
std::string iso_week_key(std::int64_t unix_seconds);
std::string month_key(std::int64_t unix_seconds);
std::string year_key(std::int64_t unix_seconds);

}  // namespace rehome::backup
