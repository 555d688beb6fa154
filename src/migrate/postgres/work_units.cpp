#include "migrate/postgres/work_units.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace rehome::migrate {

std::string WorkUnit::where_clause() const {
  if (whole_table()) return {};
  std::string lower = fmt::format("ctid >= '({},0)'::tid", first_block);
  if (end_block < 0) return " WHERE " + lower;
  return fmt::format(" WHERE {} AND ctid < '({},0)'::tid", lower, end_block);
}

int64_t chunk_bytes(int64_t total_bytes, const SplitPolicy& policy) {
  int64_t chunks = std::max<int64_t>(1, int64_t{policy.jobs} * policy.ranges_per_job);
  return std::clamp(total_bytes / chunks, policy.min_chunk_bytes, policy.max_chunk_bytes);
}

std::vector<WorkUnit> split_into_units(const std::vector<TableInfo>& tables, const SplitPolicy& policy) {
  int64_t total = 0;
  for (const auto& t : tables) total += t.bytes;
  const int64_t chunk = chunk_bytes(total, policy);
  std::vector<WorkUnit> units;
  for (const auto& t : tables) {
    const std::string base = t.name.display();
    if (t.bytes * 2 <= chunk * 3 || t.blocks < 2) {
      units.push_back({.id = base, .table = t.name, .estimated_bytes = t.bytes});
      continue;
    }
    int64_t pieces = std::min<int64_t>((t.bytes + chunk - 1) / chunk, t.blocks);
    int64_t blocks_per_piece = (t.blocks + pieces - 1) / pieces;
    for (int64_t i = 0; i < pieces; ++i) {
      int64_t first = i * blocks_per_piece;
      if (first >= t.blocks) break;
      bool last = i == pieces - 1 || first + blocks_per_piece >= t.blocks;
      units.push_back({.id = fmt::format("{}#{}", base, i + 1),
                       .table = t.name,
                       .first_block = first,
                       .end_block = last ? -1 : first + blocks_per_piece,
                       .estimated_bytes = t.bytes / pieces});
      if (last) break;
    }
  }
  std::stable_sort(units.begin(), units.end(), [](const WorkUnit& a, const WorkUnit& b) {
    return a.estimated_bytes > b.estimated_bytes;
  });
  return units;
}

}  // namespace rehome::migrate
