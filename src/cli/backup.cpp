// rehome backup run|prune|verify|audit|schedule|mirror: thin wrappers over src/backup/.
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "backup/audit.hpp"
#include "backup/evidence.hpp"
#include "backup/manifest.hpp"
#include "backup/mirror.hpp"
#include "backup/repository.hpp"
#include "backup/run.hpp"
#include "backup/schedule.hpp"
#include "backup/survey.hpp"
#include "backup/verify.hpp"
#include "cli/argv_secrets.hpp"
#include "cli/subcommand.hpp"
#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/secrets.hpp"
#include "common/table.hpp"
#include "engines/url.hpp"
#include "model/estate_yaml.hpp"
#include "model/units.hpp"

namespace rehome::cli {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

struct BackupFlags {
  std::string estate;
  std::vector<std::string> urls, volumes;
  std::string folder;
  std::vector<std::string> schedule_repos;
  int keep_daily = 7, keep_weekly = 4, keep_monthly = 6, keep_yearly = 0;
  bool dry_run = false;
  std::string max_age = "24h", textfile;
  std::vector<std::string> restore_urls;  // verify, schedule: a scratch server per engine, by scheme
  std::string engine;                     // run: the Docker engine of --volume NAME
  std::string format = "systemd", output, image = "rehome:0.1.0", server;
  std::string repos, remote, cache, forge;
  std::vector<std::string> restic_repos;
  std::string password_file, staging = backup::default_staging;
  std::vector<std::string> restic_options;
  std::string audit_max_age = "26h";
  bool declared = false;
  int read_data_percent = 5;
  bool json = false;
};

backup::Progress progress_to_stderr(bool quiet) {
  if (quiet) return [](const std::string&) {};
  return [](const std::string& line) { std::cerr << line << "\n"; };
}

model::Estate estate_of(const BackupFlags& f) {
  return f.estate.empty() ? model::default_estate() : model::load_estate(f.estate);
}

std::vector<backup::Repository> repositories_of(const BackupFlags& f) {
  std::vector<backup::Repository> out;
  for (const auto& location : f.restic_repos) {
    backup::Repository r{location, std::nullopt, std::nullopt, f.restic_options};
    if (!f.password_file.empty()) r.password_file = fs::path(f.password_file);
    out.push_back(std::move(r));
  }
  return out;
}

void require_repo(const BackupFlags& f) {
  if (f.restic_repos.empty())
    throw UserError("give --repo (a restic repository: a folder, sftp:user@host:/path, rest:http://...)",
                    "backups in the older folder format (--dest) go into a repository with `rehome backup "
                    "import-folder DIR --repo ...`");
}

int do_run(const BackupFlags& f) {
  require_repo(f);
  backup::RepoRunOptions o;
  if (f.urls.empty() && f.volumes.empty()) {
    auto estate = estate_of(f);
    o.estate = estate.name;
    o.sources =
        backup::sources_from_estate(estate, f.engine.empty() ? "unix:///var/run/docker.sock" : f.engine);
  }
  for (const auto& u : f.urls) {
    warn_if_password_in_argv("--url", u);
    o.sources.push_back(backup::source_from_url(u));
  }
  for (const auto& v : f.volumes)  // a folder, or a named volume read through the Docker engine
    o.sources.push_back(fs::path(v).is_absolute() || f.engine.empty()
                            ? backup::Source{"volume", v, "", ""}
                            : backup::Source{"volume", v, v, f.engine});
  o.repositories = repositories_of(f);
  o.staging = f.staging;
  o.progress = progress_to_stderr(false);
  auto r = backup::backup_to_repositories(o);
  if (f.json) {
    std::cout << backup::to_json(r).dump(2) << "\n";
  } else {
    Table t({"repository", "service", "kind", ">size", "snapshot", ">new in repo"});
    for (const auto& s : r.stored)
      t.add_row({s.repository, s.service, s.kind, model::format_bytes(s.artefact.size), s.summary.snapshot_id,
                 model::format_bytes(s.summary.data_added)});
    std::cout << t.render();
    for (const auto& fail : r.failures) std::cout << "  FAILED: " << fail << "\n";
  }
  return r.ok() ? exit_code::ok : exit_code::findings;
}

int do_prune_repo(const BackupFlags& f, const model::RetentionPolicy& p) {
  json all = json::array();
  for (const auto& repo : repositories_of(f)) {
    auto r = backup::forget_repository(repo, f.estate, p, f.dry_run);
    json keep = json::array(), remove = json::array();
    for (const auto& s : r.keep) keep.push_back(s.short_id);
    for (const auto& s : r.remove) remove.push_back(s.short_id);
    all.push_back({{"repository", mask_url(repo.location)}, {"keep", keep}, {"remove", remove}});
    if (!f.json)
      std::cout << fmt::format("{}: {} snapshots kept, {} {} (restic forget{}, newest verified kept)\n",
                               mask_url(repo.location), r.keep.size(), r.remove.size(),
                               f.dry_run ? "would be removed" : "removed",
                               f.dry_run ? " --dry-run" : " --prune");
  }
  if (f.json) std::cout << json{{"dry_run", f.dry_run}, {"repositories", all}}.dump(2) << "\n";
  return exit_code::ok;
}

int do_prune(const BackupFlags& f) {
  require_repo(f);
  return do_prune_repo(f, {f.keep_daily, f.keep_weekly, f.keep_monthly, f.keep_yearly});
}

int do_verify_repo(const BackupFlags& f, std::int64_t max_age) {
  bool all_ok = true;
  json list = json::array();
  std::vector<backup::RepoVerifyOptions> each;
  for (const auto& repo : repositories_of(f)) {
    backup::RepoVerifyOptions o;
    o.repository = repo;
    o.estate = f.estate;
    o.read_data_percent = f.read_data_percent;
    o.max_age_seconds = max_age;
    for (const auto& url : f.restore_urls) {
      auto engine = engines::try_parse_url(url);
      auto kind = engine ? engines::engine_of(engine->scheme) : std::nullopt;
      if (kind == engines::Engine::postgres)
        o.restore_url = url;
      else if (kind == engines::Engine::mariadb)
        o.restore_mariadb_url = url;
      else
        throw UserError(
            fmt::format("--restore-url {}: not a postgresql:// or mariadb:// URL", mask_url(url)),
            "give a scratch PostgreSQL and/or a throwaway MariaDB server, one --restore-url each");
    }
    o.labels = {{"target", mask_url(repo.location)}};
    o.progress = progress_to_stderr(f.json);
    each.push_back(std::move(o));
  }
  auto results = backup::verify_repositories(
      each, f.textfile.empty() ? std::nullopt : std::optional<fs::path>(f.textfile));
  for (size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    const auto& repo = each[i].repository;
    all_ok = all_ok && r.ok();
    list.push_back({{"repository", mask_url(repo.location)},
                    {"ok", r.ok()},
                    {"check_ok", r.check.ok},
                    {"verified", r.verified},
                    {"bytes", r.details.bytes},
                    {"problems", r.details.problems}});
    if (f.json) continue;
    if (r.ok())
      std::cout << fmt::format(
          "{}: restic check passed, {} snapshot(s) restored and verified{}.\n", mask_url(repo.location),
          r.verified.size(),
          f.restore_urls.empty() ? " (checksums only: give --restore-url)" : ", row counts match");
    else {
      std::cout << fmt::format("{}: verification FAILED:\n", mask_url(repo.location));
      for (const auto& p : r.details.problems) std::cout << "  - " << p << "\n";
    }
  }
  if (f.json) std::cout << json{{"ok", all_ok}, {"repositories", list}}.dump(2) << "\n";
  return all_ok ? exit_code::ok : exit_code::findings;
}

int do_verify(const BackupFlags& f) {
  require_repo(f);
  auto age = backup::parse_age(f.max_age);
  if (!age)
    throw UserError(fmt::format("--max-age {}: not a duration", f.max_age), "write it like 24h, 90m or 2d");
  return do_verify_repo(f, *age);
}

int do_import(const BackupFlags& f) {
  require_repo(f);
  backup::ImportOptions o;
  o.folder = f.folder;
  o.repositories = repositories_of(f);
  o.estate = f.estate;
  o.staging = f.staging;
  o.progress = progress_to_stderr(f.json);
  auto r = backup::import_folder(o);
  if (f.json) {
    json stored = json::array();
    for (const auto& s : r.stored.stored) stored.push_back(backup::to_json(s));
    std::cout << json{{"ok", r.ok()},     {"imported", r.imported}, {"already_there", r.already_there},
                      {"stored", stored}, {"refused", r.refused},   {"failures", r.stored.failures}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << fmt::format("{} backup(s) imported, {} already there, {} snapshot(s) made\n", r.imported,
                             r.already_there, r.stored.stored.size());
    for (const auto& line : r.refused) std::cout << "  REFUSED: " << line << "\n";
    for (const auto& fail : r.stored.failures) std::cout << "  FAILED: " << fail << "\n";
  }
  return r.ok() ? exit_code::ok : exit_code::findings;
}

int do_audit(const BackupFlags& f) {
  auto estate = estate_of(f);
  std::optional<backup::Survey> survey;
  if (!f.declared) {
    backup::SurveyOptions o;
    o.estate = estate.name;
    if (!f.password_file.empty()) o.password_file = fs::path(f.password_file);
    o.restic_options = f.restic_options;
    auto age = backup::parse_age(f.audit_max_age);
    if (!age)
      throw UserError(fmt::format("--max-age {}: not a duration", f.audit_max_age),
                      "write it like 26h, 90m or 2d");
    o.max_age_seconds = *age;
    survey = backup::survey_targets(estate.backup.targets, o);
  }
  auto r = backup::audit_backups(estate, survey ? &*survey : nullptr);
  if (f.json) {
    json targets = json::array();
    for (const auto& t : r.targets)
      targets.push_back({{"target", t.target},
                         {"repository", t.repository},
                         {"state", t.state},
                         {"reason", t.reason},
                         {"services", t.newest.size()},
                         {"proven_services", t.proven.size()}});
    json items = json::array();
    for (const auto& i : r.items)
      items.push_back({{"subject", i.subject},
                       {"kind", i.kind},
                       {"backed_up", i.backed_up},
                       {"copies", i.copies},
                       {"media", i.media},
                       {"offsite", i.offsite},
                       {"meets_321", i.meets_321()},
                       {"replicas", i.replicas},
                       {"missing_copies", i.missing_copies},
                       {"verdict", i.verdict}});
    std::cout << json{{"estate", estate.name}, {"surveyed", r.surveyed}, {"targets", targets},
                      {"items", items},        {"notes", r.notes},       {"replicas", r.replicas}}
                     .dump(2)
              << "\n";
    return r.failing() ? exit_code::findings : exit_code::ok;
  }
  std::cout << fmt::format(
      "3-2-1 audit of {}: 3 copies, on 2 media, 1 off-site ({})\n\n", estate.name,
      r.surveyed ? "copies counted where a restore-tested snapshot was seen" : "as declared, not checked");
  if (!r.targets.empty()) {
    Table t({"target", "repository", "state", ">services", ">proven"});
    for (const auto& s : r.targets)
      t.add_row({s.target, s.repository, s.state, std::to_string(s.newest.size()),
                 std::to_string(s.proven.size())});
    std::cout << t.render() << "\n";
  }
  for (const auto& i : r.items)
    std::cout << fmt::format("{} {}\n    {}\n", i.meets_321() ? "✓" : "✗", i.subject, i.verdict);
  if (!r.replicas.empty()) {
    std::cout << "\nReplicas (not counted as copies):\n";
    for (const auto& line : r.replicas) std::cout << "  " << line << "\n";
  }
  if (!r.notes.empty()) {
    std::cout << "\nNotes:\n";
    for (const auto& n : r.notes) std::cout << "  " << n << "\n";
  }
  std::cout << fmt::format("\n{} of {} meet 3-2-1.\n", r.items.size() - r.failing(), r.items.size());
  return r.failing() ? exit_code::findings : exit_code::ok;
}

int do_schedule(const BackupFlags& f) {
  auto estate = estate_of(f);
  backup::ScheduleOptions o;
  o.schedule = estate.backup.schedule;
  o.estate_file = f.estate.empty() ? "" : fs::absolute(f.estate).string();
  o.estate_name = estate.name;
  o.retention = estate.backup.retention;
  if (!f.server.empty()) o.server = f.server;  // before the targets: they are read as seen from there
  backup::apply_targets(o, estate.backup);
  if (!f.schedule_repos.empty()) o.repositories = f.schedule_repos;
  o.forge = f.forge;
  o.restore_urls = f.restore_urls;
  if (!f.textfile.empty()) o.textfile = f.textfile;
  o.image = f.image;
  auto files = f.format == "swarm" ? backup::render_swarm(o) : backup::render_systemd(o);
  for (const auto& [name, content] : files) {
    write_file_atomically(fs::path(f.output) / name, content);
    if (!f.json) std::cout << "wrote " << (fs::path(f.output) / name).string() << "\n";
  }
  if (f.json) {
    json names = json::array();
    for (const auto& [name, content] : files) names.push_back((fs::path(f.output) / name).string());
    std::cout << json{{"format", f.format}, {"files", names}}.dump(2) << "\n";
  } else if (f.format == "systemd") {
    std::cout << fmt::format(
        "install: cp {}/rehome-*.service {}/rehome-*.timer /etc/systemd/system/ && systemctl daemon-reload "
        "&& "
        "systemctl enable --now rehome-backup.timer{}\n",
        f.output, f.output, files.count("rehome-mirror.timer") ? " rehome-mirror.timer" : "");
  } else {
    std::cout << "deploy: docker secret create rehome_backup_env backup.env && "
                 "docker stack deploy -c rehome-backup-stack.yml backup\n";
  }
  return exit_code::ok;
}

int do_mirror(const BackupFlags& f) {
  backup::MirrorOptions o;
  if (!f.repos.empty()) {
    o.repositories = backup::repositories_from(f.repos);
  } else {
    auto estate = estate_of(f);
    for (const auto& name : estate.backup.git_mirrors)
      o.repositories.push_back(backup::resolve_repository(name, f.forge));
  }
  o.remote = f.remote;
  if (o.remote.empty() && f.repos.empty()) o.remote = estate_of(f).backup.mirror_remote;
  if (!f.cache.empty()) {
    o.cache = f.cache;
  } else {
    const char* xdg = std::getenv("XDG_CACHE_HOME");
    const char* home = std::getenv("HOME");
    o.cache = xdg ? fs::path(xdg) / "rehome/mirrors"
                  : fs::path(home ? home : "/var/cache") / ".cache/rehome/mirrors";
  }
  if (!f.textfile.empty()) o.textfile = fs::path(f.textfile);
  o.progress = progress_to_stderr(f.json);
  auto synced = backup::mirror_repositories(o);
  int failed = 0;
  json list = json::array();
  for (const auto& s : synced) {
    if (!s.ok) ++failed;
    list.push_back({{"repository", s.repository}, {"ok", s.ok}, {"last_sync", s.last_sync_time.value_or(0)}});
  }
  if (f.json)
    std::cout << json{{"remote", mask_url(o.remote)}, {"repositories", list}}.dump(2) << "\n";
  else
    std::cout << fmt::format("{} of {} repositories mirrored to {}\n", synced.size() - failed, synced.size(),
                             mask_url(o.remote));
  return failed ? exit_code::findings : exit_code::ok;
}

Register r{
    "backup",
    "dumps and volume archives into restic, retention, restore tests, 3-2-1 audit, schedules, Git mirrors",
    [](CLI::App& app) -> Runner {
      auto f = std::make_shared<BackupFlags>();
      app.require_subcommand(1);
      auto* run = app.add_subcommand(
          "run", "dump every database and volume into restic repositories, each with its manifest");
      run->add_option("estate", f->estate,
                      "estate.yaml (default: the built-in example); ignored with --url/--volume");
      run->add_option("--url", f->urls,
                      "postgres://..., mariadb://... (password in MYSQL_PWD or ~/.my.cnf) or redis://... to "
                      "back up (repeatable)");
      run->add_option(
          "--volume", f->volumes,
          "a volume name (read through --engine) or a folder, stored as a plain tar (repeatable)");
      run->add_option("--engine", f->engine,
                      "Docker engine of the named volumes (default unix:///var/run/docker.sock)");
      auto* prune =
          app.add_subcommand("prune", "restic forget --prune with the policy, newest verified kept");
      prune->add_option("--keep-daily", f->keep_daily, "newest backup of the last N days that have one")
          ->capture_default_str();
      prune->add_option("--keep-weekly", f->keep_weekly, "... of the last N ISO weeks")
          ->capture_default_str();
      prune->add_option("--keep-monthly", f->keep_monthly, "... of the last N months")->capture_default_str();
      prune->add_option("--keep-yearly", f->keep_yearly, "... of the last N years")->capture_default_str();
      prune->add_flag("--dry-run", f->dry_run, "only say what would go and why");
      auto* verify = app.add_subcommand(
          "verify", "restic check, then restore tests of the newest snapshots: age, sha256, rows");
      verify
          ->add_option("--read-data-subset", f->read_data_percent,
                       "restic check reads this percentage of the repository's data (100 = all)")
          ->capture_default_str();
      verify->add_option("--estate", f->estate, "only this estate's snapshots");
      verify->add_option("--max-age", f->max_age, "the newest backup must be younger (24h)")
          ->capture_default_str();
      verify->add_option(
          "--restore-url", f->restore_urls,
          "scratch PostgreSQL and/or throwaway MariaDB server for the restore test (repeatable)");
      verify->add_option("--textfile", f->textfile, "Prometheus textfile to write (node_exporter)");
      auto* audit = app.add_subcommand(
          "audit", "the 3-2-1 rule: copies counted where a restore-tested snapshot is seen in each target");
      audit->add_option("estate", f->estate, "estate.yaml (default: the built-in example)");
      audit->add_flag("--declared", f->declared, "count the targets as declared, without opening them");
      audit->add_option("--max-age", f->audit_max_age, "a proven snapshot must be younger (26h)")
          ->capture_default_str();
      auto* schedule =
          app.add_subcommand("schedule", "emit systemd units or a Swarm service that run backups");
      schedule->add_option("estate", f->estate, "estate.yaml (default: the built-in example)");
      schedule->add_option("--format", f->format, "systemd or swarm")
          ->check(CLI::IsMember({"systemd", "swarm"}));
      schedule->add_option("-o,--output", f->output, "folder to write the files to")->required();
      schedule->add_option(
          "--repo", f->schedule_repos,
          "restic repositories the job backs up to (default: every backup.targets location)");
      schedule->add_option(
          "--restore-url", f->restore_urls,
          "scratch PostgreSQL and/or throwaway MariaDB server for restore tests (repeatable)");
      schedule->add_option("--textfile", f->textfile, "Prometheus textfile path");
      schedule->add_option("--image", f->image, "swarm: image with rehome and the database clients");
      schedule->add_option("--server", f->server, "swarm: node that holds the backup disk");
      schedule->add_option("--forge", f->forge, "systemd: forge base URL for the hourly Git mirror job");
      auto* mirror =
          app.add_subcommand("mirror", "mirror Git repositories to a remote (clone --mirror, push --mirror)");
      mirror->add_option("estate", f->estate,
                         "estate.yaml (for backup.git_mirrors when --repos is not given)");
      mirror->add_option("--repos", f->repos, "a folder of repositories, or a file listing one per line");
      mirror->add_option("--remote", f->remote, "base URL or folder of the mirrors");
      mirror->add_option("--cache", f->cache, "where the local mirror clones live");
      mirror->add_option("--forge", f->forge, "base URL of the forge, for repository names in the estate");
      mirror->add_option("--textfile", f->textfile, "Prometheus textfile (git_mirror_last_sync_timestamp)");
      auto* import = app.add_subcommand(
          "import-folder", "import backups of the older folder format (--dest) into restic repositories");
      import->add_option("folder", f->folder, "the folder holding <id>/manifest.json backups")->required();
      import->add_option("--estate", f->estate, "estate tag (default: each backup's own)");
      import->add_option("--staging", f->staging, "folder where an artefact waits for restic")
          ->capture_default_str();
      for (auto* sub : {run, prune, verify, audit, schedule, mirror, import})
        sub->add_flag("--json", f->json, "print JSON");
      for (auto* sub : {run, prune, verify, import})
        sub->add_option("--repo", f->restic_repos,
                        "restic repository: a folder, sftp:user@host:/path, rest:http://... (repeatable)");
      for (auto* sub : {run, prune, verify, audit, import}) {
        sub->add_option("--restic-option", f->restic_options,
                        "restic -o key=value for every repository, e.g. sftp.command=... (repeatable)");
        sub->add_option(
            "--password-file", f->password_file,
            "file holding the repository password (else RESTIC_PASSWORD[_FILE] from the environment)");
      }
      run->add_option("--staging", f->staging, "folder where a dump waits for restic (stable path: dedup)")
          ->capture_default_str();
      prune->add_option("--estate", f->estate, "only this estate's snapshots");
      return [f, run, prune, verify, audit, schedule, mirror, import]() {
        if (import->parsed()) return do_import(*f);
        if (run->parsed()) return do_run(*f);
        if (prune->parsed()) return do_prune(*f);
        if (verify->parsed()) return do_verify(*f);
        if (audit->parsed()) return do_audit(*f);
        if (schedule->parsed()) return do_schedule(*f);
        if (mirror->parsed()) return do_mirror(*f);
        return exit_code::bad_input;
      };
    }};

}  // namespace
}  // namespace rehome::cli
