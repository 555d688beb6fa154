// `rehome migrate volume NAME --from-engine unix:///... --to-engine unix:///... [--to-volume NEW]
//                         [--from-path DIR --to-path DIR] [--work-dir DIR | --state FILE] [--rehash]
//                         [--transport auto|archive|stream] [--idle-timeout SECONDS] [--json]`
// Copies a Docker volume (or a bind folder) between two engines through their APIs, proves it with
// both sides' per-file sha256 manifests; run again, it is the incremental pass.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/state_flags.hpp"
#include "cli/subcommand.hpp"
#include "common/error.hpp"
#include "common/table.hpp"
#include "migrate/progress.hpp"
#include "migrate/volume/volume_migration.hpp"
#include "model/units.hpp"

namespace rehome::cli {
std::vector<Subcommand>& migrate_subcommands();

namespace {

namespace vol = migrate::volume;

void print_report(const vol::VolumeMigrationReport& r) {
  Table table({"side", "engine", "volume", ">entries", ">files", ">bytes", ">read for sha256"});
  auto row = [&](const char* name, const vol::Endpoint& e, const vol::ManifestSummary& s) {
    table.add_row({name, e.engine, e.label(), std::to_string(s.entries), std::to_string(s.files),
                   model::format_bytes(s.bytes), model::format_bytes(s.hashed_bytes)});
  };
  row("source", r.from, r.source);
  row("target", r.to, r.target);
  std::cout << table.render() << "\n";
  std::cout << fmt::format(
      "pass {}{}: changed {} file(s), {} sent; {} renamed, {} deleted; "
      "scan {:.1f} s, copy {:.1f} s, verify {:.1f} s, total {:.1f} s\n",
      r.pass, r.resumed ? " (resumed after an interruption)" : "", r.sent_files,
      model::format_bytes(r.sent_bytes), r.renamed, r.deleted, r.scan_seconds, r.copy_seconds,
      r.verify_seconds, r.seconds);
  if (r.verified()) {
    std::cout << fmt::format(
        "✓ proof: {} entries, {} files, {} identical on both sides (sha256 per file, "
        "owners, modes, mtimes, links, xattrs)\n",
        r.source.entries, r.source.files, model::format_bytes(r.source.bytes));
  } else {
    std::cout << fmt::format("✗ proof: {} mismatch(es)\n", r.mismatches.size());
    size_t shown = 0;
    for (const auto& m : r.mismatches) {
      if (++shown > 20) {
        std::cout << fmt::format("  ... and {} more (--json lists all)\n", r.mismatches.size() - 20);
        break;
      }
      std::cout << "  ✗ " << vol::escape_field(m.path) << ": " << m.what << "\n";
    }
  }
  if (r.writers.empty()) {
    std::cout << "no running container used either side while copying\n";
  } else {
    for (const auto& w : r.writers)
      std::cout << fmt::format(
          "! container {} was running with the {} mounted: the copy is not consistent "
          "while it writes; stop it and run the same command again (the final sync)\n",
          w.container, w.side);
  }
}

Runner setup_volume(CLI::App& app) {
  auto options = std::make_shared<vol::VolumeMigrationOptions>();
  auto name = std::make_shared<std::string>();
  auto to_volume = std::make_shared<std::string>();
  auto state = std::make_shared<std::string>();
  auto json_out = std::make_shared<bool>(false);
  app.add_option("name", *name, "the volume to copy (omit with --from-path)");
  app.add_option("--from-engine", options->from.engine,
                 "source engine: unix:///path/docker.sock or ssh://user@host[/path/docker.sock]")
      ->required();
  app.add_option("--to-engine", options->to.engine,
                 "target engine: unix:///path/docker.sock or ssh://user@host[/path/docker.sock]")
      ->required();
  app.add_option("--to-volume", *to_volume, "the target volume's name (default: the same name)");
  app.add_option("--from-path", options->from.path,
                 "a bind folder on the source engine's host instead of a volume");
  app.add_option("--to-path", options->to.path,
                 "a bind folder on the target engine's host instead of a volume");
  auto work_dir = std::make_shared<std::string>();
  add_state_flags(app, *work_dir, *state, "volume-<target>-<hash>.state.json");
  app.add_flag("--rehash", options->rehash,
               "read every file on both sides instead of trusting cached hashes");
  app.add_option("--transport", options->transport,
                 "auto (default: the engines' archive endpoints when most of the volume is sent, else "
                 "the helpers' streams), archive or stream")
      ->check(CLI::IsMember({"auto", "archive", "stream"}));
  auto idle = std::make_shared<int>(static_cast<int>(engines::kDefaultStreamIdle.count()));
  app.add_option("--idle-timeout", *idle,
                 "seconds a stream to either engine may move nothing before the pass stops and names it "
                 "(a link that stays down; default 600)")
      ->check(CLI::Range(5, 86400));
  app.add_flag("--json", *json_out, "print a JSON summary");
  return [=]() {
    vol::VolumeMigrationOptions run = *options;
    if (run.from.path.empty()) run.from.volume = *name;
    if (run.to.path.empty()) run.to.volume = to_volume->empty() ? *name : *to_volume;
    if (run.from.label().empty())
      throw UserError("name the volume to copy, or give --from-path",
                      "rehome migrate volume NAME --from-engine ...");
    run.state_file = *state;
    run.work_dir = *work_dir;
    run.idle_timeout = std::chrono::seconds(*idle);
    run.on_step = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
    run.on_progress = [](const migrate::Progress& p) {
      std::fprintf(stderr, "%s\n", migrate::format_progress(p).c_str());
    };
    auto report = vol::migrate_volume(run);
    if (*json_out)
      std::cout << vol::to_json(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    else
      print_report(report);
    return report.verified() ? exit_code::ok : exit_code::findings;
  };
}

const bool volume_registered = [] {
  migrate_subcommands().push_back(
      {"volume", "copy a Docker volume or folder between engines, proven by both sides' sha256 manifests",
       setup_volume});
  return true;
}();

}  // namespace
}  // namespace rehome::cli
