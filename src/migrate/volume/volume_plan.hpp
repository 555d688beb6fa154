#pragma once
// Pure: what one pass must do to make the target's manifest equal the source's.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "migrate/volume/volume_entry.hpp"

namespace rehome::migrate::volume {

// The files whose sha256 a pass must know before it can plan (a scan leaves a file unhashed when its
// stat differs from the cached one): pairs of the same path and size whose mtimes agree to the second
// (probably the same content: a killed pass's finished files, an archive's truncated mtimes) and a
// new source file that may be a renamed target file of the same size. Anything else that changed is
// sent, and hashed as it is sent.
struct HashRequests {
  std::vector<Entry> source, target;
  bool empty() const { return source.empty() && target.empty(); }
};
HashRequests hash_requests(const std::vector<Entry>& source, const std::vector<Entry>& target);
// Puts the hashes the helpers answered into the manifest (a hard link's followers take their leader's).
void fill_hashes(std::vector<Entry>& manifest, const std::vector<Entry>& hashed);
// A stat walk's manifest completed from a cache (manifest lines, later lines winning): a regular file
// whose size, mtime, ctime and inode are as cached keeps the cached sha256. Returns the files still
// without one (hard-link followers aside: they take their leader's).
std::vector<Entry> apply_cache(std::vector<Entry>& manifest, const std::string& cache_text);
// The same cache parsed once per pass (by path; a later line of a path wins), so the pass's two scans
// and its summary do not parse the state's manifests again.
using ManifestCache = std::unordered_map<std::string, Entry>;
void add_to_cache(ManifestCache& cache, const std::string& text);  // a damaged text adds nothing
void add_to_cache(ManifestCache& cache, const std::vector<Entry>& manifest);
std::vector<Entry> apply_cache(std::vector<Entry>& manifest, const ManifestCache& cache);
// The same, but a file that already has its sha256 keeps it: for a manifest whose hashes are current
// but for a few (a pass's proof of what it touched), completed from just what the pass hashed.
std::vector<Entry> apply_cache_to_missing(std::vector<Entry>& manifest, const ManifestCache& cache);
// A cached line still describes `now`: same size, mtime, ctime and inode, with a sha256.
bool cache_hit(const Entry& cached, const Entry& now);

struct CopyPlan {
  // Source entries to stream, in path order (parents first): every directory (their metadata and
  // mtimes are re-applied each pass, which costs no data), and each other entry that is new or
  // differs; a hard-link group goes whole when one of its names differs.
  std::vector<Entry> send;
  // Target file (old path) that holds a new source entry's content exactly: renamed, not sent.
  std::vector<std::pair<std::string, Entry>> renames;
  std::vector<std::string> deletes;  // on the target, not in the source (topmost paths only)
  // Files whose content the target has (same sha256) but whose owner, mode, xattrs or mtime differ.
  std::vector<Entry> meta;
  int64_t send_bytes = 0;  // regular file sizes to send (holes included)
  int64_t send_files = 0;
};

CopyPlan plan_copy(const std::vector<Entry>& source, const std::vector<Entry>& target);

}  // namespace rehome::migrate::volume
