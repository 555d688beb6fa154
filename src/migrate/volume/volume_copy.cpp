#include "migrate/volume/volume_copy.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "common/error.hpp"
#include "migrate/test_hooks.hpp"

namespace rehome::migrate::volume {
namespace {

std::string lines_of(const std::vector<Entry>& entries) {
  std::string out;
  for (const auto& e : entries) out += format_entry(e) + "\n";
  return out;
}

// Splits a helper's output into its "=\t" manifest lines (appended to `hashes`) and the rest.
std::string take_hashes(const std::string& text, std::string& hashes) {
  std::string rest;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    size_t end = nl == std::string::npos ? text.size() : nl + 1;
    if (text.compare(start, 2, "=\t") == 0)
      hashes.append(text, start + 2, end - start - 2);
    else
      rest.append(text, start, end - start);
    start = end;
  }
  return rest;
}

// The sending helper's records relayed into the receiving helper as they come.
void run_stream(const Side& source, const Side& target, const std::string& list, const std::string& prefix,
                const std::string& send_option, int64_t total, bool pause_at_half,
                const std::function<void(int64_t)>& on_bytes, CopyOutcome& outcome) {
  HelperSession& sender = *source.helper;
  HelperSession& receiver = *target.helper;
  sender.start(send_option.empty() ? "send" : "send " + send_option, list);
  bool receiver_alive = true;
  auto forward = [&](const std::string& bytes) {
    if (!receiver_alive) return;
    try {
      receiver.write(bytes);
    } catch (const std::exception&) {
      if (receiver.stalled()) throw;  // its engine stopped answering: nothing more will reach it
      receiver_alive = false;         // it stopped (disk full, ...): its status says why
    }
  };
  forward("receive\n" + prefix);
  int64_t relayed = 0;
  bool paused = false;
  std::string chunk;
  while (sender.next_output(chunk)) {
    forward(chunk);
    relayed += static_cast<int64_t>(chunk.size());
    if (on_bytes) on_bytes(relayed);
    if (pause_at_half && !paused && relayed * 2 >= total && total > 0) {
      paused = true;
      pause_point("volume-copy", "half");
    }
  }
  HelperRun sent = sender.status();
  forward(std::string(1, 'E'));
  HelperRun received = receiver.run_rest();

  std::string send_err = take_hashes(sent.err, outcome.source_hashes);
  std::string summary_text = take_hashes(received.out, outcome.target_hashes);
  std::istringstream summary(summary_text.substr(std::min(summary_text.rfind("ok "), summary_text.size())));
  std::string ok;
  int64_t files = 0, bytes = 0, errors = 0;
  summary >> ok >> files >> bytes >> errors;
  if (ok != "ok" || received.exit_code > 1)
    throw UserError("the receiving helper on " + receiver.api().socket_path() + " stopped (exit " +
                        std::to_string(received.exit_code) + "): " + received.err.substr(0, 600),
                    "free space on the target engine's data-root if it is full, then run the same command "
                    "again: finished files are kept and not copied again");
  if (sent.exit_code > 1)
    throw UserError("the sending helper on " + sender.api().socket_path() + " stopped (exit " +
                        std::to_string(sent.exit_code) + "): " + send_err.substr(0, 600),
                    "run the same command again: finished files are kept");
  outcome.files += files;
  outcome.bytes += bytes;
  outcome.warnings += send_err + received.err;
}

void stream_copy(const Side& source, const Side& target, const CopyPlan& plan,
                 const std::function<void(int64_t)>& on_bytes, CopyOutcome& outcome) {
  std::string list = lines_of(plan.send);
  if (!plan.meta.empty()) list += "#meta\n" + lines_of(plan.meta);
  std::string prefix;
  for (const auto& [old_path, e] : plan.renames)
    prefix += record('R', escape_field(old_path) + "\t" + format_entry(e));
  for (const auto& path : plan.deletes) prefix += record('X', escape_field(path));
  run_stream(source, target, list, prefix, "", plan.send_bytes, true, on_bytes, outcome);
}

// Percent-encodes a path for a query parameter.
std::string query_escape(const std::string& raw) {
  static const char* hexd = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : raw) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hexd[c >> 4];
      out += hexd[c & 15];
    }
  }
  return out;
}

}  // namespace

