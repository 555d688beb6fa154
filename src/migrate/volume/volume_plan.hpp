#pragma once
// Pure: what one pass must do to make the target's manifest equal the source's.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "migrate/volume/volume_entry.hpp"

namespace rehome::migrate::volume {

struct CopyPlan {
  // Source entries to stream, in path order (parents first): every directory (their metadata and
  // mtimes are re-applied each pass, which costs no data), and each other entry that is new or
  // differs; a hard-link group goes whole when one of its names differs.
  std::vector<Entry> send;
  // Target file (old path) that holds a new source entry's content exactly: renamed, not sent.
  std::vector<std::pair<std::string, Entry>> renames;
  std::vector<std::string> deletes;  // on the target, not in the source (topmost paths only)
  int64_t send_bytes = 0;            // regular file sizes to send (holes included)
  int64_t send_files = 0;
};

CopyPlan plan_copy(const std::vector<Entry>& source, const std::vector<Entry>& target);

}  // namespace rehome::migrate::volume
