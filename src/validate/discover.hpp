#pragma once
// Validation's targets discovered from what rehome deployed, not from a hand-written targets file:
// the Swarm's stacks (services labelled com.docker.stack.namespace), their desired and running tasks,
// health checks and published ports, read through the Engine API; and the databases rehome moved,
// from the migration evidence (migrate-<database>.json) in the evidence folder.
//
//   validate::DiscoveryOptions o{.engine = "unix:///run/docker.sock", .evidence = "evidence"};
//   validate::Suite suite = validate::validate_deployment(o);  // INCOMPLETE if anything was skipped
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/estate.hpp"
#include "validate/result.hpp"
#include "validate/targets.hpp"

namespace rehome::validate {

struct PublishedPort {
  int published = 0, target = 0;
  std::string mode = "ingress";  // or "host": reachable only on the nodes running a task
};

struct DeployedNode {
  std::string id, hostname, address, state;  // state: "ready", "down", ...
  std::string role;                          // "manager" or "worker"
  std::string reachability;                  // managers: "reachable", "unreachable"
  bool leader = false;
};

struct DeployedService {
  std::string id, name;  // "shop_db"
  std::string stack;     // "shop" (com.docker.stack.namespace); empty: not deployed as a stack
  std::string image;
  bool global = false;
  int desired = 0;                  // replicas; global: one per ready node able to run it
  int running = 0, starting = 0;    // tasks whose desired state is running, by current state
  std::vector<std::string> nodes;   // hostnames of the running tasks
  std::vector<std::string> errors;  // the latest task errors ("No such image ...", "task: non-zero exit")
  bool healthcheck = false;         // in the spec, or seen on a local container
  int unhealthy = 0;                // local containers whose health check fails
  std::vector<PublishedPort> ports;
  // "db" for "shop_db": the estate's service name.
  std::string short_name() const;
};

struct Deployment {
  std::string engine;        // the socket read, for messages
  std::string node_address;  // this manager's address (Swarm.NodeAddr), where ingress ports are probed
  std::vector<DeployedNode> nodes;
  std::vector<DeployedService> services;  // sorted by name
};

// A database rehome moved, from the migration evidence.
struct MovedDatabase {
  std::string name;    // <database> of migrate-<database>.json
  std::string url;     // its target, the password replaced by ${<NAME>_PASSWORD}
  std::string engine;  // postgres, redis, mariadb
  std::string file;    // the evidence file
};

// ---- pure ------------------------------------------------------------------------------------------

// The Engine API's answers (GET /info, /nodes, /services, /tasks, /containers/json) as one value.
// Throws UserError when an answer is not the shape the API documents.
Deployment parse_deployment(const nlohmann::json& info, const nlohmann::json& nodes,
                            const nlohmann::json& services, const nlohmann::json& tasks,
                            const nlohmann::json& containers);

// One migrate evidence file: nullopt when it names no target URL.
std::optional<MovedDatabase> moved_database(const std::string& name, const nlohmann::json& evidence);

// What the cluster's state says (no probing): per service its tasks (running vs desired) and health
// check; per node its state; per estate service (when `estate`) whether it is deployed at all.
// `stacks` not empty: only their services. No service at all is a Skipped probe, never a pass.
std::vector<ProbeResult> state_probes(const Deployment& d, const std::set<std::string>& stacks,
                                      const model::Estate* estate);

// What is measured from here: every published TCP port (ingress at `address`, host-mode at the nodes
// running it) and every moved database.
Targets discovered_targets(const Deployment& d, const std::set<std::string>& stacks,
                           const std::vector<MovedDatabase>& databases, const std::string& address);

// ---- mechanism -------------------------------------------------------------------------------------

// Reads the Engine API of a Swarm manager (UserError naming the socket when it is not one).
Deployment read_deployment(const std::string& engine);

// migrate-*.json (and files whose kind names a migration) in `dir`; a missing folder is none.
std::vector<MovedDatabase> read_moved_databases(const std::filesystem::path& dir);

struct DiscoveryOptions {
  std::string engine;                     // unix:///run/docker.sock (empty: $DOCKER_HOST or the default)
  std::filesystem::path evidence;         // folder with migrate-*.json (empty: no databases)
  std::set<std::string> stacks;           // empty: every stack
  std::string address;                    // where ingress ports are probed (empty: the node's address)
  const model::Estate* estate = nullptr;  // when given: each of its services must be deployed
  std::map<std::string, std::string> credentials;  // NAME=value for ${NAME} (database passwords)
  std::set<Area> only;
  int timeout_ms = 5000;
  std::function<void(const ProbeResult&)> progress;
};

// The library entry point (`rehome validate --engine`, `rehome move`): discover, probe, judge.
Suite validate_deployment(const DiscoveryOptions& options);

}  // namespace rehome::validate
