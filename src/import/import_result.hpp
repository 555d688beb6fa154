#pragma once
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "model/estate.hpp"

namespace rehome::import {

// Something the importer wants a person to see, pointing at where it came from.
struct Finding {
  std::string where;    // "compose/gitlab/docker-compose.yml:14" or "container /gitlab-1"
  std::string subject;  // service, volume, network or container the finding is about
  std::string what;     // what happened and, where useful, what to do
};

// An imported estate plus everything that did not fit into it, for the closing note of a move.
struct ImportResult {
  model::Estate estate;
  std::vector<Finding> unmapped;    // settings rehome does not carry over (network_mode: host, devices ...)
  std::vector<Finding> duplicates;  // the same service in several files or projects, and how it was resolved
  std::vector<Finding> notes;       // worth knowing: no memory limit, estimated sizes, docker.sock mounts ...
};

// Human summary: a table of services (image, category, replicas, memory, cpu, state) followed by the
// three finding lists. Guessed categories carry a '?', estimated sizes "est.", measured ones "measured".
std::string render_summary(const ImportResult& result);

// The same for programs.
nlohmann::json summary_json(const ImportResult& result);

}  // namespace rehome::import
