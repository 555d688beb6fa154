#pragma once
// The steps of a database a native mover carries (data_plan.hpp: postgres, redis, mariadb): its
// backup, the credentials check and the copy with its independent comparison.
#include <string>

#include "runbook/data_plan.hpp"
#include "runbook/runbook.hpp"

namespace rehome::runbook {

// Dump + sha256 of one database into <workdir>/backups/<slug><suffix> (pg_dump, redis-cli --rdb,
// mariadb-dump), checked by its hash and by the engine's own reading of it.
Step backup_step(const Context& c, const DataItem& item, int phase, const std::string& suffix);
// Connect with the credentials to the old (or new) side.
Step credentials_step(const DataItem& item, int phase, bool new_side);
// Copy with `rehome migrate <engine>` and the runbook's copy options, verified by comparing content
// checksums computed on both sides by the engines themselves.
Step migrate_step(const DataItem& item, int phase, const RunbookOptions& options);

}  // namespace rehome::runbook
