#include "import/import_result.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/table.hpp"

namespace rehome::import {
namespace {

std::string sizing(const model::Resources& r) {
  if (r.estimated) return "est.";
  return r.measured ? "measured" : "declared";
}

std::string state_of(const model::Service& s) {
  if (s.has_local_state()) return "local";
  return s.stateful ? "shared" : "-";
}

void render_findings(std::string& out, const char* title, const std::vector<Finding>& findings) {
  if (findings.empty()) return;
  out += fmt::format("\n{} ({}):\n", title, findings.size());
  for (const auto& f : findings) out += fmt::format("  {}: {}: {}\n", f.where, f.subject, f.what);
}

nlohmann::json findings_json(const std::vector<Finding>& findings) {
  auto arr = nlohmann::json::array();
  for (const auto& f : findings)
    arr.push_back({{"where", f.where}, {"subject", f.subject}, {"what", f.what}});
  return arr;
}

}  // namespace

std::string render_summary(const ImportResult& result) {
  Table table(
      {"service", "stack", "image", "category", ">replicas", ">memory", ">limit", ">cpu", "sizing", "state"});
  for (const auto& s : result.estate.services) {
    const auto& r = s.resources;
    table.add_row({s.name, s.stack, s.image, model::to_string(s.category) + (s.category_guessed ? "?" : ""),
                   s.global ? "global" : std::to_string(s.replicas),
                   model::format_bytes(r.memory_reservation),
                   r.memory_limit ? model::format_bytes(r.memory_limit) : "none",
                   model::format_cpu(r.cpu_reservation), sizing(r), state_of(s)});
  }
  std::string out = table.render();
  out += std::to_string(result.estate.services.size()) + " services in " + result.estate.name +
         " ('?' = category guessed from the image name; override with the label rehome.category)\n";
  render_findings(out, "Could not be mapped", result.unmapped);
  render_findings(out, "Duplicates", result.duplicates);
  render_findings(out, "Notes", result.notes);
  return out;
}

nlohmann::json summary_json(const ImportResult& result) {
  auto services = nlohmann::json::array();
  for (const auto& s : result.estate.services) {
    const auto& r = s.resources;
    services.push_back({{"name", s.name},
                        {"stack", s.stack},
                        {"image", s.image},
                        {"category", model::to_string(s.category)},
                        {"category_guessed", s.category_guessed},
                        {"replicas", s.replicas},
                        {"global", s.global},
                        {"memory_reservation", r.memory_reservation},
                        {"memory_limit", r.memory_limit},
                        {"cpu_reservation_millicores", r.cpu_reservation},
                        {"cpu_limit_millicores", r.cpu_limit},
                        {"sizing", sizing(r)},
                        {"stateful", s.stateful},
                        {"local_state", s.has_local_state()},
                        {"where", s.where.str()}});
  }
  return {{"estate", result.estate.name},
          {"services", services},
          {"unmapped", findings_json(result.unmapped)},
          {"duplicates", findings_json(result.duplicates)},
          {"notes", findings_json(result.notes)}};
}

}  // namespace rehome::import
