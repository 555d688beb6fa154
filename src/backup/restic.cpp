#include "backup/restic.hpp"

#include <cstdlib>
#include <ctime>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/process.hpp"
#include "common/secrets.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace rehome::backup {
namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

bool contains(const std::string& text, const char* needle) { return text.find(needle) != std::string::npos; }

ResticSnapshot snapshot_from(const json& j) {
  ResticSnapshot s;
  s.id = j.value("id", "");
  s.short_id = j.value("short_id", s.id.substr(0, 8));
  s.time = parse_restic_time(j.value("time", ""));
  s.hostname = j.value("hostname", "");
  if (j.contains("paths") && j["paths"].is_array()) s.paths = j["paths"].get<std::vector<std::string>>();
  if (j.contains("tags") && j["tags"].is_array()) s.tags = j["tags"].get<std::vector<std::string>>();
  return s;
}

UserError bad_output(const std::string& what, const std::string& why) {
  return UserError(fmt::format("restic {} printed JSON rehome cannot read: {}", what, why),
                   "install the Debian restic package (0.14 or newer) and report this output");
}

}  // namespace

bool ResticSnapshot::has_tag(const std::string& tag) const {
  for (const auto& t : tags)
    if (t == tag) return true;
  return false;
}

std::string ResticSnapshot::tag_value(const std::string& key) const {
  for (const auto& t : tags)
    if (t.starts_with(key + "=")) return t.substr(key.size() + 1);
  return "";
}

std::vector<std::string> snapshot_tags(const std::string& estate, const std::string& service,
                                       const std::string& kind) {
  // restic splits --tag values at commas: keep them out of names.
  auto clean = [](std::string s) {
    for (auto& c : s)
      if (c == ',' || c == ' ') c = '_';
    return s;
  };
  std::vector<std::string> tags = {"rehome"};
  if (!estate.empty()) tags.push_back("estate=" + clean(estate));
  if (!service.empty()) tags.push_back("service=" + clean(service));
  if (!kind.empty()) tags.push_back("kind=" + clean(kind));
  return tags;
}

std::int64_t parse_restic_time(const std::string& text) {
  if (text.size() < 19) return 0;
  std::tm tm{};
  if (!strptime(text.substr(0, 19).c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return 0;
  std::int64_t as_utc = timegm(&tm);
  size_t zone = 19;
  while (zone < text.size() && (text[zone] == '.' || std::isdigit(static_cast<unsigned char>(text[zone]))))
    ++zone;
  if (zone >= text.size() || text[zone] == 'Z') return as_utc;
  int sign = text[zone] == '-' ? -1 : 1;
  if (text.size() < zone + 6) return as_utc;
  int offset = std::stoi(text.substr(zone + 1, 2)) * 3600 + std::stoi(text.substr(zone + 4, 2)) * 60;
  return as_utc - sign * offset;
}

ResticBackupSummary parse_backup_summary(const std::string& json_lines) {
  std::istringstream in(json_lines);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] != '{') continue;
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || j.value("message_type", "") != "summary") continue;
    ResticBackupSummary s;
    s.snapshot_id = j.value("snapshot_id", "");
    s.files_new = j.value("files_new", 0);
    s.files_changed = j.value("files_changed", 0);
    s.files_unmodified = j.value("files_unmodified", 0);
    s.data_added = j.value("data_added", std::int64_t{0});
    s.total_bytes_processed = j.value("total_bytes_processed", std::int64_t{0});
    if (s.snapshot_id.empty()) throw bad_output("backup", "the summary has no snapshot_id");
    return s;
  }
  throw bad_output("backup", "no summary line");
}

std::vector<ResticSnapshot> parse_snapshots(const std::string& text) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_null()) return {};  // an empty repository prints "null" in some versions
  if (doc.is_discarded() || !doc.is_array()) throw bad_output("snapshots", "not a JSON array");
  std::vector<ResticSnapshot> out;
  for (const auto& j : doc) out.push_back(snapshot_from(j));
  return out;
}

