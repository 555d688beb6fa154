// The kill -9 campaign of docs/faults.md ("Fault campaign"): each mover (`rehome migrate postgres`,
// `redis`, `mariadb`, `volume`) is killed with SIGKILL at random moments of a run into an empty target,
// and the same command is run again. Every resume must end verified, with a target that a check
// independent of rehome finds identical to the source, and nothing may be reported done that is not:
// a state file that says verified (or complete) after the kill must describe a target identical already.
//
// The moments: one full run is timed first; each kill comes at a delay drawn uniformly from [0, L) by a
// seeded generator, L the length of the last run that ended on its own (the timed one, or a trial that
// ended before its kill: a shared machine's pace varies). Every line printed names the seed, the delay
// and the step the run died in (from its state file), so a failure can be replayed (the same fractions
// of L):
//   REHOME_FAULT_SEED=<seed>   the seed (default: a random one, printed)
//   REHOME_FAULT_KILLS=<n>     kills per mover (default 20)
// The datasets are sized so one run lasts a few seconds; the checks take most of the campaign's time
// (docs/faults.md has the figures).
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/atomic_file.hpp"
#include "migrate/redis/run_record.hpp"
#include "real/harness/dockerd.hpp"
#include "real/harness/mariadb_server.hpp"
#include "real/harness/postgres_server.hpp"
#include "real/harness/redis_server.hpp"
#include "real/migrate/mariadb_compare.hpp"
#include "real/migrate/migrate_fixture.hpp"
#include "real/migrate/volume_fixture.hpp"
#include "support/paths.hpp"

namespace rehome::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

uint64_t env_number(const char* name, uint64_t fallback) {
  const char* text = std::getenv(name);
  return text != nullptr && *text != '\0' ? std::stoull(text) : fallback;
}

uint64_t campaign_seed() {
  static const uint64_t seed = env_number("REHOME_FAULT_SEED", std::random_device{}());
  return seed;
}

int campaign_kills() { return static_cast<int>(env_number("REHOME_FAULT_KILLS", 20)); }

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The JSON report a `--json` run printed last, or null.
json report_of(const std::string& output) {
  size_t start = output.rfind("\n{");
  start = start == std::string::npos ? (output.starts_with("{") ? 0 : std::string::npos) : start + 1;
  if (start == std::string::npos) return nullptr;
  return json::parse(output.substr(start), nullptr, false);
}

// What the resume state in `work` says after a kill: the step the run was in and whether it claims the
// migration complete. Read from whichever state file the mover wrote there (each names its kind).
struct StateView {
  std::string step;
  bool claims_complete = false;
};

std::string count_done(const json& items) {
  int done = 0;
  for (const auto& u : items) done += u.value("status", "") == "done" ? 1 : 0;
  return fmt::format("{}/{}", done, items.size());
}

// The last step line a volume run printed ("scanning ...", "copying ...", "verifying ..."): its state
// file is written only after each scan and pass.
std::string volume_step(const std::string& output) {
  std::string out = "start";
  for (const char* step : {"scanning", "hashing", "copying", "verifying"}) {
    if (output.find(std::string("\n") + step) != std::string::npos || output.starts_with(step)) out = step;
  }
  return out;
}

StateView read_state(const fs::path& work, const std::string& output) {
  std::optional<json> state;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(work, ec)) {
    if (!e.is_regular_file() || e.path().extension() != ".json") continue;
    json j = json::parse(read_file(e.path()), nullptr, false);
    if (j.is_discarded() || !j.is_object()) return {"state file unreadable: " + e.path().filename().string()};
    if (j.contains("kind")) state = j;
  }
  if (!state) return {"start (no state file yet)"};  // the volume mover writes its first after a scan
  const json& j = *state;
  if (j.contains("steps")) {  // postgres, mariadb
    for (const char* step : {"schema", "copy", "indexes", "sequences", "triggers", "events", "verify"}) {
      if (!j["steps"].contains(step) || j["steps"][step].get<bool>()) continue;
      std::string out = step;
      if (out == "copy" && j.contains("units")) out += " (" + count_done(j["units"]) + " units)";
      if (out == "copy" && j.contains("chunks")) out += " (" + count_done(j["chunks"]) + " chunks)";
      return {out};
    }
    return {"done (verified)", true};
  }
  if (j.contains("databases")) {  // redis
    if (j.value("verified", false)) return {"done (verified)", true};
    for (const auto& db : j["databases"]) {
      if (!db.value("done", false))
        return {fmt::format("copy db {} ({} keys proved)", db.value("db", -1), db.value("keys", 0))};
    }
    return {"verify"};
  }
  if (j.contains("complete")) {  // volume
    if (j.value("complete", false)) return {"done (verified)", true};
    return {volume_step(output) + fmt::format(" (pass {})", j.value("passes", 0) + 1)};
  }
  return {"unknown state kind " + j.value("kind", "")};
}

