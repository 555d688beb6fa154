#include <fmt/format.h>

#include "backup/run.hpp"
#include "backup/store.hpp"
#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/sha256.hpp"
#include "model/units.hpp"

namespace fs = std::filesystem;

namespace rehome::backup {
namespace {

// True when `dir` already holds the whole backup (manifest present, every artefact with its size).
bool already_there(const fs::path& dir, const Manifest& m) {
  std::error_code ec;
  if (!fs::exists(dir / manifest_file, ec)) return false;
  for (const auto& a : m.artefacts) {
    auto size = fs::file_size(dir / a.name, ec);
    if (ec || static_cast<std::int64_t>(size) != a.size) return false;
  }
  return true;
}

}  // namespace

OffsiteResult copy_offsite(const fs::path& dest, const fs::path& offsite, const Progress& progress) {
  std::error_code ec;
  fs::create_directories(offsite, ec);
  if (ec || !fs::is_directory(offsite))
    throw UserError(fmt::format("cannot create off-site folder {}: {}", offsite.string(), ec.message()),
                    "check that the off-site target is mounted and writable");
  OffsiteResult result;
  for (const auto& b : list_backups(dest)) {
    fs::path target = offsite / b.manifest.id;
    if (already_there(target, b.manifest)) {
      ++result.backups_already_there;
      continue;
    }
    fs::path partial = offsite / ("." + b.manifest.id + ".partial");
    fs::create_directories(partial, ec);
    if (ec)
      throw UserError(fmt::format("cannot create {}: {}", partial.string(), ec.message()),
                      "check that the off-site target is writable");
    try {
      for (const auto& a : b.manifest.artefacts) {
        fs::path from = b.dir / a.name, to = partial / a.name;
        // A file an earlier interrupted copy finished (same size and hash) is not copied again.
        if (fs::exists(to, ec) && static_cast<std::int64_t>(fs::file_size(to, ec)) == a.size &&
            sha256_file(to) == a.sha256)
          continue;
        fs::path tmp = partial / (a.name + ".partial");
        fs::copy_file(from, tmp, fs::copy_options::overwrite_existing, ec);
        if (ec)
          throw UserError(
              fmt::format("copying {} to {} failed: {}", from.string(), tmp.string(), ec.message()),
              "check the off-site target's free space and permissions");
        auto hash = sha256_file(tmp);
        if (hash != a.sha256)
          throw UserError(fmt::format("off-site copy {} does not match the manifest (sha256 {} != {})",
                                      (target / a.name).string(), hash, a.sha256),
                          "the source or the target disk is damaged: run rehome backup verify on both");
        fs::rename(tmp, to, ec);
        if (ec)
          throw UserError(fmt::format("cannot rename {}: {}", tmp.string(), ec.message()),
                          "check permissions");
        ++result.files_copied;
        result.bytes_copied += a.size;
      }
      write_file_atomically(partial / manifest_file, read_file(b.dir / manifest_file));
      if (fs::exists(target, ec)) fs::remove_all(target, ec);  // an incomplete older copy
      fs::rename(partial, target, ec);
      if (ec)
        throw UserError(fmt::format("cannot rename {}: {}", partial.string(), ec.message()),
                        "check permissions");
    } catch (...) {
      // Keep the verified files of the partial folder for the next run; it never looks complete.
      for (const auto& entry : fs::directory_iterator(partial, ec))
        if (entry.path().extension() == ".partial") fs::remove(entry.path(), ec);
      throw;
    }
    ++result.backups_copied;
    progress(fmt::format("off-site: {} copied to {} ({} files, re-hashed)", b.manifest.id, offsite.string(),
                         b.manifest.artefacts.size()));
  }
  progress(fmt::format("off-site: {} new backup(s), {} already there, {} copied", result.backups_copied,
                       result.backups_already_there, model::format_bytes(result.bytes_copied)));
  return result;
}

}  // namespace rehome::backup