ResticForget parse_forget(const std::string& text) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_null()) return {};
  if (doc.is_discarded() || !doc.is_array()) throw bad_output("forget", "not a JSON array");
  ResticForget f;
  for (const auto& group : doc) {
    if (group.contains("keep") && group["keep"].is_array())
      for (const auto& j : group["keep"]) f.keep.push_back(snapshot_from(j));
    if (group.contains("remove") && group["remove"].is_array())
      for (const auto& j : group["remove"]) f.remove.push_back(snapshot_from(j));
  }
  return f;
}

Restic::Restic(Repository repo) : repo_(std::move(repo)) {
  if (repo_.location.empty())
    throw UserError("no restic repository given",
                    "give --repo /srv/restic, sftp:user@host:/path or rest:http://host:8000/name");
  if (!repo_.password_file && !std::getenv("RESTIC_PASSWORD") && !std::getenv("RESTIC_PASSWORD_FILE"))
    throw UserError(fmt::format("no password for the restic repository {}", where()),
                    "give --password-file FILE (mode 0600) or set RESTIC_PASSWORD / RESTIC_PASSWORD_FILE in "
                    "the environment; never on the command line");
}

std::string Restic::where() const { return mask_url(repo_.location); }

Restic::Command Restic::command(const std::vector<std::string>& args) const {
  Command c;
  c.argv = {require_program("restic", "restic").string()};
  c.env["RESTIC_REPOSITORY"] = repo_.location;
  if (repo_.password_file) c.env["RESTIC_PASSWORD_FILE"] = repo_.password_file->string();
  if (repo_.cache_dir) c.env["RESTIC_CACHE_DIR"] = repo_.cache_dir->string();
  for (const auto& o : repo_.options) c.argv.insert(c.argv.end(), {"-o", o});
  c.argv.insert(c.argv.end(), args.begin(), args.end());
  return c;
}

Restic::Out Restic::run(std::vector<std::string> args, std::chrono::seconds timeout) const {
  auto c = command(args);
  ProcessOptions opts;
  opts.env = c.env;
  opts.timeout = timeout;
  auto r = run_process(c.argv, opts);
  return {r.timed_out ? 124 : r.exit_code, r.out, mask_secrets(r.err)};
}

void Restic::fail(const std::string& what, const Out& r) const {
  std::string why = trim(r.err);
  if (why.size() > 600) why = why.substr(0, 600) + " ...";
  std::string hint = "run `restic " + what + "` against the repository by hand to see more";
  if (contains(why, "wrong password"))
    hint = "the password does not open this repository: check --password-file / RESTIC_PASSWORD";
  else if (contains(why, "Is there a repository") || contains(why, "does not exist"))
    hint = "initialise it with `rehome backup run` (it runs restic init) or check the location";
  else if (contains(why, "ssh") || contains(why, "connection") || contains(why, "dial"))
    hint = "the repository's host does not answer: check the host, the network and the ssh key";
  throw UserError(fmt::format("restic {} on {} failed (exit {}): {}", what, where(), r.exit_code, why), hint);
}

ResticProbe Restic::probe(std::chrono::seconds timeout) const {
  auto r = run({"cat", "config", "--no-lock"}, timeout);
  if (r.exit_code == 0) return {Reach::ok, ""};
  if (r.exit_code == 124)  // timed out (run() reports a killed child so)
    return {Reach::unreachable, fmt::format("no answer within {} s", timeout.count())};
  std::string why = trim(r.err);
  if (contains(why, "wrong password")) return {Reach::wrong_password, why};
  // A REST server that does not answer: restic 0.14 asks "Is there a repository ...?" after a refused
  // connection too, so the network's own words come first.
  for (const char* down : {"connection refused", "no such host", "i/o timeout", "no route to host",
                           "network is unreachable", "connection reset"})
    if (contains(why, down)) return {Reach::unreachable, why};
  // restic asks this only after it reached the storage (the folder, the sftp session, the REST server).
  if (contains(why, "Is there a repository at the following location")) return {Reach::no_repository, why};
  return {Reach::unreachable, why};
}

void Restic::init() const {
  auto r = run({"init", "--json"});
  if (r.exit_code != 0) fail("init", r);
}

void Restic::ensure_initialised() const {
  auto p = probe();
  if (p.reach == Reach::ok) return;
  if (p.reach == Reach::no_repository) return init();
  fail("cat config", {1, "", p.reason});
}

