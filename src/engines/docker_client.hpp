#pragma once
// A small client for the Docker Engine API over its unix socket: HTTP/1.1 GET requests, JSON
// answers. Mechanism only; what the answers mean is docker_map.hpp's business.
#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

namespace rehome::engines {

// "unix:///var/run/docker.sock" or a plain path -> the socket path. Empty `host`: $DOCKER_HOST when
// it is a unix:// address, else /var/run/docker.sock. UserError for tcp://, ssh:// and the like.
std::string socket_path_from_host(const std::string& host, const char* docker_host_env);

class DockerClient {
 public:
  explicit DockerClient(std::string socket_path,
                        std::chrono::milliseconds timeout = std::chrono::seconds(30));

  // GET `path` (e.g. "/containers/json"); throws UserError naming the socket when it cannot connect
  // (no such socket, permission denied, nobody listening), when the answer is not HTTP (not a Docker
  // socket), on a timeout, or when the status is not 2xx (with the engine's message).
  nlohmann::json get(const std::string& path) const;

  // POST `path` with a JSON body; returns the HTTP status and puts the answer's JSON (or null) in
  // `answer`. Connection problems throw as for get(); a non-2xx status does not. The body is never
  // part of an error message (it may hold a secret).
  int post(const std::string& path, const nlohmann::json& body, nlohmann::json& answer) const;

  // GET /version and check it is a Docker engine (has ApiVersion); returns the JSON.
  nlohmann::json version() const;

  const std::string& socket_path() const { return socket_path_; }

 private:
  std::string request(const std::string& path, const std::string& method = "GET",
                      const std::string& body = {}) const;

  std::string socket_path_;
  std::chrono::milliseconds timeout_;
};

}  // namespace rehome::engines
