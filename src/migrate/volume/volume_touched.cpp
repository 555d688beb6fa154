// The target's manifest after a pass, from its scan before and its touched paths stat'ed again
// (volume_touched.hpp).
#include "migrate/volume/volume_touched.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace rehome::migrate::volume {

std::vector<std::string> touched_paths(const CopyPlan& plan) {
  std::set<std::string> paths{"."};
  for (const auto& e : plan.send) paths.insert(e.path);
  for (const auto& e : plan.meta) paths.insert(e.path);
  for (const auto& [old_path, e] : plan.renames) paths.insert(e.path);
  return {paths.begin(), paths.end()};
}

std::vector<Entry> target_after(const std::vector<Entry>& before, const CopyPlan& plan,
                                const std::vector<std::string>& touched, std::vector<Entry> restat) {
  std::set<std::string> gone(touched.begin(), touched.end());
  for (const auto& [old_path, e] : plan.renames) gone.insert(old_path);
  const std::set<std::string> deleted(plan.deletes.begin(), plan.deletes.end());
  auto under_deleted = [&](const std::string& path) {
    if (deleted.count(path)) return true;
    for (size_t slash = path.rfind('/'); slash != std::string::npos && slash > 0;
         slash = path.rfind('/', slash - 1))
      if (deleted.count(path.substr(0, slash))) return true;
    return false;
  };
  std::vector<Entry> out;
  out.reserve(before.size() + restat.size());
  for (const auto& e : before)
    if (!gone.count(e.path) && !under_deleted(e.path)) out.push_back(e);
  for (auto& e : restat) {
    e.sha256.clear();
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) { return a.path < b.path; });
  // Hard-link groups as the helper's scan names them: regular files sharing an inode, led by the
  // smallest path (a kept entry's nlink may be stale when the pass linked a new name to it).
  std::map<uint64_t, std::vector<size_t>> by_inode;
  for (size_t i = 0; i < out.size(); ++i)
    if (out[i].type == 'f') by_inode[out[i].ino].push_back(i);
  for (const auto& [ino, idx] : by_inode)
    for (size_t i : idx) out[i].leader = idx.size() > 1 ? out[idx.front()].path : std::string();
  return out;
}

}  // namespace rehome::migrate::volume
