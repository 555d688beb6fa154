// The resume state, in two places. The state file (in the work folder) holds the plan: the run id,
// the snapshot it started from, every chunk with its key range and proof. The target holds the
// truth about what was committed: _rehome.runs names each run (id, source identity, binlog position)
// and _rehome.chunks each chunk committed, in the same transaction as its rows. A state file whose
// run the target does not know describes another target (recreated, emptied, or another server):
// it is stale, and the command says so and starts over.

#include <set>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "migrate/mariadb/steps.hpp"
#include "migrate/state_envelope.hpp"

namespace rehome::migrate::mariadb {
namespace {

using nlohmann::json;

std::string to_hex(const std::string& bytes) {
  std::string out;
  for (unsigned char ch : bytes) out += fmt::format("{:02x}", ch);
  return out;
}

std::string from_hex(const std::string& text) {
  std::string out;
  for (size_t i = 0; i + 1 < text.size(); i += 2)
    out += static_cast<char>(std::stoi(text.substr(i, 2), nullptr, 16));
  return out;
}

json key_json(const std::optional<Key>& key) {
  if (!key) return nullptr;
  json out = json::array();
  for (const auto& v : *key) out.push_back(to_hex(v));
  return out;
}

std::optional<Key> key_from(const json& j) {
  if (j.is_null()) return std::nullopt;
  Key k;
  for (const auto& v : j) k.push_back(from_hex(v.get<std::string>()));
  return k;
}

std::string bk() { return MariadbConnection::quote_name(bookkeeping_db); }

}  // namespace

std::string state_to_json(const State& s) {
  json chunks = json::array();
  for (const auto& c : s.chunks) {
    chunks.push_back({{"id", c.chunk.id},
                      {"database", c.chunk.table.schema},
                      {"table", c.chunk.table.name},
                      {"index", c.chunk.index},
                      {"lower_hex", key_json(c.chunk.lower)},
                      {"upper_hex", key_json(c.chunk.upper)},
                      {"estimated_rows", c.chunk.estimated_rows},
                      {"status", c.status == ChunkStatus::done ? "done" : "pending"},
                      {"rows", c.rows},
                      {"source", {{"rows", c.source.rows}, {"sum", c.source.sum}}},
                      {"target", {{"rows", c.target.rows}, {"sum", c.target.sum}}},
                      {"verified", c.verified}});
  }
  json j = state_envelope("rehome-migrate-mariadb-state", s);
  j["run_id"] = s.run_id;
  j["source_identity"] = s.source_identity;
  j["binlog_position"] = s.binlog_position;
  j["steps"] = {{"schema", s.schema_done},
                {"copy", s.copy_done},
                {"triggers", s.triggers_done},
                {"events", s.events_done},
                {"verify", s.verified}};
  j["chunks"] = chunks;
  return j.dump(1) + "\n";
}

State state_from_json(const std::string& text, const std::filesystem::path& path) {
  return read_state_file<State>(
      text, path, "rehome-migrate-mariadb-state", "migrate mariadb state file",
      "delete it (the target's bookkeeping decides what is done) or give another --state",
      [](const json& j, State& s) {
        s.run_id = j.at("run_id");
        s.source_identity = j.value("source_identity", "");
        s.binlog_position = j.value("binlog_position", "");
        const json& steps = j.at("steps");
        s.schema_done = steps.value("schema", false);
        s.copy_done = steps.value("copy", false);
        s.triggers_done = steps.value("triggers", false);
        s.events_done = steps.value("events", false);
        s.verified = steps.value("verify", false);
        for (const auto& c : j.at("chunks")) {
          ChunkState cs;
          cs.chunk = Chunk{.id = c.at("id"),
                           .table = {c.at("database"), c.at("table")},
                           .index = c.at("index"),
                           .lower = key_from(c.at("lower_hex")),
                           .upper = key_from(c.at("upper_hex")),
                           .estimated_rows = c.value("estimated_rows", 0)};
          cs.status = c.at("status") == "done" ? ChunkStatus::done : ChunkStatus::pending;
          cs.rows = c.value("rows", 0);
          cs.source = {c.at("source").value("rows", 0), c.at("source").value("sum", "")};
          cs.target = {c.at("target").value("rows", 0), c.at("target").value("sum", "")};
          cs.verified = c.value("verified", false);
          s.chunks.push_back(std::move(cs));
        }
      });
}

void ensure_bookkeeping(MariadbConnection& target) {
  target.exec(fmt::format("CREATE DATABASE IF NOT EXISTS {} DEFAULT CHARACTER SET utf8mb4", bk()));
  target.exec(fmt::format(
      "CREATE TABLE IF NOT EXISTS {}.runs (run_id VARCHAR(32) PRIMARY KEY, fingerprint VARCHAR(64) NOT NULL, "
      "source_identity VARCHAR(512) NOT NULL, binlog_position TEXT NOT NULL, started DATETIME NOT NULL, "
      "copied DATETIME NULL, verified DATETIME NULL) ENGINE=InnoDB",
      bk()));
  target.exec(fmt::format(
      "CREATE TABLE IF NOT EXISTS {}.chunks (run_id VARCHAR(32) NOT NULL, chunk_id VARCHAR(700) NOT NULL, "
      "rows_copied BIGINT NOT NULL, committed TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, "
      "PRIMARY KEY (run_id, chunk_id)) ENGINE=InnoDB DEFAULT CHARSET=binary",
      bk()));
}

RunRow target_run(MariadbConnection& target, const std::string& fingerprint) {
  try {
    auto rows = target.query(fmt::format(
        "SELECT run_id, COALESCE(DATE_FORMAT(verified, '%Y-%m-%dT%H:%i:%sZ'), '') FROM {}.runs WHERE "
        "fingerprint = {} ORDER BY started DESC, run_id LIMIT 1",
        bk(), target.quote(fingerprint)));
    if (rows.empty()) return {};
    return {rows[0][0].value_or(""), rows[0][1].value_or("")};
  } catch (const engines::MariadbError& e) {
    if (e.code() == 1146 || e.code() == 1049) return {};  // no such table / database
    throw;
  }
}

void record_run(MariadbConnection& target, const State& s) {
  target.exec(
      fmt::format("INSERT INTO {}.runs (run_id, fingerprint, source_identity, binlog_position, started) "
                  "VALUES ({}, {}, {}, {}, UTC_TIMESTAMP()) ON DUPLICATE KEY UPDATE source_identity = "
                  "VALUES(source_identity)",
                  bk(), target.quote(s.run_id), target.quote(s.fingerprint), target.quote(s.source_identity),
                  target.quote(s.binlog_position)));
}

void mark_run(MariadbConnection& target, const std::string& run_id, const std::string& what) {
  target.exec(fmt::format("UPDATE {}.runs SET {} = UTC_TIMESTAMP() WHERE run_id = {}", bk(),
                          what == "verified" ? "verified" : "copied", target.quote(run_id)));
}

std::string run_tag(const std::string& run_id) { return fmt::format("/* rehome run {} */ ", run_id); }

int end_orphans(MariadbConnection& target, const std::string& run_id, std::chrono::seconds patience) {
  const std::string find = fmt::format(
      "SELECT id FROM information_schema.processlist WHERE LOCATE({}, info) = 1 AND id <> CONNECTION_ID()",
      target.quote(run_tag(run_id)));
  std::set<std::string> ended;
  const auto deadline = std::chrono::steady_clock::now() + patience;
  for (;;) {
    auto rows = target.query(find);
    if (rows.empty()) return static_cast<int>(ended.size());
    if (std::chrono::steady_clock::now() > deadline) {
      std::vector<std::string> ids;
      for (const auto& r : rows) ids.push_back(r[0].value_or("?"));
      throw UserError(
          fmt::format("the target still runs statements of the killed run {} after {} s "
                      "(connections {})",
                      run_id, patience.count(), fmt::join(ids, ", ")),
          "end them on the target (KILL <id>) or wait until their rollback ends, then run the same "
          "command again");
    }
    for (const auto& r : rows) {
      const std::string id = r[0].value_or("");
      if (id.empty() || !ended.insert(id).second) continue;
      try {
        target.exec("KILL CONNECTION " + id);
      } catch (const engines::MariadbError&) {  // gone since the query (1094: unknown thread)
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

std::map<std::string, int64_t> committed_chunks(MariadbConnection& target, const std::string& run_id) {
  std::map<std::string, int64_t> out;
  for (const auto& row : target.query(fmt::format(
           "SELECT chunk_id, rows_copied FROM {}.chunks WHERE run_id = {}", bk(), target.quote(run_id)))) {
    out[row[0].value_or("")] = std::stoll(row[1].value_or("0"));
  }
  return out;
}

}  // namespace rehome::migrate::mariadb
