#pragma once
// A dump written once: the producer's stdout goes through rehome (hashed, framed as a tar) straight into
// `restic backup --stdin` of every repository, nothing on disk. The tar holds the dump in parts of at
// most 64 MiB ("<name>.000000", ...; a tar member's size comes before its bytes) and manifest.json last,
// so the manifest (size, sha256, row counts) is in the same snapshot. restic alone gets the dump back:
//   restic dump latest /<name>.tar | tar -xO --wildcards '<name>.0*' > <name>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "backup/restic.hpp"

namespace rehome::backup {

inline constexpr std::int64_t stream_part_bytes = 64 << 20;

struct StreamedDump {
  std::int64_t size = 0;
  std::string sha256;
  std::map<std::string, ResticBackupSummary> summaries;  // per repository (masked location)
  std::map<std::string, std::string> failures;           // per repository: restic's reason
};

// Runs `producer` (its password in `env`, never argv) and streams its stdout as "<name>.tar" into every
// repository with `tags`. `manifest(size, sha256)` returns manifest.json's text once the dump is complete.
// A producer that fails aborts every restic (no snapshot is made) and throws UserError with its stderr
// (secrets masked); a repository that fails is recorded and the others go on.
StreamedDump stream_dump(const std::vector<std::string>& producer,
                         const std::map<std::string, std::string>& env, const std::string& name,
                         const std::vector<Restic>& repos, const std::vector<std::string>& tags,
                         const std::function<std::string(std::int64_t, const std::string&)>& manifest);

// What a producer hands its bytes to, piece by piece.
using ByteSink = std::function<void(const char*, size_t)>;

// The same for a producer inside rehome (a volume's archive read through the Docker Engine API):
// `produce(sink)` writes the whole artefact into `sink` and throws UserError when it fails, which aborts
// every restic (no snapshot) and is rethrown.
StreamedDump stream_into(const std::function<void(const ByteSink&)>& produce, const std::string& name,
                         const std::vector<Restic>& repos, const std::vector<std::string>& tags,
                         const std::function<std::string(std::int64_t, const std::string&)>& manifest);

// Runs `argv` (its secrets in `env`, never argv) and hands its stdout to `sink`; throws UserError with
// its stderr (secrets masked) when it exits non-zero. What stream_dump produces with.
void run_producer(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                  const ByteSink& sink);

// A ustar header block for a regular file (pure; tested).
std::string tar_header(const std::string& member, std::int64_t size, std::int64_t mtime);

// After `restic restore` of a streamed snapshot into `dir`: each "*.tar" holding manifest.json is
// unpacked beside itself and its parts joined into the dump. Returns how many were unpacked.
int unpack_streams(const std::filesystem::path& dir);

}  // namespace rehome::backup
