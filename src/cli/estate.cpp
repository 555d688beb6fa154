#include <iostream>
#include <memory>

#include "cli/subcommand.hpp"
#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/secrets.hpp"
#include "model/estate_yaml.hpp"
#include "model/summary.hpp"

namespace rehome::cli {
namespace {

struct EstateFlags {
  std::string file;
  std::string output;
  bool json = false;
};

Register r{
    "estate", "validate an estate.yaml and summarize it (servers, services, capacity)",
    [](CLI::App& app) -> Runner {
      auto f = std::make_shared<EstateFlags>();
      app.add_option("file", f->file, "estate.yaml (default: the built-in WizardSofts example)");
      app.add_option("-o,--output", f->output, "write the normalized estate YAML to this file");
      app.add_flag("--json", f->json, "print JSON for programs");
      return [f]() {
        std::string path = f->file.empty() ? model::default_estate_path().string() : f->file;
        model::EstateReading reading = model::read_estate(read_file(path), path);
        if (!reading.ok()) {
          if (f->json) {
            nlohmann::json out{
                {"valid", false}, {"file", path}, {"problems", model::problems_to_json(reading.problems)}};
            std::cout << mask_secrets(out.dump(2)) << "\n";
          } else {
            std::cerr << mask_secrets(model::format_problems(reading.problems)) << reading.problems.size()
                      << " problem(s) in " << path << ": fix them and run `rehome estate " << path
                      << "` again; nothing was written\n";
          }
          return exit_code::bad_input;
        }
        if (!f->output.empty()) write_file_atomically(f->output, model::to_yaml(reading.estate));
        if (f->json)
          std::cout << model::summary_to_json(reading.estate).dump(2) << "\n";
        else
          std::cout << model::render_summary(reading.estate);
        if (!f->output.empty() && !f->json) std::cout << "Normalized estate written to " << f->output << "\n";
        return exit_code::ok;
      };
    }};

}  // namespace
}  // namespace rehome::cli