ResticBackupSummary Restic::backup(const fs::path& folder, const std::vector<std::string>& tags,
                                   const std::string& host, const std::string& time) const {
  std::vector<std::string> args = {"backup", "--json"};
  for (const auto& t : tags) args.insert(args.end(), {"--tag", t});
  if (!host.empty()) args.insert(args.end(), {"--host", host});
  if (!time.empty()) args.insert(args.end(), {"--time", time});
  args.push_back(folder.string());
  auto r = run(args);
  if (r.exit_code != 0) fail("backup", r);
  return parse_backup_summary(r.out);
}

std::vector<ResticSnapshot> Restic::snapshots(const std::vector<std::string>& tags) const {
  std::vector<std::string> args = {"snapshots", "--json", "--no-lock"};
  if (!tags.empty()) {
    std::string all;  // comma-joined: a snapshot must carry every one
    for (const auto& t : tags) all += (all.empty() ? "" : ",") + t;
    args.insert(args.end(), {"--tag", all});
  }
  auto r = run(args);
  if (r.exit_code != 0) fail("snapshots", r);
  return parse_snapshots(r.out);
}

ResticForget Restic::forget(const model::RetentionPolicy& p, const std::vector<std::string>& tags,
                            const std::string& keep_tag, bool dry_run) const {
  std::vector<std::string> args = {"forget", "--json"};
  if (p.daily) args.insert(args.end(), {"--keep-daily", std::to_string(p.daily)});
  if (p.weekly) args.insert(args.end(), {"--keep-weekly", std::to_string(p.weekly)});
  if (p.monthly) args.insert(args.end(), {"--keep-monthly", std::to_string(p.monthly)});
  if (p.yearly) args.insert(args.end(), {"--keep-yearly", std::to_string(p.yearly)});
  if (args.size() == 2)  // restic refuses a policy of nothing; keeping everything is the safe reading
    args.insert(args.end(), {"--keep-last", "1000000"});
  if (!keep_tag.empty()) args.insert(args.end(), {"--keep-tag", keep_tag});
  if (!tags.empty()) {
    std::string all;
    for (const auto& t : tags) all += (all.empty() ? "" : ",") + t;
    args.insert(args.end(), {"--tag", all});
  }
  args.push_back(dry_run ? "--dry-run" : "--prune");
  auto r = run(args);
  if (r.exit_code != 0) fail("forget", r);
  // With --prune restic prints prune's progress after the JSON array: parse the first line only.
  return parse_forget(r.out.substr(0, r.out.find('\n')));
}

void Restic::tag(const std::vector<std::string>& ids, const std::vector<std::string>& add,
                 const std::vector<std::string>& remove) const {
  if (ids.empty()) return;
  std::vector<std::string> args = {"tag"};
  for (const auto& t : add) args.insert(args.end(), {"--add", t});
  for (const auto& t : remove) args.insert(args.end(), {"--remove", t});
  args.insert(args.end(), ids.begin(), ids.end());
  auto r = run(args);
  if (r.exit_code != 0) fail("tag", r);
}

ResticCheck Restic::check(int percent) const {
  std::vector<std::string> args = {"check"};
  if (percent >= 100)
    args.push_back("--read-data");
  else if (percent > 0)
    args.push_back(fmt::format("--read-data-subset={}%", percent));
  auto r = run(args);
  ResticCheck c;
  c.ok = r.exit_code == 0;
  if (!c.ok) {
    std::istringstream in(r.err + "\n" + r.out);
    std::string line;
    while (std::getline(in, line)) {
      line = trim(line);
      if (line.empty() || line.starts_with("[") || line.starts_with("using temporary cache") ||
          line.starts_with("create exclusive lock") || line.starts_with("load indexes") ||
          line.starts_with("check all packs") || line.starts_with("check snapshots") ||
          line.starts_with("read ") || line.starts_with("created new cache"))
        continue;
      c.errors.push_back(line);
    }
    if (c.errors.empty()) c.errors.push_back(fmt::format("restic check exited {}", r.exit_code));
  }
  return c;
}

void Restic::restore(const std::string& snapshot_id, const fs::path& target) const {
  auto r = run({"restore", snapshot_id, "--target", target.string()});
  if (r.exit_code != 0) fail("restore " + snapshot_id, r);
}

}  // namespace rehome::backup
