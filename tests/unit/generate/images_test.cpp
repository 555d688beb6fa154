// The registry step: built images get the registry's name in the stacks and manifests, images.sh
// pushes them, and every server's pull list holds exactly what the plan runs there.
#include <gtest/gtest.h>

#include "generate/generate.hpp"
#include "generate/images.hpp"
#include "small_estate.hpp"

namespace rehome::generate {
namespace {

model::Estate built_estate() {
  auto e = test::small_estate();
  e.registry = "registry.lan:5000";
  for (auto& s : e.services)
    if (s.name == "web")
      s.build = model::BuildSpec{.context = "/src/web app", .dockerfile = "Dockerfile.prod"};
  return e;
}

TEST(Images, ABuiltImageIsDeployedUnderTheRegistrysNameOthersAsWritten) {
  auto e = built_estate();
  EXPECT_EQ(deployed_image(e, *e.find_service("web")), "registry.lan:5000/example/web:1");
  EXPECT_EQ(deployed_image(e, *e.find_service("db")), "example/db:1");
  auto web = *e.find_service("web");
  web.image = "registry.lan:5000/example/web:1";  // already named for the registry: unchanged
  EXPECT_EQ(deployed_image(e, web), "registry.lan:5000/example/web:1");
  e.registry.clear();  // no registry: as written (images.sh push then says what to add)
  EXPECT_EQ(deployed_image(e, *e.find_service("web")), "example/web:1");
}

TEST(Images, StacksAndManifestsUseTheReferenceThatIsPushed) {
  auto e = built_estate();
  auto plan = test::small_plan();
  auto files = generate_all(e, plan);
  EXPECT_NE(files.at("stacks/production.yml").find("image: registry.lan:5000/example/web:1"),
            std::string::npos);
  bool manifest = false;
  for (const auto& [path, text] : files)
    manifest = manifest || (path.rfind("k8s/", 0) == 0 &&
                            text.find("registry.lan:5000/example/web:1") != std::string::npos);
  EXPECT_TRUE(manifest);
  EXPECT_NE(files.at("README.md").find("images.sh push"), std::string::npos);
}

TEST(Images, EachServerPullsWhatThePlanRunsThere) {
  auto e = built_estate();
  auto plan = test::small_plan();
  Topology t(e, plan);
  auto by_server = images_by_server(t);
  // alpha: proxy, web, the global exporter; beta: web x2, db, exporter; gamma: only the exporter.
  EXPECT_EQ(by_server.at("alpha"), (std::vector<std::string>{"example/node-exporter:1", "example/proxy:1",
                                                             "registry.lan:5000/example/web:1"}));
  EXPECT_EQ(by_server.at("beta"), (std::vector<std::string>{"example/db:1", "example/node-exporter:1",
                                                            "registry.lan:5000/example/web:1"}));
  EXPECT_EQ(by_server.at("gamma"), (std::vector<std::string>{"example/node-exporter:1"}));
}

TEST(Images, ScriptPushesBuiltImagesWithTheirFolderAndDockerfile) {
  auto e = built_estate();
  auto plan = test::small_plan();
  Topology t(e, plan);
  auto script = images_script(t);
  EXPECT_NE(script.find("REGISTRY=registry.lan:5000\n"), std::string::npos);
  EXPECT_NE(script.find("push_image registry.lan:5000/example/web:1 '/src/web app' Dockerfile.prod"),
            std::string::npos)
      << script;
  EXPECT_NE(script.find("gamma) echo example/node-exporter:1; ;;"), std::string::npos) << script;
  // Nothing built: the push step says so and does nothing.
  auto plain = test::small_estate();
  Topology t2(plain, plan);
  EXPECT_NE(images_script(t2).find("nothing to push"), std::string::npos);
}

}  // namespace
}  // namespace rehome::generate