// One run of a mover into an empty target: the command (the same for the run that is killed and for
// the resume), its work folder, and the independent check ("" when the target is identical).
struct Trial {
  std::vector<std::string> args;
  fs::path work;
  std::function<std::string()> difference;
  std::shared_ptr<void> keep;  // whatever the trial owns (work folder, target), released after it
};

struct Tally {
  int kills = 0, landed = 0, survived = 0, lost = 0, lies = 0;
};

std::vector<std::string> with_json(std::vector<std::string> args) {
  args.push_back("--json");
  return args;
}

// The campaign for one mover: time one full run, then kill and resume `campaign_kills()` fresh trials.
Tally run_campaign(const std::string& mover, const std::function<Trial(int)>& fresh) {
  const uint64_t seed = campaign_seed();
  const int kills = campaign_kills();
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> fraction(0.0, 1.0);

  Trial first = fresh(0);
  auto start = Clock::now();
  RehomeRun full = run_rehome(with_json(first.args));
  double length = seconds_since(start);
  EXPECT_EQ(full.exit_code, 0) << full.output;
  EXPECT_EQ(first.difference(), "");
  std::cout << fmt::format(
                   "[{}] seed {} (REHOME_FAULT_SEED={} replays it), {} kills, one full run {:.2f} s\n", mover,
                   seed, seed, kills, length)
            << std::flush;

  Tally tally;
  for (int i = 1; i <= kills; ++i) {
    Trial t = fresh(i);
    const double delay = fraction(rng) * length;
    KilledRun killed =
        run_rehome_and_kill_after(t.args, std::chrono::microseconds(static_cast<int64_t>(delay * 1e6)));
    StateView state = read_state(t.work, killed.output);
    ++tally.kills;
    tally.landed += killed.killed ? 1 : 0;
    const double drawn_from = length;
    if (!killed.killed && killed.exit_code == 0) length = killed.seconds;  // a full run measured again
    std::string problems;
    if (!killed.killed && killed.exit_code != 0)
      problems +=
          fmt::format(" the run ended with exit {} before the kill:\n{}", killed.exit_code, killed.output);
    if (state.step.starts_with("state file unreadable") || state.step.starts_with("unknown"))
      problems += " " + state.step;
    if (state.claims_complete) {  // nothing reported done that is not
      std::string now = t.difference();
      if (!now.empty()) {
        ++tally.lies;
        problems += " the state says verified, the target differs: " + now;
      }
    }

    // A resume that hangs is a failure too, not a hung campaign.
    const double patience = std::max(120.0, 20 * length);
    KilledRun resume = run_rehome_and_kill_after(
        with_json(t.args), std::chrono::microseconds(static_cast<int64_t>(patience * 1e6)));
    const double resume_seconds = resume.seconds;
    if (resume.killed) problems += fmt::format(" the resume did not end within {:.0f} s", patience);
    json report = report_of(resume.output);
    const bool verified = report.is_object() && report.value("verified", false);
    auto check_start = Clock::now();
    std::string difference = t.difference();
    if (!difference.empty()) {  // once more: a check can fail on its own (a client error, not the data)
      std::string again = t.difference();
      if (again.empty())
        std::cout << fmt::format("[{}] kill {} check retried, the first attempt said: {}\n", mover, i,
                                 difference);
      difference = again;
    }
    const double check_seconds = seconds_since(check_start);
    if (!difference.empty()) {
      ++tally.lost;
      problems += " the target differs from the source after the resume: " + difference;
      if (verified) ++tally.lies;
    }
    if (resume.exit_code != 0 || !verified)
      problems += fmt::format(" the resume ended with exit {}, verified {}:\n{}", resume.exit_code, verified,
                              resume.output);
    if (problems.empty()) ++tally.survived;
    std::cout << fmt::format(
                     "[{}] kill {:2}/{} seed {} delay {:6.3f} s of {:.2f}: {:<34} resumed in {:5.2f} s, {} "
                     "({:.1f} s)\n",
                     mover, i, kills, seed, delay, drawn_from,
                     killed.killed ? "died in " + state.step : "ended first, " + state.step, resume_seconds,
                     problems.empty() ? "identical" : "FAILED", check_seconds)
              << std::flush;
    EXPECT_TRUE(problems.empty()) << mover << " kill " << i << " (seed " << seed << ", delay " << delay
                                  << " s):" << problems;
  }
  std::cout << fmt::format(
                   "[{}] fault campaign: kill -9 x {} ({} landed mid-run), survived {}, data lost {}, "
                   "reported done but not {}\n",
                   mover, tally.kills, tally.landed, tally.survived, tally.lost, tally.lies)
            << std::flush;
  return tally;
}