ArchiveUnits archive_units(const std::vector<Entry>& manifest, int streams) {
  // Bytes under each path's subtree, directories by their contents.
  std::map<std::string, int64_t> bytes;
  std::map<std::string, std::vector<std::string>> children;
  for (const auto& e : manifest) {
    if (e.path == ".") continue;
    size_t slash = e.path.rfind('/');
    children[slash == std::string::npos ? "." : e.path.substr(0, slash)].push_back(e.path);
    if (e.type != 'f' || (!e.leader.empty() && e.leader != e.path)) continue;
    for (size_t at = e.path.size(); at != std::string::npos; at = e.path.rfind('/', at - 1)) {
      bytes[e.path.substr(0, at)] += static_cast<int64_t>(e.size);
      if (at == 0) break;
    }
  }
  std::set<std::string> dirs;
  for (const auto& e : manifest)
    if (e.type == 'd') dirs.insert(e.path);
  ArchiveUnits out;
  std::vector<std::string> units = children["."];
  int64_t total = 0;
  for (const auto& u : units) total += bytes[u];
  // Split the largest directory into its children while one unit would hold more than a stream's
  // share (a volume with one top-level folder still gets parallel streams); its folder is made first.
  for (int round = 0; round < 64 && streams > 1; ++round) {
    auto largest =
        std::max_element(units.begin(), units.end(),
                         [&](const std::string& a, const std::string& b) { return bytes[a] < bytes[b]; });
    if (largest == units.end() || !dirs.count(*largest) || bytes[*largest] * streams <= total ||
        children[*largest].empty())
      break;
    std::string dir = *largest;
    units.erase(largest);
    out.folders.push_back(dir);
    for (const auto& c : children[dir]) units.push_back(c);
  }
  std::sort(out.folders.begin(), out.folders.end());
  std::stable_sort(units.begin(), units.end(),
                   [&](const std::string& a, const std::string& b) { return bytes[a] > bytes[b]; });
  out.units = units;
  return out;
}

namespace {

// The containers one relay reads from and writes into: the engine serialises archive calls on one
// container (it holds the container's lock while the archive streams), so each relay past the first
// has its own pair, created and never started (an archive call mounts the volume itself).
struct ArchivePair {
  std::string source_id, target_id;
};

// One unit's archive relayed from the source engine into the target engine.
void relay_unit(const Side& source, const Side& target, const ArchivePair& pair, const std::string& unit,
                const std::function<void(size_t)>& on_chunk) {
  const engines::DockerApi& src_api = source.helper->api();
  const engines::DockerApi& dst_api = target.helper->api();
  size_t slash = unit.rfind('/');
  std::string parent = slash == std::string::npos ? "/v" : "/v/" + unit.substr(0, slash);
  engines::UploadStream upload(dst_api.socket_path(), "PUT",
                               "/containers/" + pair.target_id + "/archive?path=" + query_escape(parent),
                               "application/x-tar", target.helper->idle());
  src_api.download(
      "/containers/" + pair.source_id + "/archive?path=" + query_escape("/v/" + unit),
      [&](const char* data, size_t n) {
        upload.write(data, n);
        on_chunk(n);
      },
      source.helper->idle());
  engines::ApiAnswer answer = upload.finish();
  if (answer.status < 200 || answer.status >= 300)
    throw UserError("Docker socket " + dst_api.socket_path() + ": writing the archive of " + unit + " into " +
                        target.helper->mount().bind() + " failed with HTTP " + std::to_string(answer.status) +
                        ": " + answer.body.substr(0, 300),
                    "free space on the target engine's data-root if it is full, then run the same "
                    "command again");
}

// The extra pairs for relays 2..n, removed with this object.
class ArchivePairs {
 public:
  ArchivePairs(const Side& source, const Side& target, int streams) {
    pairs_.push_back({source.helper->id(), target.helper->id()});
    try {
      make(source, target, streams);
    } catch (...) {
      remove();
      throw;
    }
  }
  ~ArchivePairs() { remove(); }
  ArchivePairs(const ArchivePairs&) = delete;
  ArchivePairs& operator=(const ArchivePairs&) = delete;
  const ArchivePair& operator[](size_t i) const { return pairs_[i]; }

