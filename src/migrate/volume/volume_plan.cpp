#include "migrate/volume/volume_plan.hpp"

#include <map>
#include <set>

namespace rehome::migrate::volume {

CopyPlan plan_copy(const std::vector<Entry>& source, const std::vector<Entry>& target) {
  std::map<std::string, const Entry*> on_target, on_source;
  for (const auto& t : target) on_target[t.path] = &t;
  for (const auto& s : source) on_source[s.path] = &s;

  std::set<std::string> changed_groups;
  std::vector<bool> send(source.size(), false);
  for (size_t i = 0; i < source.size(); ++i) {
    const Entry& s = source[i];
    auto t = on_target.find(s.path);
    if (s.type == 'd') {
      send[i] = true;
    } else if (t == on_target.end() || !same_entry(s, *t->second)) {
      send[i] = true;
      if (!s.leader.empty()) changed_groups.insert(s.leader);
    }
  }
  for (size_t i = 0; i < source.size(); ++i)
    if (!source[i].leader.empty() && changed_groups.count(source[i].leader)) send[i] = true;

  // Rename candidates: target files whose path the source no longer has, by content.
  std::multimap<std::string, std::string> gone_by_hash;
  for (const auto& t : target)
    if (t.type == 'f' && t.leader.empty() && !t.sha256.empty() && !on_source.count(t.path))
      gone_by_hash.emplace(t.sha256 + "/" + std::to_string(t.size), t.path);

  CopyPlan plan;
  std::set<std::string> renamed_from;
  for (size_t i = 0; i < source.size(); ++i) {
    if (!send[i]) continue;
    const Entry& s = source[i];
    if (s.type == 'f' && s.leader.empty() && !on_target.count(s.path) && !s.sha256.empty()) {
      auto it = gone_by_hash.find(s.sha256 + "/" + std::to_string(s.size));
      if (it != gone_by_hash.end()) {
        plan.renames.emplace_back(it->second, s);
        renamed_from.insert(it->second);
        gone_by_hash.erase(it);
        continue;
      }
    }
    plan.send.push_back(s);
    if (s.type == 'f' && (s.leader.empty() || s.leader == s.path)) {
      plan.send_bytes += static_cast<int64_t>(s.size);
      ++plan.send_files;
    }
  }

  // Deletes: topmost target paths the source does not have (a deleted folder goes whole).
  std::string last_deleted_dir;
  for (const auto& t : target) {  // sorted by path: a folder precedes its contents
    if (on_source.count(t.path) || renamed_from.count(t.path)) continue;
    if (!last_deleted_dir.empty() && t.path.rfind(last_deleted_dir + "/", 0) == 0) continue;
    plan.deletes.push_back(t.path);
    last_deleted_dir = t.type == 'd' ? t.path : std::string();
  }
  return plan;
}

}  // namespace rehome::migrate::volume
