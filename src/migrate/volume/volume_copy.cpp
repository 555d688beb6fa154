#include "migrate/volume/volume_copy.hpp"

#include <future>
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
      receiver_alive = false;  // it stopped (disk full, ...): its status says why
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

void archive_copy(const Side& source, const Side& target, const CopyPlan& plan,
                  const std::vector<Entry>& source_manifest, const std::function<void(int64_t)>& on_bytes,
                  CopyOutcome& outcome) {
  // The source's proof: its helper hashes the files the archive carries while dockerd reads them
  // (one read from the disk, the second from the page cache).
  std::vector<Entry> to_hash;
  for (const auto& e : plan.send)
    if (e.type == 'f' && (e.leader.empty() || e.leader == e.path)) to_hash.push_back(e);
  for (const auto& [old_path, e] : plan.renames) to_hash.push_back(e);
  auto hashing =
      std::async(std::launch::async, [&] { return source.helper->run("hash", lines_of(to_hash)); });
  const engines::DockerApi& src_api = source.helper->api();
  const engines::DockerApi& dst_api = target.helper->api();
  try {
    engines::UploadStream upload(dst_api.socket_path(), "PUT",
                                 "/containers/" + target.helper->id() + "/archive?path=%2Fv",
                                 "application/x-tar");
    bool paused = false;
    src_api.download("/containers/" + source.helper->id() + "/archive?path=%2Fv%2F.",
                     [&](const char* data, size_t n) {
                       upload.write(data, n);
                       outcome.archive_bytes += static_cast<int64_t>(n);
                       if (on_bytes) on_bytes(outcome.archive_bytes);
                       if (!paused && outcome.archive_bytes * 2 >= plan.send_bytes && plan.send_bytes > 0) {
                         paused = true;
                         pause_point("volume-copy", "half");
                       }
                     });
    engines::ApiAnswer answer = upload.finish();
    if (answer.status < 200 || answer.status >= 300)
      throw UserError("Docker socket " + dst_api.socket_path() + ": writing the archive into " +
                          target.helper->mount().bind() + " failed with HTTP " +
                          std::to_string(answer.status) + ": " + answer.body.substr(0, 300),
                      "free space on the target engine's data-root if it is full, then run the same "
                      "command again");
  } catch (...) {
    try {
      hashing.get();
    } catch (const std::exception&) {
    }
    throw;
  }
  HelperRun hashed = hashing.get();
  if (hashed.exit_code > 1)
    throw UserError("hashing the source on " + src_api.socket_path() + " failed (exit " +
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