 private:
  void make(const Side& source, const Side& target, int streams) {
    for (int i = 1; i < streams; ++i) {
      ArchivePair pair;
      pair.source_id =
          create_helper(source.helper->api(), source.helper->image(), "archive", source.helper->mount());
      made_.push_back({&source.helper->api(), pair.source_id});
      pair.target_id =
          create_helper(target.helper->api(), target.helper->image(), "archive", target.helper->mount());
      made_.push_back({&target.helper->api(), pair.target_id});
      pairs_.push_back(pair);
    }
  }
  void remove() {
    for (const auto& [api, id] : made_) remove_container(*api, id);
    made_.clear();
  }
  std::vector<ArchivePair> pairs_;
  std::vector<std::pair<const engines::DockerApi*, std::string>> made_;
};

int archive_streams() {
  if (const char* env = std::getenv("REHOME_VOLUME_ARCHIVE_STREAMS")) return std::max(1, std::atoi(env));
  return 3;
}

void archive_copy(const Side& source, const Side& target, const CopyPlan& plan,
                  const std::vector<Entry>& source_manifest, const std::function<void(int64_t)>& on_bytes,
                  CopyOutcome& outcome) {
  // The source's proof: its helper hashes the files the archive carries while dockerd reads them
  // (one read from the disk, the second from the page cache).
  std::vector<Entry> to_hash;
  for (const auto& e : plan.send)
    if (e.type == 'f' && (e.leader.empty() || e.leader == e.path)) to_hash.push_back(e);
  for (const auto& [old_path, e] : plan.renames) to_hash.push_back(e);
  const int streams = archive_streams();
  ArchiveUnits units = archive_units(source_manifest, streams);
  if (!units.folders.empty()) {  // the folders split into several units, made before their contents
    std::string records;
    for (const auto& dir : units.folders) {
      Entry d;
      d.type = 'd';
      d.path = dir;
      d.mode = 0700;
      records += record('D', format_entry(d));
    }
    target.helper->start_raw("receive");
    target.helper->write(records + "E");
    HelperRun made = target.helper->run_rest();
    if (made.exit_code > 1)
      throw UserError("making folders on " + target.helper->api().socket_path() +
                      " failed: " + made.err.substr(0, 600));
  }
  auto hashing =
      std::async(std::launch::async, [&] { return source.helper->run("hash", lines_of(to_hash)); });
  try {
    std::mutex lock;
    size_t next = 0;
    bool paused = false;
    auto on_chunk = [&](size_t n) {
      std::lock_guard<std::mutex> hold(lock);
      outcome.archive_bytes += static_cast<int64_t>(n);
      if (on_bytes) on_bytes(outcome.archive_bytes);
      if (!paused && outcome.archive_bytes * 2 >= plan.send_bytes && plan.send_bytes > 0) {
        paused = true;
        pause_point("volume-copy", "half");
      }
    };
    ArchivePairs pairs(source, target, std::min<int>(streams, static_cast<int>(units.units.size())));
    auto worker = [&](size_t slot) {
      while (true) {
        std::string unit;
        {
          std::lock_guard<std::mutex> hold(lock);
          if (next >= units.units.size()) return;
          unit = units.units[next++];
        }
        relay_unit(source, target, pairs[slot], unit, on_chunk);
      }
    };
    std::vector<std::future<void>> workers;
    for (int i = 1; i < std::min<int>(streams, static_cast<int>(units.units.size())); ++i)
      workers.push_back(std::async(std::launch::async, worker, static_cast<size_t>(i)));
    std::exception_ptr failed;
    try {
      worker(0);
    } catch (...) {
      failed = std::current_exception();
      std::lock_guard<std::mutex> hold(lock);
      next = units.units.size();
    }
    for (auto& w : workers) {
      try {
        w.get();
      } catch (...) {
        if (!failed) failed = std::current_exception();
        std::lock_guard<std::mutex> hold(lock);
        next = units.units.size();
      }
    }
    if (failed) std::rethrow_exception(failed);
  } catch (...) {
    try {
      hashing.get();
    } catch (const std::exception&) {
    }
    throw;
  }
  HelperRun hashed = hashing.get();
  if (hashed.exit_code > 1)
    throw UserError("hashing the source on " + source.helper->api().socket_path() + " failed (exit " +
                        std::to_string(hashed.exit_code) + "): " + hashed.err.substr(0, 600),
                    "run the same command again: finished files are kept");
  outcome.source_hashes += hashed.out;
  outcome.warnings += hashed.err;

  // What the engines' tar does not carry, for every entry (the archive rewrote the whole volume):
  // exact metadata, sparse files' holes; and the deletes.
  std::string list = lines_of(source_manifest);
  std::string prefix;
  for (const auto& [old_path, e] : plan.renames) prefix += record('X', escape_field(old_path));
  for (const auto& path : plan.deletes) prefix += record('X', escape_field(path));
  CopyOutcome fixed;
  run_stream(source, target, list, prefix, "meta", 0, false, nullptr, fixed);
  outcome.source_hashes += fixed.source_hashes;
  outcome.target_hashes += fixed.target_hashes;
  outcome.warnings += fixed.warnings;
  outcome.files = plan.send_files + static_cast<int64_t>(plan.renames.size());
  outcome.bytes = plan.send_bytes;
  for (const auto& [old_path, e] : plan.renames) outcome.bytes += static_cast<int64_t>(e.size);
}

}  // namespace

Transport choose_transport(Transport wanted, const CopyPlan& plan, int64_t source_bytes) {
  if (wanted != Transport::automatic) return wanted;
  // The archive carries the whole volume: worth it when most of it has to go anyway.
  constexpr int64_t kArchiveFrom = 64ll << 20;
  return plan.send_bytes >= kArchiveFrom && plan.send_bytes * 2 >= source_bytes ? Transport::archive
                                                                                : Transport::stream;
}

CopyOutcome copy_plan(const Side& source, const Side& target, const CopyPlan& plan,
                      const std::vector<Entry>& source_manifest, Transport transport,
                      const std::function<void(int64_t relayed)>& on_bytes) {
  CopyOutcome outcome;
  if (transport == Transport::archive) {
    outcome.transport = "archive";
    archive_copy(source, target, plan, source_manifest, on_bytes, outcome);
  } else {
    outcome.transport = "stream";
    stream_copy(source, target, plan, on_bytes, outcome);
  }
  return outcome;
}

}  // namespace rehome::migrate::volume
