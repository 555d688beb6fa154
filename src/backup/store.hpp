#pragma once
#include <filesystem>
#include <optional>
#include <vector>

#include "backup/manifest.hpp"

namespace rehome::backup {

// The older folder store, read only to import it into a restic repository (`backup import-folder`) and to
// check a restored snapshot's folder: one sub-folder per backup, named by its id, holding the artefacts
// and manifest.json (plus verified.json once the old `backup verify` passed). A ".<id>.partial" folder
// never finished and is not a backup.
struct StoredBackup {
  std::filesystem::path dir;
  Manifest manifest;
  std::optional<VerifyRecord> verified;
};

inline constexpr const char* manifest_file = "manifest.json";
inline constexpr const char* verified_file = "verified.json";

// Complete backups in `dest`, newest first. Throws UserError when `dest` is not a readable folder or a
// manifest is damaged (naming it).
std::vector<StoredBackup> list_backups(const std::filesystem::path& dest);

}  // namespace rehome::backup
