#pragma once
// The registry step: images that only one host built (compose `build:`) cannot be pulled by the other
// servers, so rehome builds them, tags them <registry>/<image> (the estate's `registry:`) and pushes
// them there, and the stacks deploy that reference. Before any deploy, each server pulls every image
// the plan gives it, so a node that cannot pull (registry not trusted, image missing, no credentials)
// is found before a task of it sits in "preparing".
//
//   images.sh push            build, tag, push each locally built image (run where the build folders are)
//   images.sh pull SERVER     pull every image SERVER will run, with the docker CLI here (run on SERVER)
//   images.sh list [SERVER]   the references, one a line
#include <map>
#include <string>
#include <vector>

#include "generate/topology.hpp"
#include "model/estate.hpp"

namespace rehome::generate {

// The reference a stack deploys for `service`: <registry>/<image> for an image built locally when the
// estate names a registry (unless the image already names that registry), else the image as written.
std::string deployed_image(const model::Estate& estate, const model::Service& service);

// Every server of the estate -> the references of the images the plan runs there (global services on
// every server), sorted, without repeats. A server that runs nothing maps to an empty list.
std::map<std::string, std::vector<std::string>> images_by_server(const Topology& topology);

// Services whose image is built locally, in estate order.
std::vector<const model::Service*> built_services(const model::Estate& estate);

// images.sh (see above).
std::string images_script(const Topology& topology);

}  // namespace rehome::generate
