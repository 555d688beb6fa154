#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/estate.hpp"

namespace rehome::backup {

// What `backup audit` saw of one declared target (backup.targets) when it opened it as a restic
// repository. Filled by survey_targets (survey.hpp); pure data so the verdicts are tested without restic.
struct TargetSeen {
  std::string target;      // the target's name in the estate
  std::string repository;  // its restic location, password masked ("" when the location is not one)
  // ok | unreachable | no repository | wrong password | no password | not a repository location
  std::string state = "unreachable";
  std::string reason;  // restic's own words (secrets masked) when state is not ok
  // Per service tag (a database's service, a volume's name): the newest snapshot, and the newest one a
  // restore test proved (tagged "verified" by `backup verify`), as unix seconds.
  std::map<std::string, std::int64_t> newest, proven;
  bool answered() const { return state == "ok"; }
};

struct Survey {
  std::vector<TargetSeen> targets;
  std::int64_t now = 0;
  std::int64_t max_age_seconds = 26 * 3600;  // a proven snapshot older than this is not a copy
};

// The 3-2-1 rule for one database or volume: 3 copies (the live data counts as one), on 2 different
// media, 1 of them off-site. A streaming replica is listed but not counted: it copies a DROP TABLE too.
struct AuditItem {
  std::string subject;  // "gibd-postgres (postgres: ws_trades, ws_news)" or "volume gitlab-data"
  std::string service;
  std::string kind;  // database | volume
  bool backed_up = false;
  int copies = 1;
  int media = 1;
  bool offsite = false;
  std::vector<std::string> replicas;  // services that stream from this one
  // With a survey: declared targets that hold no proven copy of this item, each with the reason
  // ("hetzner: unreachable (ssh: connect to host ... timed out)", "local: no restore-tested snapshot").
  std::vector<std::string> missing_copies;
  bool meets_321() const { return backed_up && copies >= 3 && media >= 2 && offsite; }
  std::string verdict;  // plain words
};

struct AuditReport {
  bool surveyed = false;            // copies were counted where they were seen, not as declared
  std::vector<TargetSeen> targets;  // what the survey saw (empty without one)
  std::vector<AuditItem> items;
  std::vector<std::string> notes;     // warnings about the settings themselves
  std::vector<std::string> replicas;  // "gibd-postgres-replica streams from gibd-postgres"
  int failing() const;
};

// Engines `rehome backup run` can dump.
bool engine_supported(const std::string& engine);

// Without a survey the copies are counted as declared in backup.targets (a paper audit: the verdict
// says so). With one, a target counts as a copy of an item only where its repository answered and holds
// a snapshot of that item, restore-tested and younger than the survey's max age; every other declared
// target is named with the reason, and the verdict drops to "not 3-2-1".
AuditReport audit_backups(const model::Estate& estate, const Survey* survey = nullptr);

}  // namespace rehome::backup
