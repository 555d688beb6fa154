#pragma once
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "import/import_result.hpp"
#include "import/interpolate.hpp"

namespace rehome::import {

// Reads a file the import needs (compose files, `extends: file:`, env files); nullopt when it does
// not exist. Injected so the mapping is tested with files held in memory.
using FileReader = std::function<std::optional<std::string>(const std::filesystem::path&)>;

// Reads from disk; nullopt for a missing file, UserError for one that exists but cannot be read.
FileReader disk_reader();

struct ComposeOptions {
  Variables environment;                          // the process environment (wins over env files)
  std::optional<std::filesystem::path> env_file;  // --env-file; default: `.env` beside each compose file
  std::vector<std::string> profiles;              // active profiles; empty = import every service
  std::string project_name;                       // -p: one project for all files (else `name:` / folder)
};

// Compose files (v2 `version: '2.x'`, v3, and the Compose Specification) -> services of an estate
// with no servers, grouped into stacks by project. Throws UserError naming file:line for a file that
// cannot be read, is not YAML, or holds a value of the wrong kind; settings rehome does not model are
// listed in ImportResult::unmapped rather than failing the import.
ImportResult import_compose(const std::vector<std::filesystem::path>& files, const ComposeOptions& options,
                            const FileReader& read);

}  // namespace rehome::import
