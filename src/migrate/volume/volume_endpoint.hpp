#pragma once
// One side of a volume copy on its engine: the socket, the volume or folder, the containers using
// it, and the keeper container that binds a state file to the target.
#include <memory>
#include <string>
#include <vector>

#include "engines/docker_stream.hpp"
#include "engines/ssh_tunnel.hpp"
#include "migrate/volume/helper_image.hpp"
#include "migrate/volume/volume_migration.hpp"

namespace rehome::migrate::volume {

// An engine's socket: unix:///path/docker.sock as given; ssh://[user@]host[:port][/socket] through an
// ssh forwarding that lasts as long as this object (engines/ssh_tunnel.hpp). UserError for others.
struct EngineSocket {
  std::string path;
  std::unique_ptr<engines::SshTunnel> tunnel;
};
EngineSocket open_engine(const std::string& engine, const std::string& flag);

// Fails (UserError) when the source volume does not exist; returns its labels.
nlohmann::json source_volume(const engines::DockerApi& api, const Endpoint& from);
// Creates the target volume (with `labels`) when missing.
void ensure_target_volume(const engines::DockerApi& api, const Endpoint& to, const nlohmann::json& labels);

// Running containers (helpers aside) that mount the endpoint's volume or folder.
std::vector<std::string> running_users(const engines::DockerApi& api, const Endpoint& endpoint);

// The keeper: a created, never started container on the target engine, labelled with the run id.
std::string keeper_name(const Endpoint& to);
std::string keeper_run_id(const engines::DockerApi& api, const Endpoint& to);  // "" when there is none
void make_keeper(const engines::DockerApi& api, const std::string& image, const Endpoint& to,
                 const std::string& run_id);

Mount mount_of(const Endpoint& endpoint, bool read_only);

}  // namespace rehome::migrate::volume
