#pragma once
// The Lua scripts of `rehome migrate redis`. A script runs atomically on the server and answers in one
// reply, so each one replaces many round trips (and a key cannot change between its PTTL and DUMP).
namespace rehome::migrate {

// Why: the DUMP mode's reader, one round trip per SCAN step instead of two commands per key.
// One SCAN step on the source inside a script: the keys' PTTL and DUMP in one call, up to a byte budget.
// ARGV: cursor, count, budget, database. Reply: {next cursor, number of keys left over (not dumped
// because the budget ran out), then key, pttl, payload for each dumped key, then the left-over key
// names}. A database without any volatile key at that instant (INFO keyspace, read inside the same
// atomic script) needs no PTTL: every key is persistent (-1).
inline constexpr const char* kScanDumpScript = R"lua(
local r = redis.call('SCAN', ARGV[1], 'COUNT', ARGV[2])
local keys, budget = r[2], tonumber(ARGV[3])
local expires = string.match(redis.call('INFO', 'keyspace'), 'db' .. ARGV[4] .. ':keys=%d+,expires=(%d+)')
local ttls = expires ~= nil and expires ~= '0'
local out = {r[1], 0}
local used, i = 0, 1
while i <= #keys and used < budget do
  local k = keys[i]
  local d = redis.call('DUMP', k)
  if d then
    out[#out + 1] = k
    out[#out + 1] = ttls and redis.call('PTTL', k) or -1
    out[#out + 1] = d
    used = used + #d
  end
  i = i + 1
end
out[2] = #keys - i + 1
for j = i, #keys do out[#out + 1] = keys[j] end
return out
)lua";

// Why: the target's side of a rescan, one short hex digest instead of every payload on the wire.
// The digest of what a server holds for the keys in ARGV: SHA-1 over one record per key, 'T' (a TTL) or
// 'P' (persistent), the DUMP payload's length, ':', the payload ('N' for a missing key).
inline constexpr const char* kBatchDigestScript = R"lua(
local parts = {}
for i = 1, #ARGV do
  local d = redis.call('DUMP', ARGV[i])
  if d then
    local flag = redis.call('PTTL', ARGV[i]) > 0 and 'T' or 'P'
    parts[#parts + 1] = flag .. #d .. ':'
    parts[#parts + 1] = d
  else
    parts[#parts + 1] = 'N'
  end
end
return redis.sha1hex(table.concat(parts))
)lua";

// Why: the source's side of a rescan, a SCAN step's keys and their digest in one atomic call.
// Re-verification of a database copied by an earlier run: one SCAN step, and the digest of its keys
// (records as in kBatchDigestScript). ARGV: cursor, count. Reply: {next cursor, digest, keys...}.
inline constexpr const char* kScanDigestScript = R"lua(
local r = redis.call('SCAN', ARGV[1], 'COUNT', ARGV[2])
local parts, out = {}, {r[1], ''}
for _, k in ipairs(r[2]) do
  local d = redis.call('DUMP', k)
  if d then
    out[#out + 1] = k  -- the same records as kBatchDigestScript
    local flag = redis.call('PTTL', k) > 0 and 'T' or 'P'
    parts[#parts + 1] = flag .. #d .. ':'
    parts[#parts + 1] = d
  end
end
out[2] = redis.sha1hex(table.concat(parts))
return out
)lua";

// Why: the by-value path's keys it cannot carry, DUMP + PTTL of many keys per round trip.
// Keys per DUMP script call on a separate connection (keys the by-value path cannot carry: other
// types, and every key of a step during which a TTL appeared). ARGV: budget, keys. Reply: {keys
// consumed, then key, pttl, payload for each dumped key}.
inline constexpr const char* kDumpKeysScript = R"lua(
local budget, used, out, i = tonumber(ARGV[1]), 0, {0}, 2
while i <= #ARGV and used < budget do
  local k = ARGV[i]
  local d = redis.call('DUMP', k)
  if d then
    out[#out + 1] = k
    out[#out + 1] = redis.call('PTTL', k)
    out[#out + 1] = d
    used = used + #d
  end
  i = i + 1
end
out[1] = i - 2
return out
)lua";

}  // namespace rehome::migrate
