#include "validate/targets.hpp"

#include <yaml-cpp/yaml.h>

#include <fmt/format.h>

#include "common/error.hpp"
#include "model/units.hpp"
#include "validate/policy.hpp"

namespace rehome::validate {
namespace {

struct Reader {
  std::string file;

  [[noreturn]] void fail(const YAML::Node& n, const std::string& what, const std::string& hint) const {
    throw UserError(fmt::format("{}:{}: {}", file, n.Mark().line + 1, what), hint);
  }

  std::string scalar(const YAML::Node& n, const std::string& field) const {
    if (!n.IsScalar()) fail(n, field + ": expected a value", "write it as text, e.g. " + field + ": ...");
    return n.as<std::string>();
  }

  double millis(const YAML::Node& n, const std::string& field) const {
    auto ms = model::parse_duration(scalar(n, field));
    if (!ms)
      fail(n, fmt::format("{}: '{}' is not a duration", field, n.as<std::string>()),
           "write e.g. 200ms or 5s");
    return static_cast<double>(*ms);
  }

  double share(const YAML::Node& n, const std::string& field) const {
    std::string s = scalar(n, field);
    bool percent = !s.empty() && s.back() == '%';
    try {
      size_t used = 0;
      double v = std::stod(percent ? s.substr(0, s.size() - 1) : s, &used);
      if (percent) v /= 100;
      if (used > 0 && v > 0 && v <= 1) return v;
    } catch (const std::exception&) {
    }
    fail(n, fmt::format("{}: '{}' is not a share", field, s), "write a percentage such as 90%");
  }

  std::vector<Endpoint> endpoints(const YAML::Node& n, const std::string& section, bool is_database) const {
    std::vector<Endpoint> out;
    if (!n) return out;
    if (!n.IsMap()) fail(n, section + ": expected a map of name: {url: ...}", "see `rehome validate --help`");
    for (const auto& kv : n) {
      Endpoint e;
      e.name = scalar(kv.first, section + " name");
      e.line = kv.first.Mark().line + 1;
      const YAML::Node& v = kv.second;
      if (v.IsScalar()) {
        e.url = v.as<std::string>();
      } else if (v.IsMap() && v["url"]) {
        e.url = scalar(v["url"], section + "." + e.name + ".url");
        if (v["query"]) e.query = scalar(v["query"], section + "." + e.name + ".query");
      } else {
        fail(v, fmt::format("{}.{}: expected a URL or {{url: ...}}", section, e.name),
             "give the address to probe");
      }
      if (is_database) {
        if (e.query.empty()) e.query = "select 1";
        if (e.url.rfind("postgres", 0) != 0 && e.url.rfind("redis://", 0) != 0 &&
            e.url.rfind("mariadb://", 0) != 0 && e.url.rfind("mysql://", 0) != 0)
          fail(v,
               fmt::format("{}.{}: only postgres://, mariadb:// (mysql://) and redis:// URLs can be probed",
                           section, e.name),
               "write postgres://user@host:port/db, mariadb://user@host:port/db or redis://host:port");
      }
      out.push_back(e);
    }
    return out;
  }
};

}  // namespace

Targets parse_targets(const std::string& yaml, const std::string& filename) {
  Reader r{filename};
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    throw UserError(fmt::format("{}:{}: {}", filename, e.mark.line + 1, e.msg), "fix the YAML syntax");
  }
  Targets t;
  t.file = filename;
  if (root.IsNull()) return t;
  if (!root.IsMap())
    r.fail(root, "expected a map (databases:, services:, ...)", "see `rehome validate --help`");
  for (const auto& kv : root) {
    std::string key = r.scalar(kv.first, "section name");
    static const char* known[] = {"query_latency_target",
                                  "network_latency_target",
                                  "timeout",
                                  "databases",
                                  "services",
                                  "monitoring",
                                  "network",
                                  "security",
                                  "resources"};
    if (std::find(std::begin(known), std::end(known), key) == std::end(known))
      r.fail(kv.first, fmt::format("unknown section '{}'", key),
             "use databases, services, monitoring, network, security, resources or the *_target settings");
  }
  if (root["query_latency_target"])
    t.query_latency_target_ms = r.millis(root["query_latency_target"], "query_latency_target");
  if (root["network_latency_target"])
    t.network_latency_target_ms = r.millis(root["network_latency_target"], "network_latency_target");
  if (root["timeout"]) t.timeout_ms = static_cast<int>(r.millis(root["timeout"], "timeout"));
  t.databases = r.endpoints(root["databases"], "databases", true);
  t.services = r.endpoints(root["services"], "services", false);
  t.monitoring = r.endpoints(root["monitoring"], "monitoring", false);
  t.network = r.endpoints(root["network"], "network", false);
  for (const auto& e : t.network)
    if (!parse_host_port(e.url))
      throw UserError(
          fmt::format("{}:{}: network.{}: '{}' is not host:port", filename, e.line, e.name, e.url),
          "write e.g. 10.0.0.80:22");
  if (const auto& sec = root["security"]; sec && !sec.IsNull()) {
    if (!sec.IsMap())
      r.fail(sec, "security: expected {closed: [...], localhost_only: [...]}",
             "write e.g. closed: [\"10.0.0.80:5432\"] under security:");
    for (const char* list : {"closed", "localhost_only"})
      if (sec[list] && !sec[list].IsSequence() && !sec[list].IsNull())
        r.fail(sec[list], fmt::format("security.{}: expected a list", list), "write it as [a, b]");
    if (sec["closed"])
      for (const auto& n : sec["closed"]) {
        std::string hp = r.scalar(n, "security.closed");
        if (!parse_host_port(hp))
          r.fail(n, fmt::format("security.closed: '{}' is not host:port", hp), "write e.g. 10.0.0.80:5432");
        t.closed.push_back(hp);
      }
    if (sec["localhost_only"])
      for (const auto& n : sec["localhost_only"]) {
        int port = 0;
        try {
          port = n.as<int>();
        } catch (const YAML::Exception&) {
        }
        if (port <= 0 || port > 65535)
          r.fail(n, "security.localhost_only: expected port numbers", "write e.g. [8080, 5432]");
        t.localhost_only.push_back(port);
      }
  }
  if (const auto& res = root["resources"]; res && !res.IsNull()) {
    if (!res.IsMap()) r.fail(res, "resources: expected {memory: ..., disk: {...}}", "write e.g. memory: 90%");
    if (res["memory"]) t.memory_ceiling = r.share(res["memory"], "resources.memory");
    if (res["disk"]) {
      if (!res["disk"].IsMap())
        r.fail(res["disk"], "resources.disk: expected {path: ceiling}", "write e.g. {\"/\": 90%}");
      t.disks.clear();
      for (const auto& kv : res["disk"])
        t.disks.push_back({r.scalar(kv.first, "resources.disk path"), r.share(kv.second, "resources.disk")});
    }
  }
  return t;
}

}  // namespace rehome::validate
