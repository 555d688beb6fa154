#pragma once
#include <filesystem>
#include <optional>
#include <vector>

#include "backup/manifest.hpp"

namespace rehome::backup {

// A backup destination folder: one sub-folder per backup, named by its id, holding the artefacts and
// manifest.json (plus verified.json once `backup verify` passed). A backup being written lives in
// ".<id>.partial" and is renamed into place only after its manifest, so it never looks complete early.
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

// Leftovers of interrupted runs (".<id>.partial" folders and "*.partial" files).
std::vector<std::filesystem::path> list_partials(const std::filesystem::path& dest);

// Throws UserError with a hint when `dest` does not exist or is not a folder.
void require_folder(const std::filesystem::path& dest, const char* what);

}  // namespace rehome::backup
