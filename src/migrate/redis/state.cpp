#include "migrate/redis/state.hpp"

#include <charconv>
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "common/atomic_file.hpp"
#include "common/error.hpp"

namespace rehome::migrate {

using nlohmann::json;

std::string redis_state_json(const RedisState& s, const std::string& source, const std::string& target) {
  json dbs = json::array();
  for (const auto& [db, p] : s.dbs) {
    dbs.push_back(
        {{"db", db}, {"cursor", p.cursor}, {"started", p.started}, {"done", p.done}, {"keys", p.keys}});
  }
  return json{{"kind", "rehome-migrate-redis-state"},
              {"fingerprint", s.fingerprint},
              {"run_id", s.run_id},
              {"source", source},
              {"target", target},
              {"verified", s.verified},
              {"databases", dbs}}
             .dump(1) +
         "\n";
}

RedisState load_redis_state(const std::filesystem::path& path) {
  try {
    json j = json::parse(read_file(path));
    if (j.value("kind", "") != "rehome-migrate-redis-state")
      throw std::runtime_error("not a redis migration state");
    RedisState s{.fingerprint = j.at("fingerprint"),
                 .run_id = j.value("run_id", ""),
                 .verified = j.value("verified", false)};
    for (const auto& d : j.at("databases")) {
      s.dbs[d.at("db")] = {.cursor = d.at("cursor"),
                           .started = d.value("started", false),
                           .done = d.value("done", false),
                           .keys = d.value("keys", int64_t{0})};
    }
    return s;
  } catch (const UserError&) {
    throw;
  } catch (const std::exception& e) {
    throw UserError(
        fmt::format("{}: not a readable rehome redis migration state file ({})", path.string(), e.what()),
        "delete it to start again from the beginning");
  }
}

std::map<int, KeyspaceEntry> parse_keyspace(std::string_view info) {
  std::map<int, KeyspaceEntry> dbs;
  size_t at = 0;
  while ((at = info.find("\ndb", at)) != std::string::npos) {
    at += 3;
    int db = 0;
    std::from_chars(info.data() + at, info.data() + info.size(), db);
    KeyspaceEntry& e = dbs[db];
    size_t keys = info.find("keys=", at), expires = info.find("expires=", at);
    if (keys != std::string::npos) std::from_chars(info.data() + keys + 5, info.data() + info.size(), e.keys);
    if (expires != std::string::npos)
      std::from_chars(info.data() + expires + 8, info.data() + info.size(), e.expires);
  }
  return dbs;
}

}  // namespace rehome::migrate
