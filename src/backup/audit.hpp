#pragma once
#include <string>
#include <vector>

#include "model/estate.hpp"

namespace rehome::backup {

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
  bool meets_321() const { return backed_up && copies >= 3 && media >= 2 && offsite; }
  std::string verdict;  // plain words
};

struct AuditReport {
  std::vector<AuditItem> items;
  std::vector<std::string> notes;     // warnings about the settings themselves
  std::vector<std::string> replicas;  // "gibd-postgres-replica streams from gibd-postgres"
  int failing() const;
};

// Engines `rehome backup run` can dump.
bool engine_supported(const std::string& engine);

AuditReport audit_backups(const model::Estate& estate);

}  // namespace rehome::backup
