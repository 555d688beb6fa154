#pragma once
// One helper container per side for a whole pass (the helper's serve mode): created, attached and
// started once, then scan, hash, send and receive run as commands over its attached stdin/stdout, so
// a pass pays two container starts instead of one per step. Its container also serves the engine's
// archive endpoints (GET/PUT /containers/{id}/archive) with the same mount.
#include <chrono>
#include <memory>
#include <string>

#include "engines/docker_stream.hpp"
#include "migrate/volume/helper_image.hpp"

namespace rehome::migrate::volume {

class HelperSession {
 public:
  // `idle`: how long its stream (and the archives relayed through its container) may move nothing.
  HelperSession(const engines::DockerApi& api, const std::string& image, const Mount& mount,
                std::chrono::seconds idle = engines::kDefaultStreamIdle);
  ~HelperSession();  // ends the helper (stdin closed) and removes its container; never throws
  HelperSession(const HelperSession&) = delete;
  HelperSession& operator=(const HelperSession&) = delete;

  const std::string& id() const { return id_; }
  const engines::DockerApi& api() const { return *api_; }
  const Mount& mount() const { return mount_; }
  const std::string& image() const { return image_; }
  std::chrono::seconds idle() const { return idle_; }
  // Its engine stopped answering (a read or write gave up after the idle limit).
  bool stalled() const { return stream_ && stream_->stalled(); }

  // A command with its whole input (scan, hash, send), its output read with next_output, then status.
  void start(const std::string& command, const std::string& input);
  // A command whose input follows as raw bytes (receive's records), written with write.
  void start_raw(const std::string& command);
  void write(const std::string& bytes);  // UserError when the helper went away
  bool next_output(std::string& chunk);  // false after the command's last output
  HelperRun status();                    // the command's exit code and stderr

  HelperRun run(const std::string& command, const std::string& input);  // start, all output, status
  HelperRun run_rest();  // the running command's remaining output and its status

 private:
  bool read_bytes(char* dst, size_t n);
  std::string frame();  // one length-prefixed frame of the helper's stdout
  const engines::DockerApi* api_;
  Mount mount_;
  std::string image_;
  std::string id_;
  std::chrono::seconds idle_;
  std::unique_ptr<engines::AttachedStream> stream_;
  std::string buf_;  // stdout bytes received and not consumed
  size_t pos_ = 0;
  std::string stderr_;  // anything the helper wrote to its real stderr (a crash)
};

}  // namespace rehome::migrate::volume
