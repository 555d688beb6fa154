// Pure logic of rehome migrate: parsing the dump, choosing tables, cutting units, state files.
#include <gtest/gtest.h>

#include "common/error.hpp"
#include "migrate/postgres/checksum.hpp"
#include "migrate/postgres/dump_script.hpp"
#include "migrate/postgres/state.hpp"
#include "migrate/postgres/work_units.hpp"
#include "migrate/progress.hpp"
#include "migrate/redis/migration.hpp"
#include "migrate/selection.hpp"

using namespace rehome;
using namespace rehome::migrate;

namespace {

const char* post_data_dump = R"(--
-- PostgreSQL database dump
--

\restrict abc123

SET statement_timeout = 0;
SELECT pg_catalog.set_config('search_path', '', false);

--
-- Name: t t_pkey; Type: CONSTRAINT; Schema: public; Owner: postgres
--

ALTER TABLE ONLY public.t
    ADD CONSTRAINT t_pkey PRIMARY KEY (id);


--
-- Name: t_x_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX t_x_idx ON public.t USING btree (x);


--
-- Name: t trg; Type: TRIGGER; Schema: public; Owner: postgres
--

CREATE TRIGGER trg BEFORE INSERT ON public.t FOR EACH ROW EXECUTE FUNCTION f();


--
-- Name: u u_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: postgres
--

ALTER TABLE ONLY public.u
    ADD CONSTRAINT u_id_fkey FOREIGN KEY (id) REFERENCES public.t(id);


--
-- PostgreSQL database dump complete
--

\unrestrict abc123
)";

}  // namespace

TEST(DumpScript, SplitsEntriesAndDropsMetaCommands) {
  DumpScript script = parse_dump_script(post_data_dump);
  ASSERT_EQ(script.entries.size(), 4u);
  EXPECT_NE(script.preamble.find("SET statement_timeout = 0;"), std::string::npos);
  EXPECT_EQ(script.preamble.find("\\restrict"), std::string::npos);
  EXPECT_EQ(script.entries[0].type, "CONSTRAINT");
  EXPECT_EQ(script.entries[0].name, "t t_pkey");
  EXPECT_EQ(script.entries[0].schema, "public");
  EXPECT_NE(script.entries[0].sql.find("ADD CONSTRAINT t_pkey PRIMARY KEY (id);"), std::string::npos);
  EXPECT_EQ(script.entries[3].sql.find("unrestrict"), std::string::npos);
  EXPECT_EQ(entry_table(script.entries[3]), "u");
  EXPECT_EQ(entry_object(script.entries[3]), "u_id_fkey");
  EXPECT_EQ(entry_table(script.entries[1]), "");
  EXPECT_EQ(entry_object(script.entries[1]), "t_x_idx");
}

TEST(DumpScript, WavesPutKeysAfterIndexes) {
  DumpScript script = parse_dump_script(post_data_dump);
  EXPECT_EQ(post_data_wave(script.entries[0]), 0);  // constraint (builds its index)
  EXPECT_EQ(post_data_wave(script.entries[1]), 0);  // index
  EXPECT_EQ(post_data_wave(script.entries[2]), 2);  // trigger
  EXPECT_EQ(post_data_wave(script.entries[3]), 1);  // foreign key needs the referenced unique index
}

TEST(Selection, ParsesTablesAndSchemas) {
  Selection s = parse_selection("orders, billing.invoices", "");
  ASSERT_EQ(s.tables.size(), 2u);
  EXPECT_EQ(s.tables[0], (TableName{"public", "orders"}));
  EXPECT_EQ(s.tables[1], (TableName{"billing", "invoices"}));
  EXPECT_TRUE(s.includes({"public", "orders"}));
  EXPECT_FALSE(s.includes({"public", "customers"}));
  EXPECT_EQ(s.pg_dump_args()[0], "--table=\"public\".\"orders\"");
  EXPECT_EQ(parse_selection("", "billing").pg_dump_args()[0], "--schema=\"billing\"");
  EXPECT_TRUE(parse_selection("", "").everything());
  EXPECT_THROW(parse_selection("a,,b", ""), UserError);
  EXPECT_THROW(parse_selection("a.b.c", ""), UserError);
  EXPECT_THROW(parse_selection("a", "s"), UserError);
}

