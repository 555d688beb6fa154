#pragma once
// The one reading of a declared backup target's location (backup.targets[].location), shared by
// `backup schedule` (which repositories the job writes to) and `backup audit` (which repositories it
// opens), so the copies the audit counts are the ones the job makes. Pure.
#include <optional>
#include <string>

namespace rehome::backup {

struct TargetLocation {
  enum class Kind { folder, ssh, backend, invalid };
  Kind kind = Kind::invalid;
  std::string user;  // ssh: "" when the location names none (ssh's own default user)
  std::string host;  // ssh: the machine that holds the repository
  std::string path;  // folder and ssh: the repository's folder on that machine
  // The restic location as any machine reaches it: "/srv/restic", "sftp:[user@]host:/path",
  // "rest:http://...", "s3:https://...". Empty when invalid.
  std::string repository;
  std::string reason;  // invalid: why, in words

  // The restic location as seen from `machine` (a host name): a user-less "host:/path" on that very
  // machine is its own folder (no ssh to itself); everything else is `repository`. Host names compare
  // by their first label, case-insensitively ("hppavilion" == "HPPavilion.lan").
  std::string repository_from(const std::string& machine) const;
};

// "/srv/restic" folder; "user@host:/path" and "host:/path" ssh (restic's sftp backend);
// "sftp:..." ssh as written; "rest:...", "s3:...", "b2:", "azure:", "gs:", "swift:", "rclone:" backends
// as written; anything else (e.g. "s3://bucket", "nas", a relative path) invalid, with the reason.
TargetLocation parse_target_location(const std::string& location);

// True when `a` and `b` name the same machine by their first label, case-insensitively.
bool same_machine(const std::string& a, const std::string& b);

}  // namespace rehome::backup
