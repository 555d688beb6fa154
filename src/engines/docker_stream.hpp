#pragma once
// The Docker Engine API calls a volume copy needs beyond DockerClient's GETs: any method with a body
// (JSON or a tar stream), and an attached container's stdin/stdout as a hijacked connection
// (POST /containers/{id}/attach with "Upgrade: tcp"; stdout/stderr arrive multiplexed in 8-byte
// framed chunks because the container has no TTY, stdin is raw and ends with a half-close).
#include <chrono>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace rehome::engines {

// How long a data stream (an attached helper, an archive up- or download) may move nothing, either
// way, before it fails naming the engine: a link that went down and stays down ends in a message
// instead of a wait without end. Generous, as a helper may hash a big file before it answers.
inline constexpr std::chrono::seconds kDefaultStreamIdle{600};
// The same for one API call (create, start, inspect, remove a container).
inline constexpr std::chrono::seconds kDefaultCallIdle{120};

// A connected unix socket to a Docker engine; UserError naming the socket when it cannot connect.
int connect_docker_socket(const std::string& socket_path);

struct ApiAnswer {
  int status = 0;
  std::string body;
};

class DockerApi {
 public:
  explicit DockerApi(std::string socket_path) : socket_path_(std::move(socket_path)) {}
  // METHOD path with `body`; returns the status and de-chunked body (no exception on non-2xx).
  // `idle`: how long the engine may stay silent (0: no limit, for a call that waits on purpose, like
  // POST /containers/{id}/wait).
  ApiAnswer call(const std::string& method, const std::string& path, const std::string& body = {},
                 const std::string& content_type = "application/json",
                 std::chrono::seconds idle = kDefaultCallIdle) const;
  // Same, but throws UserError naming the engine, the call and the engine's message on non-2xx;
  // returns the JSON answer (null when the body is empty).
  nlohmann::json call_json(const std::string& method, const std::string& path,
                           const nlohmann::json& body = {}) const;
  // call_json's check of an answer already had (for a caller that looks at a status first, such as a
  // retry on 409): its JSON, or UserError naming the engine, the call and the engine's message.
  nlohmann::json checked(const std::string& method, const std::string& path, const ApiAnswer& answer) const;
  // GET `path` and hand its body to `sink` piece by piece as it arrives (de-chunked, never held whole:
  // GET /containers/{id}/archive streams gigabytes). UserError with the engine's message on non-2xx.
  void download(const std::string& path, const std::function<void(const char*, size_t)>& sink,
                std::chrono::seconds idle = kDefaultStreamIdle) const;
  const std::string& socket_path() const { return socket_path_; }

 private:
  std::string socket_path_;
};

// A request whose body is produced piece by piece (PUT /containers/{id}/archive with a tar streamed
// from another engine): chunked transfer encoding, writes gathered into chunks of 1 MB (fewer system
// calls and wake-ups of the engine than the 32 KB pieces a download arrives in). Closes the socket.
class UploadStream {
 public:
  UploadStream(const std::string& socket_path, const std::string& method, const std::string& path,
               const std::string& content_type, std::chrono::seconds idle = kDefaultStreamIdle);
  ~UploadStream();
  UploadStream(const UploadStream&) = delete;
  UploadStream& operator=(const UploadStream&) = delete;

  void write(const char* data, size_t size);  // UserError when the engine stopped reading
  ApiAnswer finish();                         // ends the body; the engine's answer

 private:
  void send_chunk();
  int fd_ = -1;
  std::string pending_;
  std::string where_;
};

// A write to a container's stdin ended because the container is no longer running.
class ContainerGone : public UserError {
 public:
  using UserError::UserError;
};

// A container's attached stdin/stdout/stderr. Move-only; closes the socket.
class AttachedStream {
 public:
  AttachedStream(const std::string& socket_path, const std::string& container_id,
                 std::chrono::seconds idle = kDefaultStreamIdle);
  ~AttachedStream();
  AttachedStream(AttachedStream&& o) noexcept
      : fd_(o.fd_),
        idle_(o.idle_),
        stalled_(o.stalled_),
        where_(std::move(o.where_)),
        pending_(std::move(o.pending_)),
        pending_pos_(o.pending_pos_) {
    o.fd_ = -1;
  }
  AttachedStream(const AttachedStream&) = delete;
  AttachedStream& operator=(const AttachedStream&) = delete;

  // UserError when the container went away. A container that exited does not always end its attach
  // connection (dockerd keeps it open, reading nothing, for about two minutes): so while the engine
  // takes nothing, `gone` (when given) is asked once a second, and a true answer ends the write
  // with ContainerGone at once.
  void write_stdin(const char* data, size_t size, const std::function<bool()>& gone = {});
  void write_stdin(const std::string& s, const std::function<bool()>& gone = {}) {
    write_stdin(s.data(), s.size(), gone);
  }
  void close_stdin();  // half-close: the program reads end of file
  // Next chunk of output: stream 1 stdout, 2 stderr. False at the end of the output.
  bool read_frame(int& stream, std::string& payload);
  // Whether a read or write gave up after the idle limit: the engine is not answering, so whoever
  // cleans up skips it (no goodbye read, no removal call that would wait again).
  bool stalled() const { return stalled_; }

 private:
  bool read_exact(char* dst, size_t n);
  int fd_ = -1;
  std::chrono::seconds idle_;
  bool stalled_ = false;
  std::string where_;    // "Docker socket <path>", for messages
  std::string pending_;  // bytes received and not consumed yet (large reads, few syscalls per frame)
  size_t pending_pos_ = 0;
};

}  // namespace rehome::engines
