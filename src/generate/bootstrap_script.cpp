// bootstrap.sh: the Swarm the plan needs, from nothing (or from half of it: every step is skipped
// when already done). Seed 001 did these steps by hand; this is the same list, made from the estate.
#include <sstream>

#include <fmt/format.h>

#include "common/shell.hpp"
#include "generate/generate.hpp"

namespace rehome::generate {

namespace {

std::string address_of(const model::Server& server) {
  return server.address.empty() ? server.name : server.address;
}

// The fixed part: helpers and the step functions. Plain text, no estate data.
constexpr const char* kFunctions = R"SH(
SSH_USER="${SSH_USER:-root}"
SECRETS_DIR="${SECRETS_DIR:-./secrets}"

log() { printf '[bootstrap] %s\n' "$*" >&2; }
die() { printf '[bootstrap] error: %s\n' "$*" >&2; exit 2; }

command -v docker >/dev/null || die "docker is not installed here: apt-get install docker.io"

# Runs a command on another server (key-based SSH; nothing secret on the command line).
remote() {
  local address="$1"
  shift
  ssh -o BatchMode=yes -o ConnectTimeout=10 "${SSH_USER}@${address}" "$@"
}

local_state() { docker info --format '{{.Swarm.LocalNodeState}}'; }

init_swarm() {
  local address="$1"
  if [[ "$(local_state)" == "active" ]]; then
    log "swarm already active on this server: init skipped"
    return
  fi
  log "swarm init on ${address}"
  docker swarm init --advertise-addr "${address}" >/dev/null
}

# join_node NAME ADDRESS manager|worker
join_node() {
  local name="$1" address="$2" role="$3" state token
  state="$(remote "${address}" "docker info --format '{{.Swarm.LocalNodeState}}'")" ||
    die "cannot reach ${name} (${address}) over ssh as ${SSH_USER}: set SSH_USER or install your key there"
  if [[ "${state}" == "active" ]]; then
    log "${name} is already in a swarm: join skipped"
    return
  fi
  log "joining ${name} (${address}) as ${role}"
  token="$(docker swarm join-token -q "${role}")"
  # The token goes over stdin, so it never shows in a process list or shell history.
  remote "${address}" "read -r token; docker swarm join --token \"\${token}\" --advertise-addr ${address} ${JOIN_ADDRESS}" \
    <<<"${token}" >/dev/null
}

# label_node NAME KEY=VALUE...
label_node() {
  local name="$1"
  shift
  local args=()
  for label in "$@"; do args+=(--label-add "${label}"); done
  docker node update "${args[@]}" "${name}" >/dev/null
  log "labels on ${name}: $*"
}

# create_network NAME encrypted(yes|no) internal(yes|no)
create_network() {
  local name="$1" encrypted="$2" internal="$3"
  if docker network inspect "${name}" >/dev/null 2>&1; then
    local has
    has="$(docker network inspect --format '{{json .Options}}' "${name}")"
    if [[ "${encrypted}" == "yes" && "${has}" != *'"encrypted"'* ]]; then
      die "network ${name} exists without encryption: remove it (docker network rm ${name}) and run again"
    fi
    log "network ${name} exists"
    return
  fi
  local args=(--driver overlay --attachable)
  [[ "${encrypted}" == "yes" ]] && args+=(--opt encrypted=true)
  [[ "${internal}" == "yes" ]] && args+=(--internal)
  docker network create "${args[@]}" "${name}" >/dev/null
  log "network ${name} created (encrypted: ${encrypted}, internal: ${internal})"
}

# create_secret NAME: the value comes from $SECRETS_DIR/NAME, else from the terminal, else from one
# line of stdin. It goes straight to `docker secret create` and is never written or printed.
create_secret() {
  local name="$1" value
  if docker secret inspect "${name}" >/dev/null 2>&1; then
    log "secret ${name} exists"
    return
  fi
  if [[ -f "${SECRETS_DIR}/${name}" ]]; then
    docker secret create "${name}" "${SECRETS_DIR}/${name}" >/dev/null
  elif [[ -t 0 ]]; then
    read -rsp "value of secret ${name}: " value
    printf '\n' >&2
    printf '%s' "${value}" | docker secret create "${name}" - >/dev/null
  elif IFS= read -r value; then
    printf '%s' "${value}" | docker secret create "${name}" - >/dev/null
  else
    die "secret ${name}: no file ${SECRETS_DIR}/${name} and nothing on stdin"
  fi
  value=""
  log "secret ${name} created"
}
)SH";

}  // namespace