// ---- PostgreSQL: the migrate tests' source (every awkward type, a table split into block ranges);
// each trial a new database on one target server; proof: count + md5 of the sorted rows of each table.

TEST(KillCampaign, Postgres) {
  PostgresServer source, target;
  source.create_database("app");
  fill_source(source, "app", 60000);  // public.big: ~8 MB
  const auto expected = table_fingerprints(source, "app");
  Tally t = run_campaign("postgres", [&](int i) {
    auto dir = std::make_shared<TempDir>();
    const std::string db = fmt::format("trial_{}", i);
    target.create_database(db);
    return Trial{{"migrate", "postgres", "--from", source.url("app"), "--to", target.url(db), "--jobs", "2",
                  "--state=" + (dir->path / "state.json").string()},
                 dir->path,
                 [&, db] {
                   auto got = table_fingerprints(target, db);
                   std::string out;
                   for (const auto& [table, fp] : expected) {
                     auto it = got.find(table);
                     if (it == got.end())
                       out += table + " missing; ";
                     else if (it->second != fp)
                       out += table + ": " + it->second + " vs " + fp + "; ";
                   }
                   return out;
                 },
                 dir};
  });
  EXPECT_EQ(t.survived, t.kills);
}

// ---- Redis: every type, TTLs, several databases; one target server flushed for each trial; proof:
// every key of every database read by type through hiredis (members sorted where a type has no order).

// A hiredis connection that pipelines: append commands, then read their replies in order.
struct Hiredis {
  explicit Hiredis(int port) : c(redisConnect("127.0.0.1", port)) {
    if (c == nullptr || c->err) throw std::runtime_error("hiredis: cannot connect");
  }
  ~Hiredis() { redisFree(c); }
  Hiredis(const Hiredis&) = delete;
  Hiredis& operator=(const Hiredis&) = delete;
  void append(const std::vector<std::string>& argv) {
    std::vector<const char*> ptrs;
    std::vector<size_t> lens;
    for (const auto& a : argv) {
      ptrs.push_back(a.data());
      lens.push_back(a.size());
    }
    redisAppendCommandArgv(c, static_cast<int>(argv.size()), ptrs.data(), lens.data());
  }
  std::unique_ptr<redisReply, void (*)(void*)> reply() {
    void* r = nullptr;
    if (redisGetReply(c, &r) != REDIS_OK) throw std::runtime_error("hiredis: no reply");
    return {static_cast<redisReply*>(r), freeReplyObject};
  }
  redisContext* c;
};

// A reply as text, strings length-prefixed; the elements of an unordered type sorted (pairs for hashes).
std::string reply_text(const redisReply* r, bool sorted = false, bool pairs = false) {
  if (r == nullptr) return "<no reply>";
  switch (r->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      return fmt::format("{}:{}", r->len, std::string(r->str, r->len));
    case REDIS_REPLY_INTEGER:
      return std::to_string(r->integer);
    case REDIS_REPLY_NIL:
      return "nil";
    case REDIS_REPLY_ARRAY: {
      std::vector<std::string> items;
      for (size_t i = 0; i < r->elements; i += pairs ? 2 : 1) {
        std::string item = reply_text(r->element[i]);
        if (pairs && i + 1 < r->elements) item += "=" + reply_text(r->element[i + 1]);
        items.push_back(item);
      }
      if (sorted) std::sort(items.begin(), items.end());
      std::string out = "[";
      for (const auto& item : items) out += item + ",";
      return out + "]";
    }
    default:
      return "?";
  }
}

