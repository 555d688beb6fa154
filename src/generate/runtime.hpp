#pragma once
// What the stacks and the manifests share about how a service runs: its secrets as environment,
// the default hardening, and the small entrypoint shim that turns secret files into variables for
// images without the `*_FILE` convention (docs/generate.md, "Runtime and secrets").
#include <optional>
#include <string>
#include <vector>

#include "model/estate.hpp"

namespace rehome::generate {

// "$" doubled, so `docker stack deploy` hands the container the text itself instead of
// interpolating it from the deployer's environment.
std::string compose_escape(const std::string& text);

// "ghcr.io/x/postgres:16@sha256:..." -> "x/postgres"; "postgres:16" -> "postgres".
std::string image_repository(const std::string& image);

// True when the official image reads `<var>_FILE` (postgres, mariadb, mysql): POSTGRES_PASSWORD,
// MARIADB_ROOT_PASSWORD, MYSQL_PASSWORD ...
bool reads_file_variant(const std::string& image, const std::string& var);

// An environment variable held by a secret.
struct SecretEnv {
  std::string var;
  std::string secret;
  bool file_variant = false;  // delivered as <var>_FILE=/run/secrets/<secret>
};
std::vector<SecretEnv> secret_environment(const model::Service& service);
bool needs_env_shim(const model::Service& service);

// The shim (a Swarm config mounted at kShimPath): exports each REHOME_SECRET_ENV entry
// "VAR=/run/secrets/name" as VAR=<file content>, then execs its arguments.
inline constexpr const char* kShimConfig = "rehome-env-shim";
inline constexpr const char* kShimPath = "/rehome-env.sh";
std::string env_shim_script();

// The entrypoint and command a known official image runs (docker-entrypoint.sh + postgres, ...),
// for the shim to exec when the estate names none. nullopt for images rehome does not know.
struct ImageDefaults {
  std::vector<std::string> entrypoint;
  std::vector<std::string> command;
};
std::optional<ImageDefaults> known_image_defaults(const std::string& image);

// The argv the shim wraps: the estate's entrypoint (or the image's known one) then the command.
// `known` is false when the image's own ENTRYPOINT is unknown (the stack names it in a comment).
std::vector<std::string> shim_entrypoint(const model::Service& service, bool& known);

// Capabilities dropped by default: ones no database, cache or web image uses (AUDIT_WRITE, MKNOD,
// NET_RAW, SETFCAP, SYS_CHROOT), minus what compose adds, plus compose's own cap_drop. The
// official postgres, mariadb and redis entrypoints chown and switch user (CHOWN, DAC_OVERRIDE,
// FOWNER, SETUID, SETGID): those stay. compose's `cap_drop: [ALL]` is kept as written.
std::vector<std::string> cap_drop_of(const model::Service& service);

}  // namespace rehome::generate
