#pragma once
// Finishing an import: which servers the estate gets, and a check that the estate.yaml we write
// reads back cleanly.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "import/import_result.hpp"

namespace rehome::import {

// The machine rehome runs on, as a single placeholder server: its hostname, memory and CPU threads
// (docs/import.md). Used when no --servers file is given to `import compose`.
model::Server local_host_server();

// Replaces the estate's servers with those of `servers_file` (an estate.yaml holding only servers;
// services in it are ignored, with a note) or, without one, keeps what the import found (the
// engine's host for `import docker`) or adds `fallback` when there is none.
void attach_servers(ImportResult& result, const std::optional<std::filesystem::path>& servers_file,
                    const model::Server& fallback);

// The estate.yaml text for the result, after reading it back: problems the estate loader finds
// (colliding ports, dangling dependencies ...) become notes, so the person sees them now.
std::string estate_yaml_checked(ImportResult& result);

}  // namespace rehome::import
