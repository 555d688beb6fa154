#pragma once
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/estate.hpp"

namespace rehome::backup {

// A restic repository: a local folder, `sftp:user@host:/path`, `rest:http://host:8000/name`, ...
// The password comes from `password_file` (RESTIC_PASSWORD_FILE for restic) or, when none is given,
// from the environment (RESTIC_PASSWORD or RESTIC_PASSWORD_FILE); never from argv, never printed.
struct Repository {
  std::string location;
  std::optional<std::filesystem::path> password_file;
  std::optional<std::filesystem::path> cache_dir;  // restic's cache (RESTIC_CACHE_DIR); default: restic's
  std::vector<std::string> options;                // restic `-o key=value`, e.g. sftp.command=ssh ...
};

// `restic backup --json` summary.
struct ResticBackupSummary {
  std::string snapshot_id;
  std::int64_t files_new = 0, files_changed = 0, files_unmodified = 0;
  std::int64_t data_added = 0;             // bytes new to the repository (after dedup, before compression)
  std::int64_t total_bytes_processed = 0;  // bytes read
};

// One entry of `restic snapshots --json`.
struct ResticSnapshot {
  std::string id, short_id;
  std::int64_t time = 0;  // unix seconds
  std::string hostname;
  std::vector<std::string> paths, tags;
  bool has_tag(const std::string& tag) const;
  // Value of a "key=value" tag ("" when absent).
  std::string tag_value(const std::string& key) const;
};

struct ResticForget {
  std::vector<ResticSnapshot> keep, remove;
};

struct ResticCheck {
  bool ok = false;
  std::vector<std::string> errors;  // restic's own lines (pack ids, blob ids)
};

// What a repository looks like from here.
enum class Reach { ok, unreachable, no_repository, wrong_password };
struct ResticProbe {
  Reach reach = Reach::unreachable;
  std::string reason;  // restic's message, secrets masked
};

// The tags rehome puts on every snapshot: "rehome", "estate=NAME", "service=NAME", "kind=KIND".
std::vector<std::string> snapshot_tags(const std::string& estate, const std::string& service,
                                       const std::string& kind);
inline constexpr const char* verified_tag = "verified";

// RFC 3339 time of restic's JSON ("2026-12-07T00:50:37.977154374Z", "...+02:00") -> unix seconds.
std::int64_t parse_restic_time(const std::string& text);
// Parsers of restic's JSON output (pure; used by the wrapper and the unit tests).
ResticBackupSummary parse_backup_summary(const std::string& json_lines);
std::vector<ResticSnapshot> parse_snapshots(const std::string& json);
ResticForget parse_forget(const std::string& json);

// Runs the restic program against one repository. Every method throws UserError naming the repository
// (never its password) and restic's reason when restic fails.
class Restic {
 public:
  explicit Restic(Repository repo);

  // `restic cat config`; a host that does not answer within `timeout` is unreachable.
  ResticProbe probe(std::chrono::seconds timeout = std::chrono::seconds(120)) const;
  void init() const;  // `restic init`
  // Initialises the repository when there is none yet; throws when it is unreachable.
  void ensure_initialised() const;
  // `restic backup` of a folder (recorded under its absolute path, so keep it stable for dedup).
  ResticBackupSummary backup(const std::filesystem::path& folder, const std::vector<std::string>& tags,
                             const std::string& host = "", const std::string& time = "") const;
  std::vector<ResticSnapshot> snapshots(const std::vector<std::string>& tags = {}) const;
  // `restic forget` with the policy, keeping every snapshot tagged `keep_tag` (when not empty).
  ResticForget forget(const model::RetentionPolicy& policy, const std::vector<std::string>& tags,
                      const std::string& keep_tag, bool dry_run) const;
  void tag(const std::vector<std::string>& snapshot_ids, const std::vector<std::string>& add,
           const std::vector<std::string>& remove) const;
  // `restic check`, with `--read-data-subset=N%` when percent > 0 (100 = every byte).
  ResticCheck check(int read_data_percent) const;
  // `restic restore ID --target DIR`.
  void restore(const std::string& snapshot_id, const std::filesystem::path& target) const;

  // The argv and environment restic runs with for `args` (the password only as RESTIC_PASSWORD_FILE or
  // inherited), for callers that feed restic a stream (stream.cpp).
  struct Command {
    std::vector<std::string> argv;
    std::map<std::string, std::string> env;
  };
  Command command(const std::vector<std::string>& args) const;

  const Repository& repository() const { return repo_; }
  // The location with any password in it masked, for messages.
  std::string where() const;

 private:
  struct Out {
    int exit_code;
    std::string out, err;
  };
  Out run(std::vector<std::string> args, std::chrono::seconds timeout = std::chrono::seconds(0)) const;
  [[noreturn]] void fail(const std::string& what, const Out& r) const;
  Repository repo_;
};

}  // namespace rehome::backup
