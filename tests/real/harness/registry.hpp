#pragma once
// A private image registry for tests: Debian's docker-registry (distribution 2.8) in a network
// namespace the test made, listening on one address of the test network only, its storage in a temp
// folder. NetnsCluster starts one with `.registry = true` and its engines trust it
// (--insecure-registry), so a multi-node Swarm pulls images the way a real one does.
//
//   ImageRegistry registry(ns.name(), "198.18.0.2");        // started and answering GET /v2/
//   auto ref = push_to_registry(engine, registry.endpoint(), "rehome/postgres:test");
//   // ref == "198.18.0.2:5000/rehome/postgres:test"; ~ImageRegistry: SIGTERM by pid, folder removed.
#include <sys/types.h>

#include <filesystem>
#include <string>

#include "real/harness/dockerd.hpp"

namespace rehome::test {

class ImageRegistry {
 public:
  // Starts docker-registry inside /var/run/netns/<netns> on address:port and waits until it answers.
  // Throws std::runtime_error with its log when it does not.
  ImageRegistry(const std::string& netns, const std::string& address, int port = 5000);
  ~ImageRegistry();  // stop()
  ImageRegistry(const ImageRegistry&) = delete;
  ImageRegistry& operator=(const ImageRegistry&) = delete;

  std::string endpoint() const;  // "198.18.0.2:5000": the registry part of an image reference
  // Repositories the registry holds (GET /v2/_catalog, asked from inside its namespace).
  std::vector<std::string> catalog() const;
  void stop();  // SIGTERM by pid, then the folder; idempotent

 private:
  std::string http_get(const std::string& path) const;  // the body, "" when it does not answer

  std::string netns_, address_;
  int port_;
  std::filesystem::path dir_;
  pid_t pid_ = -1;
};

// Tags `local_tag` as <registry>/<local_tag> on `engine` and pushes it. Returns the new reference.
std::string push_to_registry(const DockerEngine& engine, const std::string& registry,
                             const std::string& local_tag);

}  // namespace rehome::test
