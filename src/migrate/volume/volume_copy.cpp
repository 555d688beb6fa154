#include "migrate/volume/volume_copy.hpp"

#include <sstream>
#include <thread>

#include "common/error.hpp"
#include "migrate/test_hooks.hpp"

namespace rehome::migrate::volume {

CopyOutcome stream_copy(const Side& source, const Side& target, const CopyPlan& plan,
                        const std::function<void(int64_t relayed)>& on_bytes) {
  std::string list;
  for (const auto& e : plan.send) list += format_entry(e) + "\n";
  std::string prefix;
  for (const auto& [old_path, e] : plan.renames)
    prefix += record('R', escape_field(old_path) + "\t" + format_entry(e));
  for (const auto& path : plan.deletes) prefix += record('X', escape_field(path));

  std::string send_id = create_helper(*source.api, source.image, "send", source.mount);
  std::string recv_id;
  CopyOutcome outcome;
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
      if (!paused && relayed * 2 >= plan.send_bytes && plan.send_bytes > 0) {
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

  std::istringstream summary(recv_out);
  std::string ok;
  int64_t errors = 0;
  summary >> ok >> outcome.files >> outcome.bytes >> errors;
  if (ok != "ok" || recv_exit > 1)
    throw UserError("the receiving helper on " + target.api->socket_path() + " stopped (exit " +
                        std::to_string(recv_exit) + "): " + recv_err.substr(0, 600),
                    "free space on the target engine's data-root if it is full, then run the same command "
                    "again: finished files are kept and not copied again");
  if (send_exit > 1)
    throw UserError("the sending helper on " + source.api->socket_path() + " stopped (exit " +
                        std::to_string(send_exit) + "): " + send_err.substr(0, 600),
                    "run the same command again: finished files are kept");
  outcome.warnings = send_err + recv_err;
  return outcome;
}

}  // namespace rehome::migrate::volume
