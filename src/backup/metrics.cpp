#include "backup/metrics.hpp"

#include <fmt/format.h>

namespace rehome::backup {
namespace {

std::string label_set(const std::map<std::string, std::string>& labels) {
  std::string out;
  for (const auto& [k, v] : labels)
    out += fmt::format("{}{}=\"{}\"", out.empty() ? "" : ",", k, escape_label(v));
  return "{" + out + "}";
}

void metric(std::string& out, const char* name, const char* help, const char* type) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

}  // namespace

std::string escape_label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string render_backup_metrics(const BackupMetrics& m) {
  std::string out, labels = label_set(m.labels);
  if (m.last_success_time) {
    metric(out, "backup_last_success_timestamp", "Unix time of the newest backup that passed verification.",
           "gauge");
    out += fmt::format("backup_last_success_timestamp{} {}\n", labels, *m.last_success_time);
  }
  metric(out, "backup_last_exit_code", "Exit code of the last backup verification (0 = passed).", "gauge");
  out += fmt::format("backup_last_exit_code{} {}\n", labels, m.last_exit_code);
  metric(out, "backup_bytes", "Size in bytes of the newest backup.", "gauge");
  out += fmt::format("backup_bytes{} {}\n", labels, m.bytes);
  metric(out, "backup_last_check_timestamp", "Unix time of the last backup verification run.", "gauge");
  out += fmt::format("backup_last_check_timestamp{} {}\n", labels, m.last_check_time);
  return out;
}

std::string render_mirror_metrics(const std::vector<MirrorSync>& repos, const std::string& remote) {
  std::string out;
  metric(out, "git_mirror_last_sync_timestamp", "Unix time of the last successful mirror push.", "gauge");
  for (const auto& r : repos) {
    if (!r.last_sync_time) continue;
    out += fmt::format("git_mirror_last_sync_timestamp{} {}\n",
                       label_set({{"repository", r.repository}, {"remote", remote}}), *r.last_sync_time);
  }
  metric(out, "git_mirror_last_exit_code", "0 when the last mirror run of the repository succeeded.",
         "gauge");
  for (const auto& r : repos)
    out += fmt::format("git_mirror_last_exit_code{} {}\n",
                       label_set({{"repository", r.repository}, {"remote", remote}}), r.ok ? 0 : 1);
  return out;
}

}  // namespace rehome::backup
