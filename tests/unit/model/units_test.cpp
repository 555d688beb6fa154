// Units as people write them: every accepted form, every rejected form, canonical forms round-trip.
#include <gtest/gtest.h>

#include "model/units.hpp"

namespace rehome::model {
namespace {

TEST(Units, BytesAcceptedForms) {
  EXPECT_EQ(parse_bytes("512M"), 512 * MiB);
  EXPECT_EQ(parse_bytes("512MB"), 512 * MiB);
  EXPECT_EQ(parse_bytes("512Mi"), 512 * MiB);
  EXPECT_EQ(parse_bytes("512MiB"), 512 * MiB);
  EXPECT_EQ(parse_bytes("512m"), 512 * MiB);
  EXPECT_EQ(parse_bytes("1.5G"), 1536 * MiB);
  EXPECT_EQ(parse_bytes("4GB"), 4 * GiB);
  EXPECT_EQ(parse_bytes("2 GiB"), 2 * GiB);
  EXPECT_EQ(parse_bytes(" 2G "), 2 * GiB);
  EXPECT_EQ(parse_bytes("100k"), 100 * KiB);
  EXPECT_EQ(parse_bytes("100KB"), 100 * KiB);
  EXPECT_EQ(parse_bytes("1024"), 1024);
  EXPECT_EQ(parse_bytes("1024b"), 1024);
  EXPECT_EQ(parse_bytes("1T"), 1024 * GiB);
  EXPECT_EQ(parse_bytes("0"), 0);
  EXPECT_EQ(parse_bytes(".5G"), 512 * MiB);
}

TEST(Units, BytesRejectedForms) {
  for (const char* bad : {"", " ", "G", "4X", "4 GBs", "-1G", "1e3", "4G4", "abc", "1..5G", "4 G B", "1P",
                          "99999999999T", "nan", "inf", "0x10"})
    EXPECT_FALSE(parse_bytes(bad).has_value()) << bad;
}

TEST(Units, CpuAcceptedForms) {
  EXPECT_EQ(parse_cpu("0.5"), 500);
  EXPECT_EQ(parse_cpu("2"), 2000);
  EXPECT_EQ(parse_cpu("1.5"), 1500);
  EXPECT_EQ(parse_cpu("500m"), 500);
  EXPECT_EQ(parse_cpu("1.5 cpus"), 1500);
  EXPECT_EQ(parse_cpu("4 threads"), 4000);
  EXPECT_EQ(parse_cpu("1 core"), 1000);
}

TEST(Units, CpuRejectedForms) {
  for (const char* bad : {"", "m", "half", "-1", "2x", "500mm", "1e9999", "1.5 GHz"})
    EXPECT_FALSE(parse_cpu(bad).has_value()) << bad;
}

TEST(Units, DurationAcceptedForms) {
  EXPECT_EQ(parse_duration("10s"), 10000);
  EXPECT_EQ(parse_duration("500ms"), 500);
  EXPECT_EQ(parse_duration("1m30s"), 90000);
  EXPECT_EQ(parse_duration("2h"), 7200000);
  EXPECT_EQ(parse_duration("90"), 90000);
  EXPECT_EQ(parse_duration("1d"), 86400000);
  EXPECT_EQ(parse_duration("5min"), 300000);
}

TEST(Units, DurationRejectedForms) {
  for (const char* bad : {"", "s", "10x", "-5s", "10 20", "ten seconds", "1y"})
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
}

TEST(Units, CanonicalFormsReadBackExactly) {
  for (Bytes b : {Bytes{1}, Bytes{1000}, KiB, 100 * KiB, 512 * MiB, 1536 * MiB, 4 * GiB, *parse_bytes("5.7G"),
                  *parse_bytes("1.33G"), *parse_bytes("0.3M"), Bytes{123456789}})
    EXPECT_EQ(parse_bytes(canonical_bytes(b)), b) << canonical_bytes(b);
  EXPECT_EQ(canonical_bytes(*parse_bytes("5.7G")), "5.7G");
  EXPECT_EQ(canonical_bytes(1536 * MiB), "1536M");
  EXPECT_EQ(canonical_bytes(4 * GiB), "4G");
  for (MilliCpu c : {MilliCpu{1}, MilliCpu{500}, MilliCpu{1000}, MilliCpu{1500}, MilliCpu{16000}})
    EXPECT_EQ(parse_cpu(canonical_cpu(c)), c) << canonical_cpu(c);
  for (Millis d : {Millis{1}, Millis{500}, Millis{10000}, Millis{90000}, Millis{7200000}})
    EXPECT_EQ(parse_duration(canonical_duration(d)), d) << canonical_duration(d);
}

TEST(Units, FormatsForPeople) {
  EXPECT_EQ(format_bytes(28 * GiB), "28.0 GB");
  EXPECT_EQ(format_bytes(512 * MiB), "512 MB");
  EXPECT_EQ(format_cpu(16000), "16");
  EXPECT_EQ(format_cpu(500), "0.5");
  EXPECT_EQ(format_duration(90000), "1m 30s");
}

}  // namespace
}  // namespace rehome::model
