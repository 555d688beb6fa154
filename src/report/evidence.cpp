#include <algorithm>
#include <fstream>

#include <fmt/format.h>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/sha256.hpp"
#include "report/report.hpp"

namespace rehome::report {
namespace {

std::optional<nlohmann::json> read_json(const std::filesystem::path& p, std::vector<std::string>& problems) {
  try {
    auto j = nlohmann::json::parse(read_file(p), nullptr, false);
    if (!j.is_discarded()) return j;
    problems.push_back(fmt::format("{}: not valid JSON; left out", p.string()));
  } catch (const UserError& e) {
    problems.push_back(e.what());
  }
  return std::nullopt;
}

std::vector<BackupFile> read_backups(const std::filesystem::path& dir, std::vector<std::string>& problems) {
  std::vector<BackupFile> out;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return out;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".sha256") continue;
    std::string line;
    std::ifstream(entry.path()) >> line;
    std::filesystem::path file = entry.path();
    file.replace_extension();
    BackupFile b{file.filename().string(), 0, line, false};
    if (std::filesystem::exists(file, ec)) {
      b.size = static_cast<model::Bytes>(std::filesystem::file_size(file, ec));
      try {
        b.verified = sha256_file(file) == b.sha256;
      } catch (const UserError& e) {
        problems.push_back(e.what());
      }
    }
    out.push_back(b);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.file < b.file; });
  return out;
}

}  // namespace

Evidence load_evidence(const std::filesystem::path& dir, const std::filesystem::path& backups_dir) {
  Evidence ev;
  std::error_code ec;
  if (!dir.empty() && std::filesystem::is_directory(dir, ec)) {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
      if (entry.path().extension() == ".json") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const auto& p : files) {
      auto j = read_json(p, ev.problems);
      if (!j) continue;
      std::string name = p.filename().string();
      std::string kind = j->is_object() ? j->value("kind", "") : "";
      if (kind == move::kEvidenceKind) {
        try {
          ev.move = move::move_evidence_from_json(*j, p.string());
        } catch (const UserError& e) {
          ev.problems.push_back(e.what());
        }
      } else if (name == "phases.json" || kind == "rehome.phases")
        ev.phases = j;
      else if (name == "validation.json" || kind == "rehome.validation")
        ev.validation = j;
      else if (kind == resilience::kDrillKind)
        try {
          ev.drills.push_back(resilience::drill_from_json(*j, p.string()));
        } catch (const UserError& e) {
          ev.problems.push_back(std::string(e.what()) + "; left out");
        }
      else if (name.find("migrat") != std::string::npos || kind.find("migrat") != std::string::npos)
        ev.migrations.push_back(
            {name.rfind("migrate-", 0) == 0 ? name.substr(8, name.size() - 13) : name, *j});
    }
  } else if (!dir.empty()) {
    ev.problems.push_back(
        fmt::format("{}: no such evidence folder; the report shows the plan only", dir.string()));
  }
  auto bdir = backups_dir.empty() && !dir.empty() ? (dir / ".." / "backups").lexically_normal() : backups_dir;
  if (!bdir.empty()) ev.backups = read_backups(bdir, ev.problems);
  return ev;
}

}  // namespace rehome::report
