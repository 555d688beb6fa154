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

std::string render_backup_metrics(const BackupMetrics& m) { return render_backup_metrics(std::vector{m}); }

std::string render_backup_metrics(const std::vector<BackupMetrics>& targets) {
  std::string out;
  auto family = [&](const char* name, const char* help, auto value) {
    std::string samples;
    for (const auto& m : targets)
      if (auto v = value(m)) samples += fmt::format("{}{} {}\n", name, label_set(m.labels), *v);
    if (samples.empty()) return;  // absent: BackupMetricsMissing fires
    metric(out, name, help, "gauge");
    out += samples;
  };
  using V = std::optional<std::int64_t>;
  family("backup_last_success_timestamp", "Unix time of the newest backup that passed verification.",
         [](const BackupMetrics& m) { return m.last_success_time; });
  family("backup_last_exit_code", "Exit code of the last backup verification (0 = passed).",
         [](const BackupMetrics& m) { return V(m.last_exit_code); });
  family("backup_bytes", "Size in bytes of the newest backup.",
         [](const BackupMetrics& m) { return V(m.bytes); });
  family("backup_last_check_timestamp", "Unix time of the last backup verification run.",
         [](const BackupMetrics& m) { return V(m.last_check_time); });
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
