// k8s/setup.sh: what the manifests refer to but never hold, created on the cluster before
// `kubectl apply`: the namespace, one Secret per estate secret (key "value"), one ConfigMap per
// compose config (key "value", from its file), and the edge's TLS Secret when the edge serves 443.
// Values come from files or the terminal at run time, go to kubectl on stdin or by file name, and
// are never written or printed, as bootstrap.sh does for Swarm.
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "common/shell.hpp"
#include "generate/generate.hpp"

namespace rehome::generate {
namespace {

constexpr const char* kFunctions = R"SH(
SECRETS_DIR="${SECRETS_DIR:-./secrets}"

log() { printf '[k8s-setup] %s\n' "$*" >&2; }
die() { printf '[k8s-setup] error: %s\n' "$*" >&2; exit 2; }

command -v kubectl >/dev/null || die "kubectl is not installed here"

ensure_namespace() {
  kubectl get namespace "${NAMESPACE}" >/dev/null 2>&1 || kubectl create namespace "${NAMESPACE}" >/dev/null
}

# create_secret NAME FILE_NAME: the value comes from $SECRETS_DIR/FILE_NAME, else from the terminal,
# else from one line of stdin, straight to kubectl. A Secret already there is kept.
create_secret() {
  local name="$1" file="${SECRETS_DIR}/$2" value
  if kubectl --namespace "${NAMESPACE}" get secret "${name}" >/dev/null 2>&1; then
    log "secret ${name} exists"
    return
  fi
  if [[ -f "${file}" ]]; then
    kubectl --namespace "${NAMESPACE}" create secret generic "${name}" --from-file=value="${file}" >/dev/null
  elif [[ -t 0 ]]; then
    read -rsp "value of secret $2: " value
    printf '\n' >&2
    printf '%s' "${value}" |
      kubectl --namespace "${NAMESPACE}" create secret generic "${name}" --from-file=value=/dev/stdin >/dev/null
  elif IFS= read -r value; then
    printf '%s' "${value}" |
      kubectl --namespace "${NAMESPACE}" create secret generic "${name}" --from-file=value=/dev/stdin >/dev/null
  else
    die "secret $2: no file ${file} and nothing on stdin"
  fi
  value=""
  log "secret ${name} created"
}

# create_config NAME FILE: a ConfigMap with key "value", replaced when the file changed.
create_config() {
  local name="$1" file="$2"
  [[ -f "${file}" ]] || die "config ${name}: no file ${file}"
  kubectl --namespace "${NAMESPACE}" create configmap "${name}" --from-file=value="${file}" \
    --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  log "configmap ${name} from ${file}"
}

# create_tls NAME: the edge's certificate and key from $TLS_CERT and $TLS_KEY (PEM files).
create_tls() {
  local name="$1"
  if kubectl --namespace "${NAMESPACE}" get secret "${name}" >/dev/null 2>&1; then
    log "secret ${name} exists"
    return
  fi
  [[ -f "${TLS_CERT:-}" && -f "${TLS_KEY:-}" ]] ||
    die "secret ${name}: set TLS_CERT and TLS_KEY to the edge's certificate and key files (PEM)"
  kubectl --namespace "${NAMESPACE}" create secret tls "${name}" --cert="${TLS_CERT}" --key="${TLS_KEY}" >/dev/null
  log "secret ${name} created"
}
)SH";

}  // namespace

bool edge_has_tls(const Topology& t) {
  for (const auto& s : t.estate().services) {
    if (!t.is_edge_proxy(s)) continue;
    for (const auto& p : s.ports)
      if (p.exposed() && p.published == 443) return true;
  }
  return false;
}

std::string kubernetes_setup_script(const Topology& t, const std::string& ns) {
  std::map<std::string, std::string> configs;  // name -> host file
  std::vector<std::string> external_configs;
  for (const auto& s : t.estate().services)
    for (const auto& c : s.runtime.configs) {
      if (c.file.empty())
        external_configs.push_back(c.source);
      else
        configs[c.source] = c.file;
    }

  std::ostringstream s;
  s << "#!/usr/bin/env bash\n" << generated_header(t);
  s << fmt::format(R"(#
# Creates what the manifests in k8s/ refer to but never hold, in namespace {ns}; run it before
# `kubectl apply -f k8s/ --recursive`, with kubectl pointed at the cluster:
#   ./k8s/setup.sh            all steps: secrets, configs, tls
#   ./k8s/setup.sh secrets|configs|tls
# Secrets: each value from $SECRETS_DIR/<name> (default ./secrets; `rehome secrets create` reads the
# same .env for Swarm), else asked for on the terminal, else one line of stdin. Never printed.
set -euo pipefail
NAMESPACE={ns_word}
)",
                   fmt::arg("ns", ns), fmt::arg("ns_word", shell_word(ns)));
  s << kFunctions;
  s << "\nsecrets() {\n  ensure_namespace\n";
  for (const auto& name : t.secrets())
    s << "  create_secret " << shell_word(slug(name)) << " " << shell_word(name) << "\n";
  if (t.secrets().empty()) s << "  log \"the estate refers to no secrets\"\n";
  s << "}\n\nconfigs() {\n  ensure_namespace\n";
  for (const auto& [name, file] : configs)
    s << "  create_config " << shell_word(slug(name)) << " " << shell_word(file) << "\n";
  for (const auto& name : external_configs)
    s << "  log "
      << shell_word("config " + name + ": created outside rehome (external): create ConfigMap " + slug(name) +
                    " with key value")
      << "\n";
  if (configs.empty() && external_configs.empty()) s << "  log \"the estate has no configs\"\n";
  s << "}\n\ntls() {\n";
  if (edge_has_tls(t))
    s << "  ensure_namespace\n  create_tls edge-tls\n";
  else
    s << "  log \"the edge serves no TLS: nothing to do\"\n";
  s << "}\n\n";
  s << R"SH(case "${1:-all}" in
  all) secrets; configs; tls ;;
  secrets | configs | tls) "$1" ;;
  *) die "unknown step $1: all, secrets, configs or tls" ;;
esac
)SH";
  return s.str();
}

}  // namespace rehome::generate
