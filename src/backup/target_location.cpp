#include "backup/target_location.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace rehome::backup {
namespace {

std::string first_label(const std::string& host) {
  std::string out = host.substr(0, host.find('.'));
  // An IP address is compared whole ("10.0.0.80" is not "10").
  if (!host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == ':';
      }))
    out = host;
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// "[user@]host:/path" -> ssh, else invalid.
TargetLocation ssh_location(const std::string& text, const std::string& whole) {
  TargetLocation t;
  auto colon = text.find(":/");
  if (colon == std::string::npos || colon == 0 || text.find("://") != std::string::npos) {
    t.reason = fmt::format("\"{}\" is not a restic repository location", whole);
    return t;
  }
  std::string who = text.substr(0, colon);
  auto at = who.rfind('@');
  t.user = at == std::string::npos ? "" : who.substr(0, at);
  t.host = at == std::string::npos ? who : who.substr(at + 1);
  t.path = text.substr(colon + 1);
  if (t.host.empty() || t.host.find_first_of("/ ") != std::string::npos) {
    t.reason = fmt::format("\"{}\" names no host before \":/\"", whole);
    return t;
  }
  t.kind = TargetLocation::Kind::ssh;
  t.repository = "sftp:" + who + ":" + t.path;
  return t;
}

}  // namespace

bool same_machine(const std::string& a, const std::string& b) {
  return !a.empty() && !b.empty() && first_label(a) == first_label(b);
}

TargetLocation parse_target_location(const std::string& loc) {
  TargetLocation t;
  if (loc.starts_with("/")) {
    t.kind = TargetLocation::Kind::folder;
    t.path = t.repository = loc;
    return t;
  }
  if (loc.starts_with("sftp:") && !loc.starts_with("sftp://")) return ssh_location(loc.substr(5), loc);
  for (const char* scheme : {"rest:", "s3:", "b2:", "azure:", "gs:", "swift:", "rclone:"})
    if (loc.starts_with(scheme) && !loc.starts_with(std::string(scheme) + "//")) {
      t.kind = TargetLocation::Kind::backend;
      t.repository = loc;
      return t;
    }
  if (loc.starts_with("local:")) return parse_target_location(loc.substr(6));
  auto ssh = ssh_location(loc, loc);
  if (ssh.kind == TargetLocation::Kind::invalid)
    ssh.reason += ": write /path, [user@]host:/path, sftp:user@host:/path or rest:http://host:8000/name";
  return ssh;
}

std::string TargetLocation::repository_from(const std::string& machine) const {
  if (kind == Kind::ssh && user.empty() && same_machine(host, machine)) return path;
  return repository;
}

}  // namespace rehome::backup
