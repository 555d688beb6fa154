#include "generate/write_out.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "common/atomic_file.hpp"
#include "common/error.hpp"

namespace rehome::generate {
namespace fs = std::filesystem;

namespace {

// The file's content, or nullopt when it does not exist.
std::optional<std::string> existing(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  return read_file(path);
}

std::set<std::string> previous_files(const fs::path& out) {
  std::set<std::string> files;
  auto manifest = existing(out / kManifest);
  if (!manifest) return files;
  std::istringstream lines(*manifest);
  for (std::string line; std::getline(lines, line);) {
    // Only plain relative paths: a hand-edited manifest must not make us delete outside `out`.
    if (!line.empty() && line.front() != '#' && line.front() != '/' && line.find("..") == std::string::npos) {
      files.insert(line);
    }
  }
  return files;
}

bool is_script(const std::string& path) {
  return path.size() > 3 && path.compare(path.size() - 3, 3, ".sh") == 0;
}

}  // namespace

std::string to_string(FileStatus s) {
  switch (s) {
    case FileStatus::unchanged:
      return "unchanged";
    case FileStatus::written:
      return "written";
    case FileStatus::differs:
      return "differs";
    case FileStatus::missing:
      return "missing";
    case FileStatus::obsolete:
      return "obsolete";
    case FileStatus::removed:
      return "removed";
  }
  return "?";
}

std::vector<OutputEntry> compare_output(const fs::path& out, const Files& files) {
  std::vector<OutputEntry> entries;
  for (const auto& [path, content] : files) {
    auto current = existing(out / path);
    FileStatus status =
        !current ? FileStatus::missing : (*current == content ? FileStatus::unchanged : FileStatus::differs);
    entries.push_back({path, status});
  }
  for (const auto& path : previous_files(out)) {
    std::error_code ec;
    if (!files.count(path) && fs::exists(out / path, ec)) entries.push_back({path, FileStatus::obsolete});
  }
  return entries;
}

std::vector<OutputEntry> write_output(const fs::path& out, const Files& files) {
  std::error_code ec;
  if (fs::exists(out, ec) && !fs::is_directory(out, ec)) {
    throw UserError(out.string() + " exists and is not a folder",
                    "give -o a folder (it is created when missing)");
  }
  auto entries = compare_output(out, files);
  for (auto& e : entries) {
    if (e.status == FileStatus::differs || e.status == FileStatus::missing) {
      write_file_atomically(out / e.path, files.at(e.path));
      e.status = FileStatus::written;
    } else if (e.status == FileStatus::obsolete) {
      fs::remove(out / e.path, ec);
      e.status = FileStatus::removed;
    }
    if (is_script(e.path) && e.status != FileStatus::removed) {
      if (::chmod((out / e.path).c_str(), 0755) != 0) {
        throw UserError("cannot make " + (out / e.path).string() + " executable",
                        "check the folder's permissions");
      }
    }
  }
  std::string manifest = "# Files written by `rehome generate`; obsolete ones are removed on the next run.\n";
  for (const auto& [path, content] : files) manifest += path + "\n";
  if (existing(out / kManifest) != manifest) write_file_atomically(out / kManifest, manifest);
  return entries;
}

bool is_stale(const std::vector<OutputEntry>& entries) {
  return std::any_of(entries.begin(), entries.end(), [](const OutputEntry& e) {
    return e.status == FileStatus::differs || e.status == FileStatus::missing ||
           e.status == FileStatus::obsolete;
  });
}

}  // namespace rehome::generate
