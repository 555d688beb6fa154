#include "backup/store.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "common/atomic_file.hpp"
#include "common/error.hpp"

namespace fs = std::filesystem;

namespace rehome::backup {

std::vector<StoredBackup> list_backups(const fs::path& dest) {
  std::error_code ec;
  if (!fs::is_directory(dest, ec))
    throw UserError(fmt::format("backup folder {} is not a folder", dest.string()),
                    "give the folder the older `rehome backup run --dest` wrote its backups to");
  std::vector<StoredBackup> out;
  for (const auto& entry : fs::directory_iterator(dest, ec)) {
    auto name = entry.path().filename().string();
    if (!entry.is_directory() || name.starts_with(".")) continue;
    if (!time_from_backup_id(name)) continue;  // not ours
    auto manifest_path = entry.path() / manifest_file;
    if (!fs::exists(manifest_path)) continue;  // never finished: not a backup
    StoredBackup b{entry.path(), manifest_from_json(read_file(manifest_path), manifest_path.string()),
                   std::nullopt};
    if (fs::exists(entry.path() / verified_file))
      b.verified = verify_record_from_json(read_file(entry.path() / verified_file));
    out.push_back(std::move(b));
  }
  if (ec)
    throw UserError(fmt::format("cannot list {}: {}", dest.string(), ec.message()), "check its permissions");
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.manifest.time != b.manifest.time ? a.manifest.time > b.manifest.time
                                              : a.manifest.id > b.manifest.id;
  });
  return out;
}

}  // namespace rehome::backup
