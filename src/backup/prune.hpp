#pragma once
#include <filesystem>
#include <vector>

#include "backup/retention.hpp"
#include "backup/run.hpp"

namespace rehome::backup {

struct PruneResult {
  std::vector<RetentionDecision> decisions;  // newest first
  int kept = 0;
  int removed = 0;
};

// Applies apply_retention() to the backups in `dest` and (unless dry_run) deletes the others: each is
// first renamed to ".<id>.deleting" so an interrupted prune never leaves a half backup looking complete.
PruneResult prune_backups(const std::filesystem::path& dest, const model::RetentionPolicy& policy,
                          bool dry_run, const Progress& progress);

}  // namespace rehome::backup
