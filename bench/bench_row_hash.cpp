// RowHasher's cost per row: 100k binary COPY tuples of a typical seven-column table
// (id bigint, account int, amount numeric(14,2), created timestamptz, label text, flags int[], doc jsonb)
// hashed as rehome hashes the source's rows while they stream to the target. ns per row is
// 1e9 / items_per_second (or the time per iteration / 100k).
//   bench_row_hash [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "migrate/postgres/row_hash.hpp"

namespace {

using rehome::migrate::RowHasher;

std::string be(uint64_t v, int bytes) {
  std::string out;
  for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>((v >> (8 * i)) & 0xff);
  return out;
}

void field(std::string& t, const std::string& bytes) { t += be(bytes.size(), 4) + bytes; }

// `big_doc`: a 150-byte jsonb of nine values; otherwise a short one of two.
std::vector<std::string> make_tuples(size_t n, bool big_doc) {
  std::mt19937_64 rng(42);
  std::vector<std::string> tuples;
  tuples.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    std::string t = be(7, 2);
    field(t, be(i + 1, 8));
    field(t, be(static_cast<uint32_t>(rng() % 1000000), 4));
    // amount: 12345.67 → digits 1, 2345, 6700; weight 1; dscale 2
    field(t, be(3, 2) + be(1, 2) + be(0, 2) + be(2, 2) + be(rng() % 10, 2) + be(rng() % 10000, 2) +
                 be(rng() % 100 * 100, 2));
    field(t, be(631152000000000ULL + rng() % 100000000000ULL, 8));
    field(t, fmt::format("{:016x}{:016x}", rng(), rng()));
    std::string flags = be(1, 4) + be(0, 4) + be(23, 4) + be(3, 4) + be(1, 4);
    for (int k = 0; k < 3; ++k) flags += be(4, 4) + be(rng() % 100, 4);
    field(t, flags);
    if (!big_doc) {
      field(t, fmt::format("\x01{{\"n\": {}, \"ok\": true}}", rng() % 1000));
      tuples.push_back(std::move(t));
      continue;
    }
    field(t, fmt::format("\x01{{\"id\": {}, \"tags\": [\"a\", {}, true, null], \"name\": \"{:016x}\", "
                         "\"score\": {}.{:03}, \"nested\": {{\"x\": {}.5, \"y\": null}}}}",
                         i + 1, rng() % 3, rng(), rng() % 100, rng() % 1000, i));
    tuples.push_back(std::move(t));
  }
  return tuples;
}

void BM_HashRows(benchmark::State& state) {
  static const std::vector<std::string> short_doc = make_tuples(100000, false);
  static const std::vector<std::string> big_doc = make_tuples(100000, true);
  const std::vector<std::string>& tuples = state.range(0) ? big_doc : short_doc;
  auto hasher = RowHasher::make({{20}, {23}, {1700}, {1184}, {25}, {1007}, {3802}});
  uint64_t sum = 0;
  for (auto _ : state) {
    for (const std::string& t : tuples) sum += hasher->hash(t);
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * tuples.size()));
}
BENCHMARK(BM_HashRows)->ArgName("big_doc")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
