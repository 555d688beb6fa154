#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rehome::model {

// Memory and disk in bytes, CPU in millicores (1000 = one thread), durations in milliseconds.
// Integers everywhere, so sums and comparisons in the planner are exact.
using Bytes = std::int64_t;
using MilliCpu = std::int64_t;
using Millis = std::int64_t;

inline constexpr Bytes KiB = 1024;
inline constexpr Bytes MiB = 1024 * KiB;
inline constexpr Bytes GiB = 1024 * MiB;

// Sizes as people write them: "512M", "512MB", "512Mi", "1.5G", "4GB", "2 GiB", "1024" (bytes),
// "100k". Binary multiples throughout (1G = 1024 MiB), as Docker does. nullopt when malformed.
std::optional<Bytes> parse_bytes(std::string_view text);

// CPU as people write it: "0.5", "2", "500m" (millicores), "1.5 cpus". nullopt when malformed.
std::optional<MilliCpu> parse_cpu(std::string_view text);

// Durations: "10s", "1m30s", "500ms", "2h", "90" (seconds). nullopt when malformed.
std::optional<Millis> parse_duration(std::string_view text);

// "15.0 GB", "512 MB" (one decimal above 1 GiB); "4 threads", "0.5"; "1m 30s".
std::string format_bytes(Bytes bytes);
std::string format_cpu(MilliCpu cpu);
std::string format_duration(Millis ms);

// Canonical forms for writing YAML back: "1536M", "500m"/"2", "90s".
std::string canonical_bytes(Bytes bytes);
std::string canonical_cpu(MilliCpu cpu);
std::string canonical_duration(Millis ms);

}  // namespace rehome::model
