// The proof: the source's and the target's manifests (each computed in place by the helper on its
// own engine) compared entry by entry.
#include <map>

#include "migrate/volume/volume_migration.hpp"

namespace rehome::migrate::volume {

std::vector<Mismatch> compare_manifests(const std::vector<Entry>& source, const std::vector<Entry>& target) {
  std::map<std::string, const Entry*> on_target;
  for (const auto& t : target) on_target[t.path] = &t;
  std::vector<Mismatch> out;
  for (const auto& s : source) {
    auto it = on_target.find(s.path);
    if (it == on_target.end()) {
      out.push_back({s.path, "missing on the target"});
      continue;
    }
    std::string diff = entry_differences(s, *it->second);
    if (!diff.empty()) out.push_back({s.path, diff});
    on_target.erase(it);
  }
  for (const auto& [path, t] : on_target) out.push_back({path, "extra on the target"});
  return out;
}

ManifestSummary summarize(const std::vector<Entry>& manifest) {
  ManifestSummary s;
  s.entries = static_cast<int64_t>(manifest.size());
  for (const auto& e : manifest)
    if (e.type == 'f') {
      ++s.files;
      s.bytes += static_cast<int64_t>(e.size);
    }
  return s;
}

}  // namespace rehome::migrate::volume
