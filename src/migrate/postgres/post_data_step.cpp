// indexes step: the post-data section (indexes, constraints, triggers ...) after the data, statement
// by statement across `jobs` connections, in waves (see dump_script.hpp). Each statement commits on
// its own and is recorded in the state file; after kill -9 the ones done are skipped, and one that
// committed just before the kill is recognised by "already exists".
#include <memory>

#include <fmt/format.h>

#include "common/error.hpp"
#include "migrate/postgres/steps.hpp"
#include "migrate/test_hooks.hpp"

namespace rehome::migrate {
namespace {

bool already_exists(const std::string& sqlstate) {
  // duplicate_table (index/relation), duplicate_object (constraint, trigger), invalid_table_definition
  // ("multiple primary keys").
  return sqlstate == "42P07" || sqlstate == "42710" || sqlstate == "42P16";
}

// Foreign keys from a migrated table to one left behind cannot exist in the new database: they are
// reported (crossing_keys), not attempted.
bool crosses_the_cut(const DumpEntry& entry, const std::vector<CrossingKey>& crossing) {
  if (entry.type != "FK CONSTRAINT") return false;
  for (const auto& c : crossing) {
    if (c.outgoing && c.key.from.schema == entry.schema && c.key.from.name == entry_table(entry) &&
        c.key.name == entry_object(entry)) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool wanted_post_data(const MigrationContext& context, const DumpEntry& entry) {
  // The publications of --follow (rehome_<hash>, "rehome_<hash> table" for their tables) belong to the
  // source: the snapshot sees them, the target must not get them.
  if (entry.type.rfind("PUBLICATION", 0) == 0 && entry.name.rfind("rehome_", 0) == 0) return false;
  return !crosses_the_cut(entry, context.crossing_keys);
}

void run_post_data_entry(MigrationContext& context, engines::PgConnection& target, const DumpEntry& entry) {
  target.exec("BEGIN");
  // The state file is this statement's only record: its commit must not be lost to a server crash.
  target.exec("SET LOCAL synchronous_commit = on");
  std::string message;
  std::string state = target.try_exec(entry.sql, &message);
  if (!state.empty()) {
    target.exec("ROLLBACK");
    if (!already_exists(state)) {
      throw UserError(fmt::format("building {} {} on the target failed: {}", entry.type, entry.name, message),
                      "fix the cause on the target and run the same command again: it resumes here");
    }
  } else {
    pause_point("index", entry_object(entry));  // inside the transaction: the build is not yet committed
    target.exec("COMMIT");
  }
  context.state.update([&](MigrationState& s) { s.post_data_done.insert(entry.id()); });
  ++context.steps_done;
}

int build_post_data(MigrationContext& context, const DumpScript& script) {
  const auto done = context.state.snapshot().post_data_done;
  std::vector<std::vector<const DumpEntry*>> waves(post_data_waves);
  int64_t total = 0;
  for (const auto& entry : script.entries) {
    if (!wanted_post_data(context, entry)) continue;
    ++total;
    if (done.count(entry.id())) continue;
    waves[static_cast<size_t>(post_data_wave(entry))].push_back(&entry);
  }
  context.steps_total = total;
  context.steps_done = total - static_cast<int64_t>(waves[0].size() + waves[1].size() + waves[2].size());
  std::atomic<int> ran{0};
  for (const auto& wave : waves) {
    run_parallel(context.options.jobs, wave.size(), context.stop, [&](int) {
      auto target = std::make_shared<engines::PgConnection>(context.target, "target");
      target->exec(script.preamble);
      target->exec("SET maintenance_work_mem = '256MB'");
      return [&, target](size_t i) {
        run_post_data_entry(context, *target, *wave[i]);
        ++ran;
      };
    });
  }
  return ran.load();
}

}  // namespace rehome::migrate
