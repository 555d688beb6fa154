#include "migrate/volume/volume_copy.hpp"

#include <future>
#include <sstream>
#include <thread>

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

// One sending and one receiving helper, rehome relaying between their attached streams.
void run_stream(const Side& source, const Side& target, const std::string& list, const std::string& prefix,
                const std::string& send_option, int64_t total, bool pause_at_half,
                const std::function<void(int64_t)>& on_bytes, CopyOutcome& outcome) {
  std::string send_id = create_helper(*source.api, source.image, "send", source.mount, send_option);
  std::string recv_id;
  std::string recv_out, recv_err, send_err;
  int send_exit = 0, recv_exit = 0;
  try {
    recv_id = create_helper(*target.api, target.image, "receive", target.mount);
    import::AttachedStream sender(source.api->socket_path(), send_id);
    import::AttachedStream receiver(target.api->socket_path(), recv_id);
    start_container(*target.api, recv_id);
    start_container(*source.api, send_id);
    std::thread list_writer([&] {
      try {
        sender.write_stdin(list);
      } catch (const std::exception&) {
      }
      sender.close_stdin();
    });
    std::thread recv_reader([&] {
      int kind;
      std::string chunk;
      while (receiver.read_frame(kind, chunk)) (kind == 2 ? recv_err : recv_out) += chunk;
    });
    bool receiver_alive = true;
    auto forward = [&](const std::string& bytes) {
      if (!receiver_alive) return;
      try {
        receiver.write_stdin(bytes);
      } catch (const std::exception&) {
        receiver_alive = false;  // it stopped (disk full, ...): its stderr says why
      }
    };
    forward(prefix);
    int64_t relayed = 0;
    bool paused = false;
    int kind;
    std::string chunk;
    while (sender.read_frame(kind, chunk)) {
      if (kind == 2) {
        send_err += chunk;
        continue;
      }
      forward(chunk);
      relayed += static_cast<int64_t>(chunk.size());
      if (on_bytes) on_bytes(relayed);
      if (pause_at_half && !paused && relayed * 2 >= total && total > 0) {
        paused = true;
        pause_point("volume-copy", "half");
      }
    }
    forward(std::string(1, 'E'));
    receiver.close_stdin();
    list_writer.join();
    recv_reader.join();
    send_exit = wait_container(*source.api, send_id);
    recv_exit = wait_container(*target.api, recv_id);
  } catch (...) {
    remove_container(*source.api, send_id);
    if (!recv_id.empty()) remove_container(*target.api, recv_id);
    throw;
  }
  remove_container(*source.api, send_id);
  remove_container(*target.api, recv_id);

  send_err = take_hashes(send_err, outcome.source_hashes);
  std::string summary_text = take_hashes(recv_out, outcome.target_hashes);
  std::istringstream summary(summary_text.substr(std::min(summary_text.rfind("ok "), summary_text.size())));
  std::string ok;
  int64_t files = 0, bytes = 0, errors = 0;
  summary >> ok >> files >> bytes >> errors;
  if (ok != "ok" || recv_exit > 1)
    throw UserError("the receiving helper on " + target.api->socket_path() + " stopped (exit " +
                        std::to_string(recv_exit) + "): " + recv_err.substr(0, 600),
                    "free space on the target engine's data-root if it is full, then run the same command "
                    "again: finished files are kept and not copied again");
  if (send_exit > 1)
    throw UserError("the sending helper on " + source.api->socket_path() + " stopped (exit " +
                        std::to_string(send_exit) + "): " + send_err.substr(0, 600),
                    "run the same command again: finished files are kept");
  outcome.files += files;
  outcome.bytes += bytes;
  outcome.warnings += send_err + recv_err;
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
  auto hashing = std::async(std::launch::async, [&] {
    return run_helper(*source.api, source.image, "hash", source.mount, lines_of(to_hash));
  });

  std::string src_id, dst_id;
  try {
    src_id = create_helper(*source.api, source.image, "archive", source.mount);
    dst_id = create_helper(*target.api, target.image, "archive", target.mount);
    import::UploadStream upload(target.api->socket_path(), "PUT",
                                "/containers/" + dst_id + "/archive?path=%2Fv", "application/x-tar");
    bool paused = false;
    source.api->download("/containers/" + src_id + "/archive?path=%2Fv%2F.", [&](const char* data, size_t n) {
      upload.write(data, n);
      outcome.archive_bytes += static_cast<int64_t>(n);
      if (on_bytes) on_bytes(outcome.archive_bytes);
      if (!paused && outcome.archive_bytes * 2 >= plan.send_bytes && plan.send_bytes > 0) {
        paused = true;
        pause_point("volume-copy", "half");
      }
    });
    import::ApiAnswer answer = upload.finish();
    if (answer.status < 200 || answer.status >= 300)
      throw UserError("Docker socket " + target.api->socket_path() + ": writing the archive into " +
                          target.mount.bind() + " failed with HTTP " + std::to_string(answer.status) + ": " +
                          answer.body.substr(0, 300),
                      "free space on the target engine's data-root if it is full, then run the same "
                      "command again");
  } catch (...) {
    remove_container(*source.api, src_id);
    if (!dst_id.empty()) remove_container(*target.api, dst_id);
    try {
      hashing.get();
    } catch (const std::exception&) {
    }
    throw;
  }
  remove_container(*source.api, src_id);
  remove_container(*target.api, dst_id);
  HelperRun hashed = hashing.get();
  if (hashed.exit_code > 1)
    throw UserError("hashing the source on " + source.api->socket_path() + " failed (exit " +
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
