#pragma once
#include <filesystem>
#include <string_view>

namespace rehome {

// Writes `content` to `path` through a temporary file in the same folder, fsync'd and renamed, so a
// reader sees the old file or the new one and never half of one. Creates parent folders.
// Throws UserError naming the path when it cannot.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

// Reads a whole file; throws UserError naming the path when it cannot.
std::string read_file(const std::filesystem::path& path);

}  // namespace rehome
