#include <ctime>

#include <fmt/format.h>

#include "backup/artefacts.hpp"
#include "common/error.hpp"
#include "common/process.hpp"

namespace fs = std::filesystem;

namespace rehome::backup {

Artefact archive_volume(const fs::path& dir, const fs::path& folder) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw UserError(fmt::format("volume folder {} does not exist", dir.string()),
                    "give the folder that holds the volume's data (for a named volume: "
                    "/var/lib/docker/volumes/<name>/_data)");
  auto tar = require_program("tar", "tar");
  Artefact a;
  a.kind = "volume";
  a.source = fs::absolute(dir).lexically_normal().string();
  std::string base = fs::absolute(dir).lexically_normal().filename().string();
  if (base.empty()) base = fs::absolute(dir).lexically_normal().parent_path().filename().string();
  if (base == "_data") base = fs::absolute(dir).lexically_normal().parent_path().filename().string();
  a.name = safe_name(fmt::format("volume-{}.tar.gz", base));
  a.time = static_cast<std::int64_t>(std::time(nullptr));
  fs::path partial = folder / (a.name + ".partial");
  auto res = run_process({tar.string(), "--create", "--gzip", "--file", partial.string(), "--directory",
                          dir.string(), "--numeric-owner", "."});
  // tar exits 1 when a file changed while it was read: the archive is complete but not a snapshot.
  if (!(res.exit_code == 0 || res.exit_code == 1) || res.timed_out) {
    fs::remove(partial, ec);
    std::string why = res.err;
    while (!why.empty() && why.back() == '\n') why.pop_back();
    throw UserError(fmt::format("archiving volume {} failed: {}", a.source, why),
                    why.find("No space left") != std::string::npos
                        ? "the backup disk is full: free space or prune old backups (rehome backup prune)"
                        : "check that the folder is readable and the backup folder writable");
  }
  seal_artefact(partial, folder / a.name, a);
  return a;
}

}  // namespace rehome::backup
