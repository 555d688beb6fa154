#include "resilience/scenario.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "common/error.hpp"

namespace rehome::resilience {
namespace {

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t");
  auto e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string{} : s.substr(b, e - b + 1);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    auto pos = s.find(sep, start);
    out.push_back(trim(s.substr(start, pos == std::string::npos ? std::string::npos : pos - start)));
    if (pos == std::string::npos) break;
    start = pos + 1;
  }
  return out;
}

void require_server(const model::Estate& estate, const std::string& name, const std::string& context) {
  if (estate.find_server(name)) return;
  std::vector<std::string> names;
  for (const auto& s : estate.servers) names.push_back(s.name);
  throw UserError(fmt::format("{}: no server named '{}' in estate '{}'", context, name, estate.name),
                  "use one of: " + join(names, ", "));
}

}  // namespace

std::string Scenario::name() const {
  if (kind == Kind::partition) return join(side_a, ",") + " | " + join(side_b, ",");
  return join(lost, " + ") + " down";
}

std::vector<Scenario> failure_scenarios(const model::Estate& estate, int depth) {
  std::vector<Scenario> out;
  const auto& s = estate.servers;
  for (const auto& a : s) out.push_back({.lost = {a.name}});
  if (depth >= 2)
    for (size_t i = 0; i < s.size(); ++i)
      for (size_t j = i + 1; j < s.size(); ++j) out.push_back({.lost = {s[i].name, s[j].name}});
  return out;
}

Scenario failure_of(const model::Estate& estate, const std::vector<std::string>& servers) {
  Scenario sc;
  for (const auto& name : servers) {
    require_server(estate, name, "--fail");
    if (std::find(sc.lost.begin(), sc.lost.end(), name) == sc.lost.end()) sc.lost.push_back(name);
  }
  if (sc.lost.empty()) throw UserError("--fail: no server named", "name one or more servers: --fail hpr");
  return sc;
}

Scenario parse_partition(const model::Estate& estate, const std::string& spec) {
  auto sides = split(spec, '|');
  if (sides.size() > 2)
    throw UserError(fmt::format("--partition '{}': more than two sides", spec),
                    "write two sides separated by one '|': --partition gmktec,hppavilion|wsasus,hpr");
  Scenario sc{.kind = Scenario::Kind::partition};
  std::set<std::string> seen;
  auto read_side = [&](const std::string& text, std::vector<std::string>& side) {
    if (text.empty()) return;
    for (const auto& name : split(text, ',')) {
      if (name.empty()) continue;
      require_server(estate, name, fmt::format("--partition '{}'", spec));
      if (!seen.insert(name).second)
        throw UserError(fmt::format("--partition '{}': server '{}' is on both sides", spec, name),
                        "name every server at most once");
      side.push_back(name);
    }
  };
  read_side(sides[0], sc.side_a);
  if (sides.size() == 2) read_side(sides[1], sc.side_b);
  for (const auto& s : estate.servers)
    if (!seen.count(s.name)) sc.side_b.push_back(s.name);
  if (sc.side_a.empty() || sc.side_b.empty())
    throw UserError(fmt::format("--partition '{}': one side is empty", spec),
                    "a partition needs servers on both sides: --partition gmktec,hppavilion|wsasus,hpr");
  return sc;
}

std::vector<Scenario> all_partitions(const model::Estate& estate, int max_servers) {
  const int n = static_cast<int>(estate.servers.size());
  if (n > max_servers)
    throw UserError(fmt::format("--partitions all: {} servers make {} splits", n, (1ULL << (n - 1)) - 1),
                    fmt::format("name the splits you care about with --partition a,b|c,d (all splits "
                                "are enumerated up to {} servers)",
                                max_servers));
  std::vector<Scenario> out;
  // Server 0 always sits on side a, so each split is produced once.
  for (unsigned long long mask = 0; mask + 1 < (1ULL << (n - 1)); ++mask) {
    Scenario sc{.kind = Scenario::Kind::partition};
    sc.side_a.push_back(estate.servers[0].name);
    for (int i = 1; i < n; ++i)
      ((mask >> (i - 1)) & 1 ? sc.side_a : sc.side_b).push_back(estate.servers[i].name);
    out.push_back(std::move(sc));
  }
  return out;
}

}  // namespace rehome::resilience
