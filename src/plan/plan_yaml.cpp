#include "plan/plan_yaml.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "model/did_you_mean.hpp"
#include "model/problem.hpp"
#include "plan/roles.hpp"

namespace rehome::plan {
namespace {

model::SourceLocation at(const std::string& file, const YAML::Node& node) {
  model::SourceLocation loc;
  loc.file = file;
  if (node.Mark().line >= 0) {
    loc.line = node.Mark().line + 1;
    loc.column = node.Mark().column + 1;
  }
  return loc;
}

// A mapping key as text; a key that is itself a list or a mapping (`? [a]: x`, `[]: x`) is no name.
std::string key_of(const std::string& file, const YAML::Node& key) {
  if (key.IsScalar()) return key.Scalar();
  throw UserError(
      fmt::format("{}: a key here must be a plain name, not a list or a mapping", at(file, key).str()),
      "write `name: value` (a plan is `servers: {server: [service, ...]}`)", exit_code::bad_input);
}

std::vector<std::string> names_of(const auto& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(i.name);
  return out;
}

std::string suggestion(const std::string& word, const std::vector<std::string>& known) {
  auto close = model::did_you_mean(word, known);
  return close.empty() ? "" : fmt::format("did you mean '{}'?", close);
}

std::string quoted(const std::string& name) {
  bool plain = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
  if (plain) return name;
  std::string out = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// `roles: {managers: [...], edge: [...]}`: kept as written; a list left out is decided (decide_roles).
void read_roles(const YAML::Node& node, const std::string& filename, const model::Estate& estate, Plan& plan,
                std::vector<model::Problem>& problems) {
  auto problem = [&](const YAML::Node& n, std::string path, std::string message, std::string hint = {}) {
    problems.push_back({at(filename, n), std::move(path), std::move(message), std::move(hint)});
  };
  if (!node.IsMap()) {
    problem(node, "roles", "expected `managers: [...]` and `edge: [...]`");
    return;
  }
  Roles roles = decide_roles(plan, estate);
  const auto server_names = names_of(estate.servers);
  for (const auto& kv : node) {
    const auto key = key_of(filename, kv.first);
    const std::string path = "roles." + key;
    if (key != "managers" && key != "edge") {
      problem(kv.first, path, "unknown key", suggestion(key, {"managers", "edge"}));
      continue;
    }
    if (!kv.second.IsSequence() && !kv.second.IsNull()) {
      problem(kv.second, path, "expected a list of servers, like [gmktec, hppavilion]");
      continue;
    }
    std::vector<RoleChoice> chosen;
    for (const auto& item : kv.second) {
      const auto name = item.IsScalar() ? item.Scalar() : std::string{};
      if (!estate.find_server(name))
        problem(item, path,
                fmt::format("unknown server '{}' (the estate has {})", name, fmt::join(server_names, ", ")),
                suggestion(name, server_names));
      else if (std::any_of(chosen.begin(), chosen.end(),
                           [&](const RoleChoice& c) { return c.server == name; }))
        problem(item, path, fmt::format("server '{}' listed twice", name));
      else
        chosen.push_back({name, fmt::format("written in {}", at(filename, item).str())});
    }
    if (key == "managers" && chosen.empty() && kv.second.size() == 0)
      problem(kv.second.IsNull() ? kv.first : kv.second, path, "a Swarm needs at least one manager",
              "list one or three servers, or leave `managers:` out to have them chosen");
    (key == "managers" ? roles.managers : roles.edge) = std::move(chosen);
  }
  plan.roles = std::move(roles);
}

}  // namespace

std::optional<double> parse_share(std::string text) {
  text.erase(std::remove(text.begin(), text.end(), ' '), text.end());
  bool percent = !text.empty() && text.back() == '%';
  if (percent) text.pop_back();
  try {
    size_t used = 0;
    double v = std::stod(text, &used);
    if (used != text.size() || v < 0) return std::nullopt;
    if (percent || v >= 1) v /= 100;
    if (v > 0.9) return std::nullopt;
    return v;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

Plan parse_plan(const std::string& yaml, const std::string& filename, const model::Estate& estate) {
  std::vector<model::Problem> problems;
  auto problem = [&](const YAML::Node& node, std::string path, std::string message, std::string hint = {}) {
    problems.push_back({at(filename, node), std::move(path), std::move(message), std::move(hint)});
  };
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::ParserException& e) {
    throw UserError(
        fmt::format("{}:{}:{}: not valid YAML: {}", filename, e.mark.line + 1, e.mark.column + 1, e.msg),
        "fix the syntax (a plan is `servers: {server: [service, ...]}`)", exit_code::bad_input);
  }
  if (!root.IsMap())
    throw UserError(fmt::format("{}: a plan is a mapping with `servers:`", filename),
                    "see `rehome plan -o plan.yaml` for the format", exit_code::bad_input);

  Plan plan;
  plan.where.file = filename;
  plan.estate_name = estate.name;
  plan.headroom = estate.headroom;
  std::map<std::string, int> count;                   // service -> replicas placed
  std::map<std::string, model::SourceLocation> last;  // service -> where it was last mentioned
  YAML::Node servers_node;
  std::optional<YAML::Node> roles_node;
  for (const auto& kv : root) {
    const auto key = key_of(filename, kv.first);
    if (key == "estate") {
      auto name = kv.second.as<std::string>("");
      if (!estate.name.empty() && name != estate.name)
        problem(kv.second, key,
                fmt::format("the plan is for estate '{}', the estate file is '{}'", name, estate.name),
                "pass the estate file the plan was made for");
    } else if (key == "headroom") {
      auto share = kv.second.IsScalar() ? parse_share(kv.second.Scalar()) : std::nullopt;
      if (!share)
        problem(kv.second, key, "headroom must be a share between 0% and 90%, like 10%");
      else
        plan.headroom = *share;
    } else if (key == "servers") {
      servers_node = kv.second;
    } else if (key == "roles") {
      roles_node = kv.second;  // a default YAML::Node counts as present: hence the optional
    } else if (key != "score" && key != "strategy") {
      problem(kv.first, key, "unknown key", suggestion(key, {"estate", "headroom", "servers", "roles"}));
    }
  }
  if (!servers_node || !servers_node.IsMap()) {
    problem(servers_node ? servers_node : root, "servers",
            "missing `servers:` mapping of server -> [services]");
  } else {
    const auto server_names = names_of(estate.servers);
    const auto service_names = names_of(estate.services);
    std::set<std::string> seen_servers;
    for (const auto& kv : servers_node) {
      const auto server = key_of(filename, kv.first);
      const std::string path = "servers." + server;
      if (!estate.find_server(server)) {
        problem(kv.first, path,
                fmt::format("unknown server '{}' (the estate has {})", server, fmt::join(server_names, ", ")),
                suggestion(server, server_names));
        continue;
      }
      if (!seen_servers.insert(server).second) problem(kv.first, path, "server listed twice");
      if (kv.second.IsNull()) continue;
      if (!kv.second.IsSequence()) {
        problem(kv.second, path, "expected a list of services, like [gitlab, traefik]");
        continue;
      }
      for (const auto& item : kv.second) {
        const auto name = item.IsScalar() ? item.Scalar() : std::string{};
        const auto* svc = estate.find_service(name);
        if (!svc) {
          problem(item, path, fmt::format("unknown service '{}'", name), suggestion(name, service_names));
          continue;
        }
        plan.assignments.push_back({name, count[name]++, server});
        last[name] = at(filename, item);
      }
    }
    for (const auto& svc : estate.services) {
      if (svc.global) {
        if (count[svc.name] == 0)  // omitted: one on every server
          for (const auto& s : estate.servers)
            plan.assignments.push_back({svc.name, count[svc.name]++, s.name});
        continue;
      }
      if (count[svc.name] == svc.replicas) continue;
      problems.push_back(
          {last.count(svc.name) ? last[svc.name] : at(filename, servers_node), "servers",
           count[svc.name] == 0
               ? fmt::format("service '{}' is not placed on any server (the estate asks for {} replica(s))",
                             svc.name, svc.replicas)
               : fmt::format("service '{}' is placed {} time(s) but the estate asks for {} replica(s)",
                             svc.name, count[svc.name], svc.replicas),
           "list the service once per replica, or change replicas in the estate"});
    }
  }
  if (roles_node) read_roles(*roles_node, filename, estate, plan, problems);
  if (!problems.empty())
    throw UserError(fmt::format("{} is not a valid plan for estate '{}':\n{}", filename, estate.name,
                                model::format_problems(problems)),
                    "fix the lines above", exit_code::bad_input);
  return plan;
}

Plan load_plan(const std::filesystem::path& path, const model::Estate& estate) {
  return parse_plan(read_file(path), path.string(), estate);
}

std::string plan_to_yaml(const Plan& plan, const model::Estate& estate) {
  // A global service on every server once is omitted (the reader puts it back everywhere); one a person
  // listed on some servers only is written as listed, so the file reads back to the same placement.
  std::map<std::string, std::multiset<std::string>> servers_of_global;
  for (const auto& a : plan.assignments) {
    const auto* svc = estate.find_service(a.service);
    if (svc && svc->global) servers_of_global[a.service].insert(a.server);
  }
  std::multiset<std::string> every_server;
  for (const auto& s : estate.servers) every_server.insert(s.name);
  std::map<std::string, std::vector<std::string>> by_server;
  for (const auto& a : plan.assignments) {
    const auto* svc = estate.find_service(a.service);
    if (svc && svc->global && servers_of_global[a.service] == every_server) continue;
    by_server[a.server].push_back(a.service);
  }
  std::string out = "# rehome plan: replica -> server. Review, edit, and pass it to the next commands.\n";
  out += "# A service appears once per replica on a server; global services on every server are omitted.\n";
  out += fmt::format("estate: {}\n", quoted(plan.estate_name.empty() ? estate.name : plan.estate_name));
  out += fmt::format("headroom: {}%\n", static_cast<int>(plan.headroom * 100 + 0.5));
  out += "servers:\n";
  for (const auto& s : estate.servers) {
    std::vector<std::string> names;
    for (const auto& n : by_server[s.name]) names.push_back(quoted(n));
    out += fmt::format("  {}: [{}]\n", quoted(s.name), fmt::join(names, ", "));
  }
  const auto roles = roles_of(plan, estate);
  auto listed = [](const std::vector<RoleChoice>& choices) {
    std::vector<std::string> names;
    for (const auto& c : choices) names.push_back(quoted(c.server));
    return fmt::format("[{}]", fmt::join(names, ", "));
  };
  out +=
      "# Swarm managers in join order (the first runs swarm init) and the servers taking public traffic.\n";
  out += "roles:\n";
  out += fmt::format("  managers: {}\n", listed(roles.managers));
  out += fmt::format("  edge: {}\n", listed(roles.edge));
  return out;
}

void save_plan(const std::filesystem::path& path, const Plan& plan, const model::Estate& estate) {
  write_file_atomically(path, plan_to_yaml(plan, estate));
}

}  // namespace rehome::plan
