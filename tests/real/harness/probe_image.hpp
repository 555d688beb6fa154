#pragma once
// The test image: our static probe (tests/probe) FROM scratch. There is no registry in tests, so the
// image is built on each engine that needs it (about a second).
//
//   probe               HTTP on $PROBE_PORT (8080): /health -> 200, /metrics -> Prometheus text
//   $PROBE_MEMORY=N     allocate and touch N MiB
//   $PROBE_REQUIRE_FILE /health answers 503 until this file is readable (e.g. a mounted secret)
//   probe --check URL   exit 0 when URL answers 200: the HEALTHCHECK, since the image has no curl
#include <filesystem>
#include <string>
#include <vector>

#include "real/harness/dockerd.hpp"

namespace rehome::test {

inline constexpr const char* kProbeImage = "rehome/probe:test";
inline constexpr int kProbePort = 8080;

// The built static probe binary (throws when it is missing: build the `probe` target).
std::filesystem::path probe_binary();

// The healthcheck command for the probe on `port`, as exec form:
// ["/probe","--check","http://127.0.0.1:port/health"].
std::vector<std::string> probe_health_command(int port = kProbePort);

// Builds `tag` on `engine` FROM scratch around the probe, with a HEALTHCHECK every 2 s. Returns the tag.
std::string build_probe_image(const DockerEngine& engine, const std::string& tag = kProbeImage);

}  // namespace rehome::test
