#pragma once
// Puts generated files in the output folder, or tells whether it is stale. The only part of
// src/generate that touches the file system.
#include <filesystem>
#include <string>
#include <vector>

#include "generate/generate.hpp"

namespace rehome::generate {

enum class FileStatus { unchanged, written, differs, missing, obsolete, removed };
std::string to_string(FileStatus s);

struct OutputEntry {
  std::string path;  // relative to the output folder
  FileStatus status = FileStatus::unchanged;
};

// The list of what `rehome generate` wrote last time, so files it no longer makes (a stack that
// went away) are removed, and files a person added are left alone.
inline constexpr const char* kManifest = ".rehome-generated";

// Compares without writing: unchanged, differs, missing, or obsolete (made last time, not now).
std::vector<OutputEntry> compare_output(const std::filesystem::path& out, const Files& files);

// Writes every file whose content differs (atomically: temp file + rename; scripts get mode 0755),
// removes obsolete ones, then the manifest. Unchanged files are not touched. Returns what it did.
std::vector<OutputEntry> write_output(const std::filesystem::path& out, const Files& files);

bool is_stale(const std::vector<OutputEntry>& entries);

}  // namespace rehome::generate
