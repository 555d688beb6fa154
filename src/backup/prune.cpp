#include "backup/prune.hpp"

#include <map>

#include <fmt/format.h>

#include "backup/store.hpp"
#include "common/error.hpp"

namespace fs = std::filesystem;

namespace rehome::backup {

PruneResult prune_backups(const fs::path& dest, const model::RetentionPolicy& policy, bool dry_run,
                          const Progress& progress) {
  if (policy.daily < 0 || policy.weekly < 0 || policy.monthly < 0 || policy.yearly < 0)
    throw UserError("retention counts cannot be negative", "use 0 to switch a rule off");
  auto backups = list_backups(dest);
  std::vector<Snapshot> snaps;
  std::map<std::string, fs::path> dirs;
  for (const auto& b : backups) {
    snaps.push_back({b.manifest.id, b.manifest.time, b.verified.has_value()});
    dirs[b.manifest.id] = b.dir;
  }
  PruneResult result;
  result.decisions = apply_retention(snaps, policy);
  for (const auto& d : result.decisions) {
    if (d.keep) {
      ++result.kept;
      continue;
    }
    ++result.removed;
    if (dry_run) continue;
    fs::path dir = dirs.at(d.snapshot.id);
    fs::path doomed = dest / ("." + d.snapshot.id + ".deleting");
    std::error_code ec;
    fs::rename(dir, doomed, ec);
    if (ec)
      throw UserError(fmt::format("cannot remove backup {}: {}", dir.string(), ec.message()),
                      "check the permissions of the backup folder");
    fs::remove_all(doomed, ec);
    if (ec)
      throw UserError(fmt::format("cannot delete {}: {}", doomed.string(), ec.message()),
                      "delete it by hand; it is no longer listed as a backup");
    progress(fmt::format("removed {}", d.snapshot.id));
  }
  return result;
}

}  // namespace rehome::backup
