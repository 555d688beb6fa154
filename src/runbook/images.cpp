// Phase 2's registry step: the images only built locally are built, tagged and pushed to the estate's
// registry (generated images.sh), then every server shows it has or can pull every image the plan
// gives it, before the first deploy (a task that cannot pull waits in "preparing" forever).
#include <fmt/format.h>

#include "generate/images.hpp"
#include "generate/topology.hpp"
#include "runbook/phases.hpp"
#include "runbook/shell.hpp"

namespace rehome::runbook {

std::vector<Step> image_steps(const Context& c) {
  std::vector<Step> out;
  generate::Topology topology(c.estate, c.plan);
  auto built = generate::built_services(c.estate);
  if (!built.empty()) {
    std::vector<std::string> refs;
    for (const auto* s : built) refs.push_back(generate::deployed_image(c.estate, *s));
    Step push;
    push.id = "2.images.push";
    push.phase = 2;
    push.title = "push built images";
    push.what = fmt::format(
        "Builds the images only built locally ({}), tags them for the registry {} and pushes them there, so "
        "every server can pull them.",
        join(refs, ", "),
        c.estate.registry.empty() ? "(none: set registry: in the estate)" : c.estate.registry);
    push.command = fmt::format("bash {}/generated/images.sh push", c.options.workdir);
    push.rollback = "nothing to undo (the registry keeps the pushed tags; delete them there if unwanted)";
    out.push_back(push);
  }
  for (const auto& [server, refs] : generate::images_by_server(topology)) {
    if (refs.empty()) continue;
    std::vector<std::string> quoted;
    for (const auto& r : refs) quoted.push_back(shell_word(r));
    Step pull;
    pull.id = "2.images." + server;
    pull.phase = 2;
    pull.host = server;
    pull.title = "images pullable on " + server;
    pull.what = fmt::format(
        "On {}, every image the plan runs there is present or pulled now ({}): a server that cannot pull "
        "(registry unreachable or not trusted, image not pushed) is found before any deploy.",
        server, join(refs, ", "));
    pull.command = fmt::format(
        "for i in {}; do docker image inspect \"$i\" > /dev/null 2>&1 || docker pull --quiet \"$i\" > "
        "/dev/null "
        "|| {{ echo \"{} cannot pull $i\" >&2; exit 1; }}; done",
        join(quoted, " "), server);
    pull.verify = "docker image inspect " + join(quoted, " ") + " > /dev/null";
    pull.rollback = "nothing to undo (pulled images only fill the engine's cache)";
    out.push_back(pull);
  }
  return out;
}

}  // namespace rehome::runbook
