#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "backup/metrics.hpp"
#include "backup/run.hpp"

namespace rehome::backup {

// Repositories to mirror from --repos: a folder of repositories (bare "*.git" folders or working
// copies), or a file with one repository URL/path per line (# comments). Throws UserError naming it.
std::vector<std::string> repositories_from(const std::filesystem::path& list_or_dir);

struct MirrorOptions {
  std::vector<std::string> repositories;
  std::string remote;           // base: <remote>/<name>.git is each repository's mirror
  std::filesystem::path cache;  // local mirror clones (git clone --mirror), kept between runs
  std::optional<std::filesystem::path> textfile;
  Progress progress = [](const std::string&) {};
};

// For each repository: clone --mirror into the cache (or remote update --prune), then push --mirror to
// the remote (a local remote path that does not exist yet is created bare). A failing repository does
// not stop the others. Writes git_mirror_last_sync_timestamp per repository (kept from the previous
// run for one that failed now).
std::vector<MirrorSync> mirror_repositories(const MirrorOptions& options);

// A bare name from the estate's backup.git_mirrors ("ws-gateway") becomes "<forge>/ws-gateway.git";
// URLs and paths are kept. Throws UserError for a bare name without a forge.
std::string resolve_repository(const std::string& repository, const std::string& forge);

// Throws UserError unless `remote` is an absolute folder, a URL with a scheme, or user@host:path.
void check_remote(const std::string& remote);

// "group/app.git" or "/srv/git/app" -> "app"
std::string repository_name(const std::string& repository);

}  // namespace rehome::backup