std::string bootstrap_script(const Topology& t) {
  const auto& managers = t.managers();
  std::ostringstream s;
  s << "#!/usr/bin/env bash\n" << generated_header(t);
  const model::Server* first = managers.empty() ? nullptr : managers.front();
  std::string first_name = first ? first->name : "(none)";
  s << fmt::format(R"(#
# Builds the Swarm of the plan: {managers} manager(s), {workers} worker(s), node labels, overlay
# networks and secrets. Run it on {first} ({address}) as a user allowed to run docker; the other
# servers are reached with `ssh $SSH_USER@<address>` (default root, key-based). Safe to run again:
# every step already done is skipped.
#
#   ./bootstrap.sh            all steps: swarm, labels, networks, secrets
#   ./bootstrap.sh swarm|labels|networks|secrets
#
# Secret values never enter a generated file: each comes from $SECRETS_DIR/<name> (default
# ./secrets), else is asked for on the terminal, else read as one line of stdin, in this order:
#   {secrets}
set -euo pipefail
)",
                   fmt::arg("managers", managers.size()), fmt::arg("workers", t.workers().size()),
                   fmt::arg("first", first_name), fmt::arg("address", first ? address_of(*first) : "-"),
                   fmt::arg(
                       "secrets", t.secrets().empty() ? std::string("(none)") : [&] {
                         std::string list;
                         for (const auto& name : t.secrets()) list += (list.empty() ? "" : " ") + name;
                         return list;
                       }()));
  s << kFunctions;
  s << fmt::format("\nJOIN_ADDRESS={}\n", shell_word(first ? address_of(*first) + ":2377" : ""));

  s << "\nstep_swarm() {\n";
  if (first) s << "  init_swarm " << shell_word(address_of(*first)) << "\n";
  for (size_t i = 1; i < managers.size(); ++i) {
    s << "  join_node " << shell_word(managers[i]->name) << " " << shell_word(address_of(*managers[i]))
      << " manager\n";
  }
  for (const auto* w : t.workers()) {
    s << "  join_node " << shell_word(w->name) << " " << shell_word(address_of(*w)) << " worker\n";
  }
  s << "  docker node ls >&2\n}\n";

  s << "\nstep_labels() {\n";
  bool any_label = false;
  for (const auto& [server, labels] : t.node_labels()) {
    if (labels.empty()) continue;
    any_label = true;
    s << "  label_node " << shell_word(server);
    for (const auto& [k, v] : labels) s << " " << shell_word(k + "=" + v);
    s << "\n";
  }
  if (!any_label) s << "  log \"no node labels needed\"\n";
  s << "}\n";

  s << "\nstep_networks() {\n";
  if (t.networks().empty()) s << "  log \"no networks needed\"\n";
  for (const auto& n : t.networks()) {
    s << "  create_network " << shell_word(n.name) << " " << (n.encrypted ? "yes" : "no") << " "
      << (n.internal ? "yes" : "no") << "\n";
  }
  s << "}\n";

  s << "\nstep_secrets() {\n";
  if (t.secrets().empty()) s << "  log \"no secrets needed\"\n";
  for (const auto& name : t.secrets()) s << "  create_secret " << shell_word(name) << "\n";
  s << "}\n";

  s << R"SH(
case "${1:-all}" in
  all) step_swarm && step_labels && step_networks && step_secrets ;;
  swarm) step_swarm ;;
  labels) step_labels ;;
  networks) step_networks ;;
  secrets) step_secrets ;;
  *) die "unknown step ${1}: use all, swarm, labels, networks or secrets" ;;
esac
log "done"
)SH";
  return s.str();
}

}  // namespace rehome::generate
