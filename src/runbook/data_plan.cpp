#include "runbook/data_plan.hpp"

#include <set>

#include <fmt/format.h>

#include "common/error.hpp"
#include "runbook/order.hpp"
#include "runbook/reach.hpp"
#include "runbook/shell.hpp"

namespace rehome::runbook {
namespace {

// The mover of an engine that has one; "" for the others.
std::string native_mover(const std::string& engine) {
  if (engine == "postgres" || engine == "redis") return engine;
  if (engine == "mariadb" || engine == "mysql") return "mariadb";
  return "";
}

// The port the old server publishes the engine on (estate ports), else the engine's own.
int published_port(const model::Service& s, const std::string& mover) {
  int own = engine_port(mover);
  for (const auto& p : s.ports)
    if (p.target == own && p.published) return p.published;
  for (const auto& p : s.ports)
    if (p.published) return p.published;
  return own;
}

std::string host_port(const std::string& v, const std::string& side, const std::string& address, int port) {
  return fmt::format("${{{0}_{1}_HOST:-{2}}}:${{{0}_{1}_PORT:-{3}}}", v, side, address, port);
}

std::string url(const model::Service& s, const std::string& mover, const std::string& side,
                const std::string& address, int port, const std::string& database) {
  std::string v = variable_prefix(s.name);
  std::string host = host_port(v, side, address, port);
  if (mover == "redis") return fmt::format("redis://${{{0}_PASSWORD:+:${0}_PASSWORD@}}{1}", v, host);
  if (mover == "mariadb")  // every user database of the server
    return fmt::format("mariadb://${{{0}_USER:-root}}${{{0}_PASSWORD:+:${0}_PASSWORD}}@{1}", v, host);
  return fmt::format("postgres://${{{0}_USER:-postgres}}${{{0}_PASSWORD:+:${0}_PASSWORD}}@{1}/{2}", v, host,
                     database);
}

// The engine's client with its password in the environment (REDISCLI_AUTH: redis-cli 7.0 mis-parses
// redis://:password@host; MYSQL_PWD), so none is in argv.
std::string client(const model::Service& s, const std::string& mover, const std::string& side,
                   const std::string& address, int port) {
  std::string v = variable_prefix(s.name);
  if (mover == "redis")
    return fmt::format(
        "REDISCLI_AUTH=\"${{{0}_PASSWORD}}\" redis-cli -h ${{{0}_{1}_HOST:-{2}}} -p ${{{0}_{1}_PORT:-{3}}}",
        v, side, address, port);
  if (mover == "mariadb")
    return fmt::format(
        "MYSQL_PWD=\"${{{0}_PASSWORD}}\" mariadb -h ${{{0}_{1}_HOST:-{2}}} -P ${{{0}_{1}_PORT:-{3}}} -u "
        "${{{0}_USER:-root}}",
        v, side, address, port);
  return "";
}

const model::Server* target_of(const Context& c, const model::Service& s, bool required) {
  auto servers = c.plan.servers_of(s.name);
  if (servers.empty()) {
    if (!required) return nullptr;
    throw UserError(
        fmt::format("{}: the plan places no replica of database service '{}'", c.plan.where.str(), s.name),
        "add it to the plan (rehome plan writes a complete one), or remove it from the estate");
  }
  const model::Server* target = c.estate.find_server(servers.front());
  if (!target)
    throw UserError(fmt::format("{}: the plan places '{}' on '{}', which is not a server of the estate",
                                c.plan.where.str(), s.name, servers.front()),
                    "use a server name from the estate's servers list");
  return target;
}

void add_native(const Context& c, const model::Service& s, const std::string& mover,
                std::vector<DataItem>& out) {
  const model::Server* target = target_of(c, s, true);
  int port = published_port(s, mover);
  std::vector<std::string> names = s.data->databases;
  if (mover != "postgres")
    names = {""};
  else if (names.empty())
    names = {"postgres"};
  for (const auto& db : names) {
    DataItem d;
    d.service = s.name;
    d.engine = mover;
    d.database = db;
    d.to_server = target->name;
    d.from_url = url(s, mover, "OLD", c.old_server.address, port, db);
    d.to_url = url(s, mover, "NEW", target->address, runner_port(mover), db);
    d.method = DataMethod::native;
    d.source_engine = s.data->engine;
    d.from_cli = client(s, mover, "OLD", c.old_server.address, port);
    d.to_cli = client(s, mover, "NEW", target->address, runner_port(mover));
    out.push_back(std::move(d));
  }
}

// Host paths that are the machine's, not the service's data: sockets, kernel and Docker folders, logs.
bool system_path(const std::string& p) {
  if (p.size() >= 5 && p.compare(p.size() - 5, 5, ".sock") == 0) return true;
  for (const char* prefix : {"/proc", "/sys", "/dev", "/run", "/var/run", "/var/lib/docker", "/var/log",
                             "/etc", "/boot", "/usr", "/lib"})
    if (p == prefix || p.rfind(std::string(prefix) + "/", 0) == 0) return true;
  return p == "/";
}

std::string slug_word(std::string path) {
  while (!path.empty() && path.front() == '/') path.erase(0, 1);
  for (auto& ch : path)
    if (ch == '/') ch = '-';
  return path;
}

}  // namespace

std::string DataItem::slug() const {
  if (engine == "volume") return bind() ? "bind." + slug_word(database) : "volume." + database;
  return database.empty() ? service : service + "." + database;
}

VolumeEnds volume_ends(const DataItem& d) {
  auto split = [](const std::string& s) {
    auto sp = s.rfind(' ');
    return std::pair{s.substr(0, sp), sp == std::string::npos ? std::string() : s.substr(sp + 1)};
  };
  VolumeEnds e;
  auto [from_engine, from] = split(d.from_url);
  auto [to_engine, to] = split(d.to_url);
  e.from_engine = from_engine;
  e.to_engine = to_engine;
  (!from.empty() && from.front() == '/' ? e.from_path : e.from_volume) = from;
  (!to.empty() && to.front() == '/' ? e.to_path : e.to_volume) = to;
  return e;
}

std::string volume_mover_words(const DataItem& d) {
  const VolumeEnds e = volume_ends(d);
  std::string from =
      e.from_path.empty() ? shell_word(e.from_volume) : "--from-path " + shell_word(e.from_path);
  std::string to =
      e.to_path.empty() ? "--to-volume " + shell_word(e.to_volume) : "--to-path " + shell_word(e.to_path);
  return fmt::format("{} --from-engine \"{}\" --to-engine \"{}\" {}", from, e.from_engine, e.to_engine, to);
}

std::string engine_endpoint(const Context& c, const model::Server& server, bool target) {
  const bool old = server.name == c.old_server.name;
  auto given = c.options.engines.find(server.name);
  if (target && given != c.options.engines.end()) return given->second;
  if (old && !c.options.old_engine.empty()) return c.options.old_engine;
  if (given != c.options.engines.end()) return given->second;
  const std::string& runner =
      c.options.runner_address.empty() ? c.old_server.address : c.options.runner_address;
  const bool here = server.address == runner || (old && c.options.runner_address.empty());
  return fmt::format("${{{}_DOCKER_HOST:-{}}}", variable_prefix(server.name),
                     here ? "unix:///var/run/docker.sock" : "ssh://" + server.address);
}

std::vector<DataItem> data_plan(const Context& c) {
  std::vector<DataItem> out;
  std::set<std::string> targets;  // "<server> <volume or path>": a volume two services share is copied once
  std::set<std::string> slugs;
  for (const auto& s : c.estate.services) {
    const std::string engine = s.data ? s.data->engine : "";
    if (s.data && s.data->replica_of) {
      DataItem d;
      d.service = s.name;
      d.engine = engine;
      d.method = DataMethod::none;
      d.source_engine = engine;
      d.note = "a streaming replica of " + *s.data->replica_of + ": rebuilt from its primary, not copied";
      out.push_back(std::move(d));
      continue;
    }
    if (std::string mover = s.data ? native_mover(engine) : ""; !mover.empty()) {
      add_native(c, s, mover, out);
      continue;
    }
    // Volumes and bind data: the service's own data unless it is a database with a native mover.
    const bool cold = s.data && engine != "files";
    const model::Server* target = target_of(c, s, false);
    for (const auto& v : s.volumes) {
      if (v.read_only || v.name.empty() || (v.bind && system_path(v.name))) continue;
      DataItem d;
      d.service = s.name;
      d.engine = "volume";
      d.database = v.name;
      d.source_engine = engine;
      if (v.shared || !target) {
        d.method = DataMethod::none;
        d.note = v.shared ? "on shared storage: the new service mounts the same storage"
                          : "the plan places no replica of " + s.name;
        out.push_back(std::move(d));
        continue;
      }
      // `docker stack deploy` names a service's volume <stack>_<volume>; a bind folder keeps its path.
      std::string to = v.bind ? v.name : stack_of(s) + "_" + v.name;
      if (!targets.insert(target->name + " " + to).second) continue;
      d.to_server = target->name;
      d.from_url = engine_endpoint(c, c.old_server) + " " + v.name;
      d.to_url = engine_endpoint(c, *target, true) + " " + to;
      d.method = cold ? DataMethod::cold : DataMethod::volume;
      if (cold)
        d.note = "rehome has no native mover for " + engine +
                 ": its volume is copied cold, the service stopped on both sides, and proven by the manifest";
      if (slugs.count(d.slug())) d.database = to;  // the same volume for another stack: named by its target
      slugs.insert(d.slug());
      out.push_back(std::move(d));
    }
    if (cold && (out.empty() || out.back().service != s.name)) {
      // A database engine with no volume the estate knows of: said, not silently skipped.
      DataItem d;
      d.service = s.name;
      d.engine = engine;
      d.method = DataMethod::none;
      d.source_engine = engine;
      d.note = "no named volume or bind folder holds its data in the estate: add its volumes to move it";
      out.push_back(std::move(d));
    }
  }
  return out;
}

std::vector<DataItem> moved_data(const Context& c) {
  std::vector<DataItem> out;
  for (auto& d : data_plan(c))
    if (d.method != DataMethod::none) out.push_back(std::move(d));
  return out;
}

std::string password_env(const DataItem& d) {
  if (d.engine != "postgres" && d.engine != "mariadb" && d.engine != "redis") return "";
  const char* variable = d.engine == "postgres" ? "PGPASSWORD"
                         : d.engine == "redis"  ? "REDISCLI_AUTH"
                                                : "MYSQL_PWD";
  return fmt::format("{}=\"${{{}_PASSWORD}}\" ", variable, variable_prefix(d.service));
}

std::string without_password(const DataItem& d, std::string url) {
  const std::string v = variable_prefix(d.service);
  const std::string password = d.engine == "redis" ? fmt::format("${{{0}_PASSWORD:+:${0}_PASSWORD@}}", v)
                                                   : fmt::format("${{{0}_PASSWORD:+:${0}_PASSWORD}}", v);
  if (auto at = url.find(password); at != std::string::npos) url.erase(at, password.size());
  return url;
}

MoverArgv mover_argv(const DataItem& d, const std::string& rehome) {
  // The password in the engine's own variable (PGPASSWORD, REDISCLI_AUTH, MYSQL_PWD), which both ends'
  // URLs share (one user and password per service): none in argv, where `ps` shows it.
  return {password_env(d) + rehome, without_password(d, d.from_url), without_password(d, d.to_url)};
}

std::string copy_flags(const DataItem& d, const CopyOptions& o) {
  std::string out;
  if (d.engine == "postgres" || d.engine == "mariadb") out += fmt::format(" --jobs {}", o.jobs);
  if (o.verify.empty()) return out;
  if (d.engine == "postgres") out += " --verify " + o.verify;
  if (d.engine == "mariadb") out += o.verify == "none" ? " --verify none" : " --verify checksum";
  if (d.engine == "volume" && o.verify == "readback") out += " --rehash";
  return out;
}

std::vector<std::string> credential_variables(const model::Estate& estate) {
  std::vector<std::string> out;
  for (const auto& s : estate.services) {
    if (!s.data || s.data->replica_of) continue;
    std::string mover = native_mover(s.data->engine);
    if (mover.empty()) continue;
    std::string v = variable_prefix(s.name);
    if (mover != "redis") out.push_back(v + "_USER");
    out.push_back(v + "_PASSWORD");
  }
  return out;
}

}  // namespace rehome::runbook
