// rehome secrets create: the Swarm secrets an estate refers to, from the user's .env (the files the
// import recorded, --env-file, or a .env on stdin). Values never come from argv, and are never printed.
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/subcommand.hpp"
#include "common/error.hpp"
#include "common/table.hpp"
#include "import/secret_values.hpp"
#include "model/estate_yaml.hpp"

namespace rehome::cli {
namespace {

struct SecretsFlags {
  std::string estate;
  std::string env_file;
  bool from_stdin = false;
  std::string host;
  bool dry_run = false;
  bool json = false;
};

std::string outcome_text(import::SecretOutcome o) {
  switch (o) {
    case import::SecretOutcome::created:
      return "created";
    case import::SecretOutcome::exists:
      return "exists";
    case import::SecretOutcome::missing:
      return "missing";
  }
  return "";
}

Register r{
    "secrets", "create the Swarm secrets an estate refers to, from the user's .env (never argv)",
    [](CLI::App& app) -> Runner {
      app.require_subcommand(1);
      auto f = std::make_shared<SecretsFlags>();
      CLI::App* create = app.add_subcommand("create", "create every secret of the estate on a Swarm manager");
      create->add_option("estate", f->estate, "estate.yaml (from rehome import)")->required();
      create->add_option("--env-file", f->env_file,
                         "read every variable from this .env instead of the files the import recorded");
      create->add_flag("--stdin", f->from_stdin,
                       "read the .env from stdin (values never on the command line)");
      create->add_option(
          "--host", f->host,
          "unix:///path/to/docker.sock of a manager (default: $DOCKER_HOST or /var/run/docker.sock)");
      create->add_flag("--dry-run", f->dry_run, "say which secrets would be created, create none");
      create->add_flag("--json", f->json, "print JSON for programs");
      return [f]() {
        const auto estate = model::load_estate(f->estate);
        std::optional<import::Variables> vars;
        if (f->from_stdin) {
          std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
          vars = import::parse_env_file(text, "stdin");
        } else if (!f->env_file.empty()) {
          auto text = import::disk_reader()(f->env_file);
          if (!text)
            throw UserError("cannot read --env-file " + f->env_file + ": no such file", "check the path");
          vars = import::parse_env_file(*text, f->env_file);
        }
        auto values = import::secret_values(estate, vars, import::disk_reader());
        std::vector<import::SecretResult> results;
        if (f->dry_run) {
          for (const auto& v : values)
            results.push_back({v.name, v.source,
                               v.value ? import::SecretOutcome::created : import::SecretOutcome::missing,
                               v.value ? "would be created" : v.problem});
        } else {
          engines::DockerClient client(engines::socket_path_from_host(f->host, std::getenv("DOCKER_HOST")));
          client.version();
          results = import::create_secrets(client, values, estate.name);
        }
        values.clear();
        bool missing = false;
        nlohmann::json rows = nlohmann::json::array();
        Table table({"SECRET", "RESULT", "SOURCE", "DETAIL"});
        for (const auto& r : results) {
          missing = missing || r.outcome == import::SecretOutcome::missing;
          std::string outcome =
              f->dry_run && r.outcome == import::SecretOutcome::created ? "ready" : outcome_text(r.outcome);
          rows.push_back({{"name", r.name}, {"result", outcome}, {"source", r.source}, {"detail", r.detail}});
          table.add_row({r.name, outcome, r.source, r.detail});
        }
        if (f->json)
          std::cout << nlohmann::json{{"secrets", rows}, {"complete", !missing}}.dump(2) << "\n";
        else
          std::cout << (results.empty() ? std::string("the estate refers to no secrets\n") : table.render());
        return missing ? exit_code::findings : exit_code::ok;
      };
    }};

}  // namespace
}  // namespace rehome::cli
