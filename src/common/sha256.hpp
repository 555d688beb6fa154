#pragma once
// SHA-256 (OpenSSL libcrypto) of bytes and of files: backup artefacts and manifests, the report's
// check of the evidence it shows.
#include <filesystem>
#include <string>
#include <string_view>

namespace rehome {

// Lower-case hex SHA-256 of a byte string.
std::string sha256_hex(std::string_view data);

// Lower-case hex SHA-256 of a file, streamed (dumps can be many GB). Throws UserError naming the file.
std::string sha256_file(const std::filesystem::path& path);

}  // namespace rehome
