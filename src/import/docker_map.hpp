#pragma once
// A live engine's answers (recorded JSON) -> services of an estate. Pure: unit-tested with JSON
// recorded from a real engine; docker_engine.hpp fetches them.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "import/import_result.hpp"

namespace rehome::import {

struct EngineSnapshot {
  nlohmann::json version;                                    // GET /version
  nlohmann::json info;                                       // GET /info
  std::vector<nlohmann::json> containers;                    // GET /containers/{id}/json, running ones
  std::map<std::string, std::vector<nlohmann::json>> stats;  // container id -> stats samples, oldest first
  std::map<std::string, nlohmann::json> volumes;             // volume name -> GET /volumes/{name}
  std::map<std::string, nlohmann::json> networks;            // network name -> GET /networks/{name}
};

struct MeasureOptions {
  // reservation = measured peak x margin (docs/import.md): room for the peaks a short window misses.
  double memory_margin = 1.25;
  double cpu_margin = 1.25;
  model::MilliCpu min_cpu = 10;  // an idle container still gets a token share
};

// Memory in use by a container in one stats sample: usage minus the reclaimable page cache
// (inactive_file on cgroup v2, total_inactive_file on v1), as `docker stats` shows it. nullopt when
// the sample has no memory figures (a container that just stopped).
std::optional<model::Bytes> memory_in_use(const nlohmann::json& stats);

// CPU used between two samples in millicores (1000 = one thread busy): cpu_delta / system_delta x
// online_cpus x 1000, as `docker stats` computes its CPU %. nullopt when the deltas are unusable.
std::optional<model::MilliCpu> cpu_between(const nlohmann::json& earlier, const nlohmann::json& later);

struct Measurement {
  model::Bytes memory_peak = 0;
  model::MilliCpu cpu_peak = 0;
  int samples = 0;
};
Measurement measure(const std::vector<nlohmann::json>& samples);

// Groups containers into services by their compose labels (com.docker.compose.project/service, or a
// Swarm stack's labels; else the container's own name), one replica per container. Limits, mounts,
// networks, ports, restart policy and health check come from inspect; reservations from the stats
// (marked measured), or the category default (marked estimated) when there are no samples.
// One server is added: the engine's host from /info (name, memory, CPUs).
ImportResult map_engine(const EngineSnapshot& snapshot, const MeasureOptions& options = {});

}  // namespace rehome::import
