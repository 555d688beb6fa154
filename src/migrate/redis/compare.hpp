#pragma once
// The verification of a Redis copy beyond each batch's read-back: keys compared one by one on both
// servers (payload, else canonical value; TTL presence), and the rescan of a database an earlier run
// copied (a digest per SCAN step on both sides).
#include <cstdint>
#include <string>
#include <vector>

#include "engines/redis.hpp"
#include "migrate/redis/migration.hpp"

namespace rehome::migrate {

// A key whose read-back differed during the copy: compared key by key at the end.
struct Suspect {
  int db;
  std::string key;
};

struct DumpedKey {
  std::string key;
  std::string payload;
  int64_t pttl = 0;  // -1: no expiry, -2: missing
};

// PTTL + DUMP of each key in one round trip; keys missing are left out.
std::vector<DumpedKey> dump_keys(engines::RedisConnection& redis, const std::vector<std::string>& keys);

// The value of a key in a form independent of the server's internal layout: DUMP payloads of the same
// set or hash can list members in a different order (hash table iteration), so those are compared
// as sorted member lists. Used only when payloads differ.
std::vector<std::string> canonical_value(engines::RedisConnection& redis, const std::string& key);

// Key by key, source against target (both now): the same payload, or the same canonical value, and
// TTL presence alike; a key gone from both sides (expired, deleted) is no difference.
void compare_keys(engines::RedisConnection& source, engines::RedisConnection& target,
                  const std::vector<std::string>& keys, RedisDbCheck& check);

// Re-verification of a database an earlier run copied: the source's digest of each SCAN step against
// the target's digest of the same keys; key by key only where they differ.
void verify_by_rescan(engines::RedisConnection& source, engines::RedisConnection& target, int count,
                      RedisDbCheck& check, int64_t& batches_rechecked);

// The check of one database after the copy: key counts on both sides, the `suspects` of `db` key by
// key (`step` keys per round trip), and, where an earlier run copied it (`rescan`), verify_by_rescan.
RedisDbCheck check_database(engines::RedisConnection& source, engines::RedisConnection& target, int db,
                            int target_db, const std::vector<Suspect>& suspects, int step, bool rescan,
                            int64_t& batches_rechecked);

}  // namespace rehome::migrate
