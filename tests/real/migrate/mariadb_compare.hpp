#pragma once
// An independent proof that a MariaDB database was copied whole, for the migrate tests and the fault
// campaign: nothing of rehome's own checksums, only the servers' CHECKSUM TABLE and mariadb-dump.
#include <string>

#include "real/harness/mariadb_server.hpp"

namespace rehome::test {

// The base tables of `db` on `server` (SHOW FULL TABLES), in the server's order.
std::vector<std::string> mariadb_base_tables(const MariadbServer& server, const std::string& db);

// Every difference between database `db` of `source` and of `target`, one line each, "" when none:
// the index list (rehome builds secondary indexes after the rows), and every base table by CHECKSUM
// TABLE EXTENDED and by a dump in primary-key order.
std::string mariadb_difference(const MariadbServer& source, const MariadbServer& target,
                               const std::string& db);

}  // namespace rehome::test
