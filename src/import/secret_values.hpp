#pragma once
// `rehome secrets create`: the value of each secret an estate refers to, from the files its
// SecretSource names (the compose project's .env, an env_file, a secret file) or a .env given on
// stdin, created on a Swarm through the Docker Engine API. Values live only in memory here: never
// in argv, output, errors or files.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engines/docker_client.hpp"
#include "import/compose.hpp"
#include "model/estate.hpp"

namespace rehome::import {

struct SecretValue {
  std::string name;
  std::string source;  // where it came from, for people: "/srv/mail/.env (DBPASS)"; never the value
  std::optional<std::string> value;  // nullopt: not found (see problem)
  std::string problem;               // why there is no value (a variable not set, a missing file)
};

// The values of `estate.secrets`. `env_override`: variables that replace every env_file (a .env
// read from stdin or --env-file); `read` reads files (env files, secret files).
std::vector<SecretValue> secret_values(const model::Estate& estate,
                                       const std::optional<Variables>& env_override, const FileReader& read);

enum class SecretOutcome { created, exists, missing };
struct SecretResult {
  std::string name;
  std::string source;
  SecretOutcome outcome = SecretOutcome::missing;
  std::string detail;  // "already on the cluster: kept", or what is missing
};

// Creates each secret that has a value (POST /secrets/create); one already there is kept (Swarm
// secrets cannot change: `docker secret rm` it first to replace it).
std::vector<SecretResult> create_secrets(const engines::DockerClient& client,
                                         const std::vector<SecretValue>& values, const std::string& label);

std::string base64(const std::string& bytes);

}  // namespace rehome::import
