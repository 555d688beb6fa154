// libFuzzer target: any bytes given as plan.yaml (or a person's proposal.yaml) for a fixed small estate
// give a Plan or a UserError, never a crash, a sanitizer report or another exception. Whatever parses is
// written back and must parse again to the same placement; with REHOME_FUZZ_PROPOSAL set at build time
// it is also checked as a proposal (hard rules, scorers, the recommended plan) and the check rendered.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/error.hpp"
#include "model/estate_yaml.hpp"
#include "plan/check.hpp"
#include "plan/plan_yaml.hpp"
#include "plan/render.hpp"

namespace {
// Two servers, a replicated web service, a database, a pinned replica and a global agent: enough for
// every rule of a plan file (roles, headroom, replica counts, pins, globals) to be reachable.
const char* kEstate = R"(name: fuzz
headroom: 15%
servers:
  a: {address: 10.9.9.1, memory: 8G, cpu: 4, role: manager, edge: true}
  b: {address: 10.9.9.2, memory: 6G, cpu: 8, labels: {disk: hdd}}
  c: {address: 10.9.9.3, memory: 4G, cpu: 2}
services:
  web: {image: nginx, memory: 256M, cpu: 500m, replicas: 2, ports: ["80:80"], placement: {max_per_node: 1}}
  db: {image: postgres:16, memory: 1G, volumes: ["db:/var/lib/postgresql/data"], data: {databases: [app]}}
  replica: {image: postgres:16, memory: 1G, data: {replica_of: db}, placement: {pin: [b]}}
  agent: {image: node-exporter, memory: 32M, global: true}
)";

const rehome::model::Estate& estate() {
  static const rehome::model::Estate e = rehome::model::parse_estate(kEstate, "fuzz-estate.yaml");
  return e;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  rehome::plan::Plan plan;
  try {
    plan = rehome::plan::parse_plan(text, "fuzz-plan.yaml", estate());
  } catch (const rehome::UserError&) {
    return 0;  // the expected way to reject input
  }
  std::string yaml = rehome::plan::plan_to_yaml(plan, estate());
  try {
    auto again = rehome::plan::parse_plan(yaml, "normalized.yaml", estate());
    for (const auto& s : estate().services) {
      auto before = plan.servers_of(s.name), after = again.servers_of(s.name);
      std::sort(before.begin(), before.end());
      std::sort(after.begin(), after.end());
      if (before != after) {
        std::fprintf(stderr, "normalized plan places %s elsewhere:\n%s\n", s.name.c_str(), yaml.c_str());
        std::abort();
      }
    }
  } catch (const rehome::UserError& e) {
    std::fprintf(stderr, "normalized plan does not read back: %s\n%s\n", e.what(), yaml.c_str());
    std::abort();
  }
#ifdef REHOME_FUZZ_PROPOSAL
  auto report = rehome::plan::check_proposal(estate(), plan);
  (void)rehome::plan::render_check(report, estate());
#else
  (void)rehome::plan::render_plan(plan, estate());
#endif
  return 0;
}
