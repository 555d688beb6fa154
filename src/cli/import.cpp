// rehome import compose|docker: read an existing estate so nobody types 70 services by hand.
#include <cstdlib>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/subcommand.hpp"
#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "import/compose.hpp"
#include "import/docker_engine.hpp"
#include "import/estate_output.hpp"
#include "model/units.hpp"

extern char** environ;

namespace rehome::cli {
namespace {

// An alias, not `import::`: clang-format reads a line starting `import` as a C++20 module import and
// leaves the rest of the file unformatted.
namespace estate_import = rehome::import;

struct ImportFlags {
  std::vector<std::string> files;
  std::string env_file;
  std::vector<std::string> profiles;
  std::string project;
  std::string host;
  std::string sample = "10s";
  std::string output;
  std::string servers;
  std::string name;
  std::string registry;
  bool json = false;
};

estate_import::Variables process_environment() {
  estate_import::Variables vars;
  for (char** e = environ; e && *e; ++e) {
    std::string kv = *e;
    size_t eq = kv.find('=');
    if (eq != std::string::npos) vars[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return vars;
}

// Servers, the read-back check, then the estate file (or stdout) and the summary.
int finish(estate_import::ImportResult result, const ImportFlags& f) {
  std::optional<std::filesystem::path> servers;
  if (!f.servers.empty()) servers = f.servers;
  estate_import::attach_servers(result, servers, estate_import::local_host_server());
  if (!f.name.empty()) result.estate.name = f.name;
  if (!f.registry.empty()) result.estate.registry = f.registry;
  std::string yaml = estate_import::estate_yaml_checked(result);
  if (!f.output.empty()) write_file_atomically(f.output, yaml);
  if (f.json) {
    auto j = estate_import::summary_json(result);
    if (!f.output.empty())
      j["written"] = f.output;
    else
      j["estate_yaml"] = yaml;
    std::cout << j.dump(2) << "\n";
  } else if (f.output.empty()) {
    std::cout << yaml;
    std::cerr << estate_import::render_summary(result);
  } else {
    std::cout << estate_import::render_summary(result) << "\nwrote " << f.output << "\n";
  }
  return exit_code::ok;
}

void common_options(CLI::App& app, const std::shared_ptr<ImportFlags>& f) {
  app.add_option("-o,--output", f->output, "write the estate to this estate.yaml (default: print it)");
  app.add_option("--servers", f->servers,
                 "an estate.yaml holding just the servers (default: one placeholder server for this host)");
  app.add_option("--name", f->name, "the estate's name (default: the first project, or the engine's host)");
  app.add_option(
      "--registry", f->registry,
      "host[:port] of the registry every server pulls from; images built locally are pushed there");
  app.add_flag("--json", f->json, "print JSON for programs");
}

Register r{
    "import", "read an existing estate from docker-compose files or a live Docker engine",
    [](CLI::App& app) -> Runner {
      app.require_subcommand(1);
      auto f = std::make_shared<ImportFlags>();
      CLI::App* compose =
          app.add_subcommand("compose", "services from docker-compose files (v2, v3, Compose Spec)");
      compose->add_option("files", f->files, "docker-compose.yml files; many projects at once")->required();
      compose->add_option("--env-file", f->env_file, "variables for ${VAR} (default: .env beside each file)");
      compose->add_option("--profile", f->profiles,
                          "import only services of these profiles (and those without)");
      compose->add_option("-p,--project-name", f->project, "one project name for all files");
      common_options(*compose, f);
      CLI::App* docker =
          app.add_subcommand("docker", "services from a live Docker engine, with measured memory and CPU");
      docker->add_option("--host", f->host,
                         "unix:///path/to/docker.sock (default: $DOCKER_HOST or /var/run/docker.sock)");
      docker->add_option("--sample", f->sample, "how long to sample stats (default 10s; 0 = two samples)");
      common_options(*docker, f);
      return [f, compose, docker]() {
        if (compose->parsed()) {
          estate_import::ComposeOptions options;
          options.environment = process_environment();
          if (!f->env_file.empty()) options.env_file = f->env_file;
          options.profiles = f->profiles;
          options.project_name = f->project;
          std::vector<std::filesystem::path> files(f->files.begin(), f->files.end());
          return finish(estate_import::import_compose(files, options, estate_import::disk_reader()), *f);
        }
        if (docker->parsed()) {
          auto window = model::parse_duration(f->sample);
          if (!window || *window < 0 || *window > 3600 * 1000)
            throw UserError("--sample " + f->sample + ": not a duration up to 1h", "write it like 10s or 1m");
          engines::DockerClient client(
              engines::socket_path_from_host(f->host, std::getenv("DOCKER_HOST")));
          bool show = !f->json;
          auto snap = estate_import::read_engine(client, std::chrono::milliseconds(*window),
                                                 [show](int done, int total) {
                                                   if (show)
                                                     std::cerr << "\rsampling stats " << done << "/" << total
                                                               << (done == total ? "\n" : "") << std::flush;
                                                 });
          return finish(estate_import::map_engine(snap), *f);
        }
        return exit_code::bad_input;
      };
    }};

}  // namespace
}  // namespace rehome::cli