std::map<std::string, std::string> redis_contents(const RedisServer& server) {
  Hiredis h(server.port());
  std::map<std::string, std::string> out;
  for (int db = 0; db < 16; ++db) {
    h.append({"SELECT", std::to_string(db)});
    h.reply();
    std::vector<std::string> keys;
    std::string cursor = "0";
    do {
      h.append({"SCAN", cursor, "COUNT", "1000"});
      auto r = h.reply();
      cursor = std::string(r->element[0]->str, r->element[0]->len);
      for (size_t i = 0; i < r->element[1]->elements; ++i)
        keys.emplace_back(r->element[1]->element[i]->str, r->element[1]->element[i]->len);
    } while (cursor != "0");
    for (const auto& key : keys) h.append({"TYPE", key});
    std::vector<std::string> types;
    for (size_t i = 0; i < keys.size(); ++i) types.push_back(h.reply()->str);
    for (size_t i = 0; i < keys.size(); ++i) {
      const std::string& key = keys[i];
      const std::string& type = types[i];
      if (type == "string")
        h.append({"GET", key});
      else if (type == "hash")
        h.append({"HGETALL", key});
      else if (type == "list")
        h.append({"LRANGE", key, "0", "-1"});
      else if (type == "set")
        h.append({"SMEMBERS", key});
      else if (type == "zset")
        h.append({"ZRANGE", key, "0", "-1", "WITHSCORES"});
      else if (type == "stream")
        h.append({"XRANGE", key, "-", "+"});
      else
        h.append({"TYPE", key});
      h.append({"PTTL", key});
    }
    for (size_t i = 0; i < keys.size(); ++i) {
      const std::string& type = types[i];
      std::string value = reply_text(h.reply().get(), type == "hash" || type == "set", type == "hash");
      auto ttl = h.reply()->integer;
      out[fmt::format("{}/{}", db, keys[i])] = type +
                                               (ttl == -1 ? " persistent "
                                                : ttl > 0 ? " expires "
                                                          : " gone ") +
                                               value;
    }
  }
  return out;
}

std::string redis_difference(const std::map<std::string, std::string>& want, const RedisServer& target) {
  auto got = redis_contents(target);
  int missing = 0, differ = 0, extra = 0;
  std::string first;
  for (const auto& [key, value] : want) {
    auto it = got.find(key);
    if (it == got.end())
      ++missing;
    else if (it->second != value)
      ++differ;
    else
      continue;
    if (first.empty()) first = key;
  }
  // The target also keeps the mover's run record (one hash, in the first database copied): its own
  // key, never the source's, and proof that the run named in the state file wrote this target.
  const std::string record = fmt::format("/{}", rehome::migrate::kRedisRunKey);
  int records = 0;
  for (const auto& [key, value] : got) {
    if (key.ends_with(record)) {
      ++records;
      continue;
    }
    if (!want.contains(key)) {
      ++extra;
      if (first.empty()) first = key;
    }
  }
  if (records != 1) return fmt::format("{} run records ({}) in the target, not 1", records, record.substr(1));
  if (missing + differ + extra == 0) return "";
  return fmt::format("{} keys missing, {} differ, {} extra (first: {})", missing, differ, extra, first);
}

TEST(KillCampaign, Redis) {
  RedisServer source, target;
  std::ostringstream db0, db1, db5;
  for (int i = 0; i < 60000; ++i)
    db0 << "SET key:" << i << " value-" << i << "-" << std::string(i % 40, 'x') << "\n";
  for (int i = 0; i < 500; ++i) {
    db0 << "HSET hash:" << i << " f " << i << " g x\nRPUSH list:" << i << " a b " << i << "\nSADD set:" << i
        << " x y " << i << "\nZADD zset:" << i << " 1 a 2.5 b " << i << " c\n";
    db0 << "SET session:" << i << " s" << i << " EX 36000\n";
  }
  db0 << "XADD events * k v\nPFADD visitors u1 u2 u3\nHSET wide";
  for (int i = 0; i < 2000; ++i) db0 << " field-" << i << " value-" << i;
  db0 << "\n";
  for (int i = 0; i < 5000; ++i) db1 << "SET a:" << i << " " << i << "\n";
  db1 << "SET b 2 PX 90000000\n";
  for (int i = 0; i < 3000; ++i) db5 << "HSET h:" << i << " n " << i << "\n";
  source.pipe(db0.str(), 0);
  source.pipe(db1.str(), 1);
  source.pipe(db5.str(), 5);
  source.cli({"SET", "binary", std::string("\x01\x02 \r\n\xff", 6)}, 5);
  const auto expected = redis_contents(source);
  Tally t = run_campaign("redis", [&](int) {
    target.cli({"FLUSHALL"});
    auto dir = std::make_shared<TempDir>();
    return Trial{{"migrate", "redis", "--from", source.url(), "--to", target.url(), "--batch", "500",
                  "--state=" + (dir->path / "redis.json").string()},
                 dir->path,
                 [&] { return redis_difference(expected, target); },
                 dir};
  });
  EXPECT_EQ(t.survived, t.kills);
}

