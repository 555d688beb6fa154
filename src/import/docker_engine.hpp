#pragma once
// Reads everything `rehome import docker` needs from a live engine, sampling stats over a window.
#include <chrono>
#include <functional>
#include <string>

#include "engines/docker_client.hpp"
#include "import/docker_map.hpp"

namespace rehome::import {

// Called as sampling proceeds: (samples taken, samples planned). Long windows show progress.
using SampleProgress = std::function<void(int done, int total)>;

// /version, /info, every running container's inspect, its volumes' and networks' inspect, and stats
// samples taken once a second over `window` (at least two, so CPU has a delta). A container that
// stops while sampled keeps the samples it has. Throws UserError (naming the socket) as the client does.
EngineSnapshot read_engine(const engines::DockerClient& client, std::chrono::milliseconds window,
                           const SampleProgress& progress = {});

}  // namespace rehome::import
