#pragma once
// Pure: the proof of a pass that wrote only part of the target (the stream transport, no writers
// running on either side, no helper warnings) re-reads only what the pass touched. The target's
// manifest after the pass is its scan before the pass, less what the pass deleted or renamed away,
// with every touched path stat'ed again on the target (and hashed there unless the receiving helper
// hashed it as it wrote it); the source, read-only and without writers, is its scan before the pass
// with the hashes its sending helper computed as it read. Untouched entries are proven by that same
// scan (their stat, their cached sha256), as a full re-scan would prove them: by their stat.
#include <string>
#include <vector>

#include "migrate/volume/volume_plan.hpp"

namespace rehome::migrate::volume {

// The target paths to stat again: the root, every entry sent, re-applied or renamed into place
// (every folder is among them: a pass re-applies their metadata), sorted.
std::vector<std::string> touched_paths(const CopyPlan& plan);

// The target's manifest after the pass: `before` without the deleted subtrees, the renames' old
// paths and the touched paths, plus `restat` (the touched paths that exist now, as stat'ed), sorted,
// with hard-link leaders assigned again (by inode, the smallest path of a group leads) and no sha256
// on the re-stat'ed files (a cache fills it).
std::vector<Entry> target_after(const std::vector<Entry>& before, const CopyPlan& plan,
                                const std::vector<std::string>& touched, std::vector<Entry> restat);

}  // namespace rehome::migrate::volume
