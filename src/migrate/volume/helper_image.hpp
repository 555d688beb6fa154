#pragma once
// The helper program rehome carries in its own binary, the image made of it, and the throwaway
// containers that run it with a volume mounted (stdin/stdout attached through the Engine API:
// helper_session.hpp).
#include <functional>
#include <string>

#include "engines/docker_stream.hpp"

namespace rehome::migrate::volume {

// "rehome-volume-helper:<xxh3 of the program>": imported into the engine when it lacks it.
std::string ensure_helper_image(const engines::DockerApi& api);

struct Mount {
  std::string volume;  // a named volume, or
  std::string path;    // a bind folder
  bool read_only = false;
  std::string bind() const { return (volume.empty() ? path : volume) + ":/v" + (read_only ? ":ro" : ""); }
};

// Creates (does not start) a helper container running `mode` on the mount; returns its id.
std::string create_helper(const engines::DockerApi& api, const std::string& image, const std::string& mode,
                          const Mount& mount);
void start_container(const engines::DockerApi& api, const std::string& id);
void remove_container(const engines::DockerApi& api, const std::string& id);  // never throws
// Whether the container still runs (an engine that does not answer within 5 s: assumed running).
bool container_running(const engines::DockerApi& api, const std::string& id);
// Removes helper containers a killed run left behind (label rehome.volume-helper).
void remove_stale_helpers(const engines::DockerApi& api);

// What a helper command answered: its exit code, stdout and stderr.
struct HelperRun {
  int exit_code = 0;
  std::string out, err;
};

}  // namespace rehome::migrate::volume