// ---- MariaDB: the migrate tests' source (every awkward column type, objects, accounts); the target
// server emptied for each trial (its databases and the accounts the copy brings); proof: CHECKSUM TABLE
// and a sorted dump of every table, and the index list.

TEST(KillCampaign, Mariadb) {
  MariadbServer source, target;
  source.sql(read_file(source_dir() / "tests/real/migrate/mariadb_fixture.sql"));
  // Every awkward case of the fixture, fewer rows: a run of a few seconds, still in many chunks.
  source.sql("DELETE FROM big WHERE id > 40000; DELETE FROM codes WHERE n > 12000; ANALYZE TABLE big, codes",
             "app");
  Tally t = run_campaign("mariadb", [&](int) {
    target.sql(
        "DROP DATABASE IF EXISTS app; DROP DATABASE IF EXISTS _rehome; "
        "DROP USER IF EXISTS 'app'@'%', 'reporter'@'localhost'");
    auto dir = std::make_shared<TempDir>();
    return Trial{{"migrate", "mariadb", "--from", source.url("app"), "--to", target.url("app"), "--jobs", "2",
                  "--chunk-rows", "5000", "--work-dir", dir->path.string()},
                 dir->path,
                 [&] { return mariadb_difference(source, target, "app"); },
                 dir};
  });
  EXPECT_EQ(t.survived, t.kills);
}

// ---- Volumes: every file kind and some hundred files between two real engines; each trial a new
// target volume; proof: find/stat listing, sha256 of every file and xattrs of both volumes' folders.

TEST(KillCampaign, Volume) {
  DockerEngine source(DockerEngineOptions{.name = "ksrc"}), target(DockerEngineOptions{.name = "kdst"});
  source.docker_ok({"volume", "create", "data"});
  const fs::path data = source.volume_data("data");
  fill_every_kind(data);
  // Its sparse file smaller (each run and each listing reads the holes): 16 MB, data in the middle.
  sh("set -e; cd '" + data.string() +
     "'; truncate -s 16M sparse; printf 'middle' | dd of=sparse bs=1 seek=9000000 conv=notrunc status=none;"
     " mkdir many; for i in $(seq 1 300); do head -c $((i * 300)) /dev/urandom > many/f$i; done; "
     "for i in $(seq 1 8); do head -c 2000000 /dev/urandom > many/big$i; done");
  const std::string want = listing(data);
  Tally t = run_campaign("volume", [&](int i) {
    if (i > 0) {  // the previous trial's copy and the keeper that binds its state, to spare the disk
      std::string keepers = target.docker_ok({"ps", "-aq", "--filter", "label=rehome.volume-run"});
      std::istringstream ids(keepers);
      for (std::string id; ids >> id;) target.docker_ok({"rm", "-f", id});
      target.docker({"volume", "rm", "-f", fmt::format("copy{}", i - 1)});
    }
    auto dir = std::make_shared<TempDir>();
    const std::string volume = fmt::format("copy{}", i);
    return Trial{{"migrate", "volume", "data", "--from-engine", source.host(), "--to-engine", target.host(),
                  "--to-volume", volume, "--state", (dir->path / "volume.state.json").string()},
                 dir->path,
                 [&, volume] {
                   std::error_code ec;
                   if (!fs::exists(target.volume_data(volume), ec)) return std::string("no target volume");
                   std::string got = listing(target.volume_data(volume));
                   if (got == want) return std::string();
                   std::istringstream a(want), b(got);  // the first line that differs
                   std::string x, y;
                   while (std::getline(a, x) && std::getline(b, y) && x == y) {
                   }
                   return "listings differ: source '" + x + "', target '" + y + "'";
                 },
                 dir};
  });
  EXPECT_EQ(t.survived, t.kills);
}

}  // namespace
}  // namespace rehome::test
