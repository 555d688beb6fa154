#pragma once
#include <filesystem>

namespace rehome::test {

// The source tree (examples/ lives there) and the build tree (the rehome binary).
std::filesystem::path source_dir();
std::filesystem::path binary_dir();
std::filesystem::path rehome_binary();
// rehome with the migrate test hooks (tests/testhooks/): for tests that pause or skew a migration.
std::filesystem::path rehome_testhooks_binary();
inline std::filesystem::path example(const char* relative) { return source_dir() / "examples" / relative; }

}  // namespace rehome::test
