#pragma once
// What `rehome estate` shows: the servers, the services by category and tier, and whether the total
// reservation fits the capacity left after headroom.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/estate.hpp"
#include "model/problem.hpp"

namespace rehome::model {

struct GroupTotals {
  int services = 0;
  int replicas = 0;  // global services count once per server
  Bytes memory = 0;  // reservation x replicas
  MilliCpu cpu = 0;
};

struct EstateSummary {
  std::map<std::string, GroupTotals> by_category;
  std::map<std::string, GroupTotals> by_tier;
  GroupTotals total;
  Bytes memory_capacity = 0;
  Bytes memory_usable = 0;  // capacity minus headroom on every server
  MilliCpu cpu_capacity = 0;
  MilliCpu cpu_usable = 0;
  int estimated = 0;       // services whose memory is a per-category default
  int stateful_local = 0;  // services whose state is on one server's disk
};

EstateSummary summarize(const Estate& estate);

// Aligned tables for people.
std::string render_summary(const Estate& estate);
nlohmann::json summary_to_json(const Estate& estate);
nlohmann::json problems_to_json(const std::vector<Problem>& problems);

}  // namespace rehome::model