TEST(Selection, ReportsKeysCrossingTheCut) {
  std::vector<ForeignKey> keys = {
      {"orders_customer_fkey", {"public", "orders"}, {"public", "customers"}},
      {"invoices_order_fkey", {"billing", "invoices"}, {"public", "orders"}},
      {"items_order_fkey", {"public", "items"}, {"public", "orders"}},
  };
  auto crossing = crossing_foreign_keys(keys, parse_selection("orders,items", ""));
  ASSERT_EQ(crossing.size(), 2u);
  EXPECT_EQ(crossing[0].key.name, "orders_customer_fkey");
  EXPECT_TRUE(crossing[0].outgoing);
  EXPECT_EQ(crossing[1].key.name, "invoices_order_fkey");
  EXPECT_FALSE(crossing[1].outgoing);
  EXPECT_TRUE(crossing_foreign_keys(keys, Selection{}).empty());
}

TEST(WorkUnits, SplitsBigTablesIntoBlockRangesBiggestFirst) {
  const int64_t mb = 1 << 20;
  std::vector<TableInfo> tables = {
      {.name = {"public", "small"}, .bytes = 1 * mb, .blocks = 128},
      {.name = {"public", "big"}, .bytes = 800 * mb, .blocks = 102400},
      {.name = {"public", "empty"}, .bytes = 0, .blocks = 0},
  };
  auto units = split_into_units(tables, {.jobs = 4, .ranges_per_job = 4});
  // 801 MB / (4 jobs * 4) = ~50 MB chunks: big is cut into 16 ranges.
  ASSERT_EQ(units.size(), 18u);
  EXPECT_EQ(units[0].table.name, "big");
  EXPECT_EQ(units[0].id, "public.big#1");
  EXPECT_EQ(units[0].first_block, 0);
  EXPECT_EQ(units[0].where_clause(), " WHERE ctid >= '(0,0)'::tid AND ctid < '(6400,0)'::tid");
  EXPECT_EQ(units[15].end_block, -1);  // the last range is open: rows added later are not lost
  EXPECT_EQ(units[15].where_clause(), " WHERE ctid >= '(96000,0)'::tid");
  EXPECT_TRUE(units[16].whole_table());
  EXPECT_EQ(units[16].id, "public.small");
  EXPECT_EQ(units[17].id, "public.empty");
  // Ranges cover every block exactly once.
  int64_t next = 0;
  for (int i = 0; i < 16; ++i) {
    EXPECT_EQ(units[i].first_block, next);
    next = units[i].end_block;
  }
}

TEST(WorkUnits, ByDefaultCutsOnlyATableTooBigForOneWorkersShare) {
  const int64_t mb = 1 << 20;
  std::vector<TableInfo> tables = {
      {.name = {"public", "large"}, .bytes = 380 * mb, .blocks = 48640},
      {.name = {"public", "medium"}, .bytes = 300 * mb, .blocks = 38400},
      {.name = {"public", "rest"}, .bytes = 400 * mb, .blocks = 51200},
  };
  // 1080 MB / 2 jobs = 540 MB chunks: nothing is cut, every table copies whole (COPY FREEZE).
  auto units = split_into_units(tables, {.jobs = 2});
  ASSERT_EQ(units.size(), 3u);
  for (const auto& u : units) EXPECT_TRUE(u.whole_table()) << u.id;
  // One table holding most of the data is cut for the workers to share it (chunks at most 1 GB).
  tables[0].bytes = 4000 * mb;
  tables[0].blocks = 512000;
  units = split_into_units(tables, {.jobs = 2});
  EXPECT_EQ(units.size(), 6u);
  EXPECT_EQ(units[0].id, "public.large#1");
}

TEST(WorkUnits, ChunkSizeIsClamped) {
  EXPECT_EQ(chunk_bytes(1 << 20, {.jobs = 4}), 16ll << 20);
  EXPECT_EQ(chunk_bytes(1ll << 40, {.jobs = 1}), 1ll << 30);
}

TEST(State, RoundTripsThroughJson) {
  MigrationState s{.fingerprint = "abc", .source = "postgresql://u:***@h/db", .pre_data_done = true};
  s.units.push_back(
      {.unit = {.id = "public.big#2", .table = {"public", "big"}, .first_block = 10, .end_block = 20},
       .status = UnitStatus::done,
       .rows = 5,
       .bytes = 99});
  s.post_data_done.insert("INDEX public t_x_idx");
  MigrationState back = state_from_json(state_to_json(s), "state.json");
  EXPECT_EQ(back.fingerprint, "abc");
  EXPECT_TRUE(back.pre_data_done);
  ASSERT_EQ(back.units.size(), 1u);
  EXPECT_EQ(back.units[0].unit.id, "public.big#2");
  EXPECT_EQ(back.units[0].unit.end_block, 20);
  EXPECT_EQ(back.units[0].status, UnitStatus::done);
  EXPECT_EQ(back.post_data_done.count("INDEX public t_x_idx"), 1u);
  EXPECT_THROW(state_from_json("{\"kind\": \"other\"}", "x.json"), UserError);
  EXPECT_THROW(state_from_json("not json", "x.json"), UserError);
}

