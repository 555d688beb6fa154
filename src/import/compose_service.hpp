#pragma once
// Internal to the compose importer: one service's YAML -> model::Service.
#include <filesystem>
#include <map>
#include <string>

#include <yaml-cpp/yaml.h>

#include "import/compose.hpp"

namespace rehome::import {

struct ProjectVolume {
  std::string name;     // the engine's name: `<project>_<key>`, or `name:` / external name
  bool shared = false;  // driver or driver_opts say nfs/cifs/ceph/gluster: the data can follow the service
  bool declared = false;
};

// What a service needs to know about its project to map names.
struct ProjectContext {
  std::string name;
  std::map<std::string, ProjectVolume> volumes;      // compose key -> volume
  std::map<std::string, std::string> networks;       // compose key -> estate network name
  std::map<std::string, std::string> service_names;  // compose service name -> estate service name
  std::string env_file;                              // the project's .env (absolute), "" = none
  std::map<std::string, std::string> config_files;   // top-level configs: key -> host file ("" = external)
  std::map<std::string, std::string> secret_files;   // top-level secrets: key -> host file ("" = external)
};

// One service after `extends` and override files were merged.
struct RawService {
  std::string name;  // as written in the file
  YAML::Node node;
  std::string file;           // where it was defined (the last file that touched it)
  std::filesystem::path dir;  // folder of that file, for env_file and relative paths
  int line = 0;               // of the service's name in that file
};

// Runtime settings (environment, env_file, command, entrypoint, labels, configs, user, ulimits, ...)
// into service.runtime, with every secret value turned into a reference (compose_runtime.cpp).
void map_runtime(const RawService& raw, const ProjectContext& project, const FileReader& read,
                 ImportResult& result, model::Service& service);

// Compose's split of a string `command:` / `entrypoint:` into words (as shlex does: quotes and
// backslashes, no expansion).
std::vector<std::string> split_command(const std::string& text);

model::Service map_service(const RawService& raw, const ProjectContext& project, const FileReader& read,
                           ImportResult& result);

// "8080:80/tcp", "127.0.0.1:5432:5432", "8000-8002:8000-8002", "[::1]:53:53/udp", "80" -> ports.
// Throws UserError naming `where` when malformed. `host_ip` receives the bound address, if any.
std::vector<model::Port> parse_short_port(const std::string& spec, const std::string& where,
                                          std::string& host_ip);

}  // namespace rehome::import
