// images.sh: the registry step (build, tag, push) and the pull check every server runs before deploy.
#include "generate/images.hpp"

#include <algorithm>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "common/shell.hpp"
#include "generate/generate.hpp"

namespace rehome::generate {
namespace {

constexpr const char* kFunctions = R"SH(
log() { printf '[images] %s\n' "$*" >&2; }
die() { printf '[images] error: %s\n' "$*" >&2; exit 2; }

command -v docker >/dev/null || die "docker is not installed here: apt-get install docker.io"

# push_image REFERENCE CONTEXT DOCKERFILE: build the folder, tag it REFERENCE, push it.
push_image() {
  local ref="$1" context="$2" dockerfile="$3" out
  [[ -n "${REGISTRY}" ]] ||
    die "${ref} is built locally but the estate names no registry: add registry: host:port to estate.yaml and run rehome generate again"
  if [[ "${context}" != *://* && ! -d "${context}" ]]; then
    die "build folder ${context} of ${ref} is missing: run this where the compose project lives"
  fi
  local args=(--tag "${ref}")
  [[ -n "${dockerfile}" ]] && args+=(--file "${context}/${dockerfile}")
  log "building ${ref} from ${context}"
  out="$(docker build --quiet "${args[@]}" "${context}" 2>&1)" || die "docker build of ${ref} failed: ${out}"
  log "pushing ${ref}"
  out="$(docker push "${ref}" 2>&1)" ||
    die "docker push ${ref} failed: ${out##*$'\n'} (is ${REGISTRY} trusted by this engine, and are you logged in?)"
}

# pull_images SERVER REFERENCE...: pull each; name every one that fails, then fail.
pull_images() {
  local server="$1" ref out failed=()
  shift
  for ref in "$@"; do
    if out="$(docker pull --quiet "${ref}" 2>&1)"; then
      log "${server}: ${ref} pulled"
    else
      log "${server}: cannot pull ${ref}: ${out##*$'\n'}"
      failed+=("${ref}")
    fi
  done
  if ((${#failed[@]} > 0)); then
    die "${server} cannot pull ${#failed[@]} image(s): ${failed[*]} (registry reachable and trusted from ${server}? image pushed?)"
  fi
  log "${server}: all $# image(s) pullable"
}
)SH";

bool names_registry(const std::string& image, const std::string& registry) {
  return image.rfind(registry + "/", 0) == 0;
}

}  // namespace

std::string deployed_image(const model::Estate& estate, const model::Service& service) {
  if (!service.build || estate.registry.empty() || names_registry(service.image, estate.registry))
    return service.image;
  return estate.registry + "/" + service.image;
}

std::vector<const model::Service*> built_services(const model::Estate& estate) {
  std::vector<const model::Service*> out;
  for (const auto& s : estate.services)
    if (s.build) out.push_back(&s);
  return out;
}

std::map<std::string, std::vector<std::string>> images_by_server(const Topology& t) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& server : t.estate().servers) {
    std::set<std::string> refs;
    for (const auto& s : t.estate().services)
      if (t.placement(s.name).per_server.count(server.name)) refs.insert(deployed_image(t.estate(), s));
    out[server.name] = {refs.begin(), refs.end()};
  }
  return out;
}

std::string images_script(const Topology& t) {
  const auto& estate = t.estate();
  std::ostringstream s;
  s << "#!/usr/bin/env bash\n" << generated_header(t);
  s << fmt::format(R"(#
# The images the stacks deploy, made pullable by every server (rehome's registry step):
#
#   ./images.sh push            build each image built locally, tag it <registry>/<image>, push it
#                               (run it where the build folders are)
#   ./images.sh pull SERVER     pull every image SERVER will run, with the docker CLI here: run it on
#                               SERVER (or with DOCKER_HOST set to its engine) before deploying
#   ./images.sh list [SERVER]   the image references (of SERVER), one a line
#
# Registry: {registry}. Where it needs credentials, `docker login` first.
set -euo pipefail
)",
                   fmt::arg("registry", estate.registry.empty() ? "(none in the estate)" : estate.registry));
  s << "\nREGISTRY=" << shell_word(estate.registry) << "\n";
  s << kFunctions;

  s << "\nstep_push() {\n";
  auto built = built_services(estate);
  if (built.empty()) s << "  log \"no image is built locally: nothing to push\"\n";
  for (const auto* svc : built) {
    s << "  push_image " << shell_word(deployed_image(estate, *svc)) << " " << shell_word(svc->build->context)
      << " " << shell_word(svc->build->dockerfile) << "\n";
  }
  s << "}\n";

  s << "\n# images_of SERVER: the references the plan runs on SERVER.\nimages_of() {\n  case \"$1\" in\n";
  std::vector<std::string> names;
  for (const auto& [server, refs] : images_by_server(t)) {
    names.push_back(server);
    s << "    " << shell_word(server) << ")";
    for (const auto& r : refs) s << " echo " << shell_word(r) << ";";
    s << " ;;\n";
  }
  std::string all;
  for (const auto& n : names) all += (all.empty() ? "" : " ") + n;
  s << "    *) die \"unknown server $1: one of " << all << "\" ;;\n  esac\n}\n";
  s << "SERVERS=(" << all << ")\n";

  s << R"SH(
case "${1:-}" in
  push) step_push ;;
  pull)
    [[ " ${SERVERS[*]} " == *" ${2:-} "* && -n "${2:-}" ]] ||
      die "pull needs the server whose images to pull: one of ${SERVERS[*]}"
    mapfile -t refs < <(images_of "$2")
    pull_images "$2" "${refs[@]}"
    ;;
  list)
    if [[ -n "${2:-}" ]]; then
      [[ " ${SERVERS[*]} " == *" $2 "* ]] || die "unknown server $2: one of ${SERVERS[*]}"
      images_of "$2"
    else for s in "${SERVERS[@]}"; do images_of "$s"; done | sort -u; fi
    ;;
  *) die "usage: images.sh push | pull SERVER | list [SERVER]" ;;
esac
)SH";
  return s.str();
}

}  // namespace rehome::generate