TEST(Checksum, AddsPartsIn128Bits) {
  Checksum c;
  c.add(2, "9223372036854775807");
  c.add(1, "9223372036854775807");
  c.add(1, "-5");
  EXPECT_EQ(c.rows, 4);
  EXPECT_EQ(c.hex(), "0000000000000000fffffffffffffff9");
  Checksum d;
  d.add(1, "-1");
  EXPECT_EQ(d.hex(), "ffffffffffffffffffffffffffffffff");
  EXPECT_EQ(checksum_sql("\"s\".\"t\"", ""),
            "SELECT count(*), coalesce(sum(hashtextextended(t::text, 0)), 0) FROM \"s\".\"t\" t");
}

TEST(RedisDbOption, AllOneOrList) {
  EXPECT_TRUE(parse_redis_db_option("all").empty());
  EXPECT_EQ(parse_redis_db_option("0,2"), (std::vector<int>{0, 2}));
  EXPECT_THROW(parse_redis_db_option("x"), UserError);
}

TEST(Progress, ShowsRatesAndEta) {
  // Bytes in binary multiples, as everywhere in rehome (model/units.hpp): 1 GB = 1024 MB.
  Progress p{.phase = "copy",
             .done = 512 * 1024 * 1024,
             .total = 1024 * 1024 * 1024,
             .rows = 4'000'000,
             .elapsed_seconds = 10};
  EXPECT_EQ(format_progress(p), "copy      50%  512 MB / 1.0 GB  51 MB/s  400k rows/s  ETA 0:10");
  Progress q{.phase = "indexes", .done = 3, .total = 12, .elapsed_seconds = 3, .bytes = false};
  EXPECT_EQ(format_progress(q), "indexes   25%  3 / 12  ETA 0:09");
  EXPECT_EQ(format_duration(3725), "1:02:05");
}

TEST(Checksum, HashIsXxHash64) {
  EXPECT_EQ(hash_bytes("", 0), 0xEF46DB3751D8E999ull);
  EXPECT_EQ(hash_bytes("a", 1), 0xD24EC4F1A98C6E5Bull);
  EXPECT_EQ(hash_bytes("abc", 3), 0x44BC2CF5AD770999ull);
}

TEST(Checksum, BinaryStreamIgnoresHeaderTrailerAndOrder) {
  const std::string header("PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0", 19);
  const std::string row1("\0\1\0\0\0\1a", 7), row2("\0\1\0\0\0\1b", 7), trailer("\377\377", 2);
  StreamChecksum one(true), other(true);
  for (const auto& m : {header + row1, row2, trailer}) one.add_message(m.data(), m.size());
  for (const auto& m : {header + row2, row1, trailer}) other.add_message(m.data(), m.size());
  EXPECT_EQ(one.total().rows, 2);
  EXPECT_EQ(one.total().hex(), other.total().hex());
  StreamChecksum empty(true);
  std::string only = header + trailer;
  empty.add_message(only.data(), only.size());
  EXPECT_EQ(empty.total().rows, 0);
  StreamChecksum changed(true);
  for (const auto& m : {header + row1, std::string("\0\1\0\0\0\1c", 7), trailer})
    changed.add_message(m.data(), m.size());
  EXPECT_NE(changed.total().hex(), one.total().hex());
  Checksum c;
  c.add(3, one.total().decimal());
  EXPECT_EQ(c.hex(), one.total().hex());
}

TEST(Checksum, StreamRowsRowHasherCannotReadChangeTheSumInsteadOfFailing) {
  // One text column: RowHasher hashes it as hashtextextended would; a tuple it cannot read (a field
  // longer than the tuple) is hashed by its bytes, so the sums differ and the table gets read back.
  const auto hasher = RowHasher::make({{.oid = 25}});
  ASSERT_TRUE(hasher.has_value());
  const std::string good("\0\1\0\0\0\1a", 7), bad("\0\1\0\0\0\7a", 7);
  StreamChecksum expected(true, &*hasher), read(true, &*hasher);
  expected.add_message(good.data(), good.size());
  expected.add_message(good.data(), good.size());
  read.add_message(good.data(), good.size());
  EXPECT_NO_THROW(read.add_message(bad.data(), bad.size()));
  EXPECT_EQ(read.total().rows, 2);
  EXPECT_NE(read.total().hex(), expected.total().hex());
}
