#include "migrate/volume/volume_plan.hpp"

#include <map>
#include <set>
#include <unordered_map>

namespace rehome::migrate::volume {

namespace {
bool hashed_file(const Entry& e) { return e.type == 'f' && (e.leader.empty() || e.leader == e.path); }
}  // namespace

HashRequests hash_requests(const std::vector<Entry>& source, const std::vector<Entry>& target) {
  std::map<std::string, const Entry*> on_target, on_source;
  for (const auto& t : target) on_target[t.path] = &t;
  for (const auto& s : source) on_source[s.path] = &s;
  std::multimap<uint64_t, const Entry*> gone_by_size;  // rename candidates
  for (const auto& t : target)
    if (t.type == 'f' && t.leader.empty() && !on_source.count(t.path)) gone_by_size.emplace(t.size, &t);
  HashRequests out;
  std::set<std::string> asked_target;
  auto ask_target = [&](const Entry& t) {
    if (t.sha256.empty() && asked_target.insert(t.path).second) out.target.push_back(t);
  };
  for (const auto& s : source) {
    if (!hashed_file(s)) continue;
    auto it = on_target.find(s.path);
    if (it != on_target.end()) {
      const Entry& t = *it->second;
      if (!hashed_file(t) || t.size != s.size || t.mtime_ns / 1000000000 != s.mtime_ns / 1000000000) continue;
      if (!s.sha256.empty() && !t.sha256.empty()) continue;
      if (s.sha256.empty()) out.source.push_back(s);
      ask_target(t);
    } else if (s.leader.empty() && s.size > 0) {
      auto [from, to] = gone_by_size.equal_range(s.size);
      if (from == to) continue;
      if (s.sha256.empty()) out.source.push_back(s);
      for (auto g = from; g != to; ++g) ask_target(*g->second);
    }
  }
  return out;
}

namespace {

bool follower(const Entry& e) { return e.type == 'f' && !e.leader.empty() && e.leader != e.path; }

// Every hard link takes its group leader's sha256 (a leader with none leaves its links with none).
void links_follow_leaders(std::vector<Entry>& manifest) {
  std::unordered_map<std::string, std::string> leader_sha;
  for (const auto& e : manifest)
    if (e.type == 'f' && e.leader == e.path) leader_sha[e.path] = e.sha256;
  for (auto& e : manifest)
    if (follower(e)) e.sha256 = leader_sha[e.leader];
}

}  // namespace

void fill_hashes(std::vector<Entry>& manifest, const std::vector<Entry>& hashed) {
  std::map<std::string, const Entry*> by_path;
  for (const auto& h : hashed) by_path[h.path] = &h;
  for (auto& e : manifest) {
    auto it = by_path.find(e.path);
    // Only when the file did not change between the scan and the hash.
    if (it != by_path.end() && it->second->size == e.size && it->second->mtime_ns == e.mtime_ns &&
        it->second->ino == e.ino)
      e.sha256 = it->second->sha256;
  }
  links_follow_leaders(manifest);
}

bool cache_hit(const Entry& cached, const Entry& now) {
  return !cached.sha256.empty() && cached.size == now.size && cached.mtime_ns == now.mtime_ns &&
         cached.ctime_ns == now.ctime_ns && cached.ino == now.ino;
}

void add_to_cache(ManifestCache& cache, const std::string& text) {
  std::vector<Entry> parsed;
  try {
    parsed = parse_manifest(text);
  } catch (const std::exception&) {
    return;  // a damaged cache only costs reads
  }
  for (auto& e : parsed) cache.insert_or_assign(e.path, std::move(e));
}

void add_to_cache(ManifestCache& cache, const std::vector<Entry>& manifest) {
  cache.reserve(cache.size() + manifest.size());
  for (const auto& e : manifest)
    if (e.type == 'f' && !e.sha256.empty()) cache.insert_or_assign(e.path, e);
}

namespace {

// apply_cache's work, in place (no copy of the hits into a map first): a hit takes the cached sha256,
// then every hard link takes its group leader's. `keep_known`: a file with a sha256 keeps it.
std::vector<Entry> complete_from(std::vector<Entry>& manifest, const ManifestCache& cached, bool keep_known) {
  std::vector<Entry> misses;
  for (auto& e : manifest) {
    if (e.type != 'f' || follower(e) || (keep_known && !e.sha256.empty())) continue;
    auto it = cached.find(e.path);
    if (it != cached.end() && cache_hit(it->second, e))
      e.sha256 = it->second.sha256;
    else
      misses.push_back(e);
  }
  links_follow_leaders(manifest);
  return misses;
}

}  // namespace

std::vector<Entry> apply_cache(std::vector<Entry>& manifest, const ManifestCache& cached) {
  return complete_from(manifest, cached, false);
}

std::vector<Entry> apply_cache_to_missing(std::vector<Entry>& manifest, const ManifestCache& cached) {
  return complete_from(manifest, cached, true);
}

std::vector<Entry> apply_cache(std::vector<Entry>& manifest, const std::string& cache_text) {
  ManifestCache cached;
  add_to_cache(cached, cache_text);
  return apply_cache(manifest, cached);
}

CopyPlan plan_copy(const std::vector<Entry>& source, const std::vector<Entry>& target) {
  std::map<std::string, const Entry*> on_target, on_source;
  for (const auto& t : target) on_target[t.path] = &t;
  for (const auto& s : source) on_source[s.path] = &s;

  std::set<std::string> changed_groups;
  std::vector<bool> send(source.size(), false), meta_only(source.size(), false);
  for (size_t i = 0; i < source.size(); ++i) {
    const Entry& s = source[i];
    auto t = on_target.find(s.path);
    // A file whose hash is unknown on either side is never taken as identical.
    if (s.type == 'd') {
      send[i] = true;
    } else if (t == on_target.end()) {
      send[i] = true;
      if (!s.leader.empty()) changed_groups.insert(s.leader);
    } else if (const Entry& o = *t->second;
               (s.type == 'f' && (s.sha256.empty() || o.sha256.empty())) || !same_entry(s, o)) {
      send[i] = true;
      // Same content, other metadata: only the metadata goes.
      meta_only[i] = s.type == 'f' && o.type == 'f' && s.leader.empty() && o.leader.empty() &&
                     !s.sha256.empty() && o.size == s.size && o.sha256 == s.sha256;
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
    if (meta_only[i]) {
      plan.meta.push_back(s);
      continue;
    }
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
