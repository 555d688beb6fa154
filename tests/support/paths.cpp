#include "support/paths.hpp"

namespace rehome::test {

std::filesystem::path source_dir() { return REHOME_SOURCE_DIR; }
std::filesystem::path binary_dir() { return REHOME_BINARY_DIR; }
std::filesystem::path rehome_binary() { return binary_dir() / "rehome"; }
std::filesystem::path rehome_testhooks_binary() { return binary_dir() / "rehome-testhooks"; }

}  // namespace rehome::test
