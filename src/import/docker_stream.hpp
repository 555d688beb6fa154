#pragma once
// The Docker Engine API calls a volume copy needs beyond DockerClient's GETs: any method with a body
// (JSON or a tar stream), and an attached container's stdin/stdout as a hijacked connection
// (POST /containers/{id}/attach with "Upgrade: tcp"; stdout/stderr arrive multiplexed in 8-byte
// framed chunks because the container has no TTY, stdin is raw and ends with a half-close).
#include <string>

#include <nlohmann/json.hpp>

namespace rehome::import {

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
  ApiAnswer call(const std::string& method, const std::string& path, const std::string& body = {},
                 const std::string& content_type = "application/json") const;
  // Same, but throws UserError naming the engine, the call and the engine's message on non-2xx;
  // returns the JSON answer (null when the body is empty).
  nlohmann::json call_json(const std::string& method, const std::string& path,
                           const nlohmann::json& body = {}) const;
  const std::string& socket_path() const { return socket_path_; }

 private:
  std::string socket_path_;
};

// A container's attached stdin/stdout/stderr. Move-only; closes the socket.
class AttachedStream {
 public:
  AttachedStream(const std::string& socket_path, const std::string& container_id);
  ~AttachedStream();
  AttachedStream(AttachedStream&& o) noexcept : fd_(o.fd_), pending_(std::move(o.pending_)) { o.fd_ = -1; }
  AttachedStream(const AttachedStream&) = delete;
  AttachedStream& operator=(const AttachedStream&) = delete;

  void write_stdin(const char* data, size_t size);  // UserError when the container went away
  void write_stdin(const std::string& s) { write_stdin(s.data(), s.size()); }
  void close_stdin();  // half-close: the program reads end of file
  // Next chunk of output: stream 1 stdout, 2 stderr. False at the end of the output.
  bool read_frame(int& stream, std::string& payload);

 private:
  bool read_exact(char* dst, size_t n);
  int fd_ = -1;
  std::string pending_;  // bytes read past the HTTP headers
};

}  // namespace rehome::import
