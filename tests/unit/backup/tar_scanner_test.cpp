// TarScanner: the per-file manifest of a volume's tar, read as the stream passes in pieces of any size.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "backup/stream.hpp"
#include "backup/volume_tar.hpp"
#include "common/error.hpp"
#include "common/sha256.hpp"

using namespace rehome;
using namespace rehome::backup;

namespace {

std::string pad(const std::string& data) { return data + std::string((512 - data.size() % 512) % 512, '\0'); }

// A header of `type` (tar_header makes regular files), its checksum computed again.
std::string entry(const std::string& name, char type, const std::string& data, const std::string& link = "") {
  std::string h = tar_header(name, static_cast<std::int64_t>(data.size()), 0);
  h[156] = type;
  h.replace(157, link.size(), link);
  h.replace(148, 8, std::string(8, ' '));
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  h.replace(148, 8, fmt::format("{:06o}", sum) + std::string("\0 ", 2));
  return h + pad(data);
}

std::string pax_path(const std::string& path) {
  std::string body = " path=" + path + "\n";
  size_t len = body.size() + 2;  // the length field counts itself
  std::string record = std::to_string(len) + body;
  if (record.size() != len) record = std::to_string(len + 1) + body;
  return entry("./PaxHeaders/x", 'x', record);
}

}  // namespace

TEST(TarScanner, HashesFilesLinksAndLongNamesInAnyPieces) {
  std::string long_name = std::string(120, 'd') + "/leaf.txt";
  std::string tar = entry("./", '5', "") + entry("./a.txt", '0', "alpha\n") + entry("./dir/", '5', "") +
                    entry("./dir/b.bin", '0', std::string(1500, 'b')) + entry("./link", '2', "", "a.txt") +
                    entry("./hard", '1', "", "./dir/b.bin") + pax_path("./" + long_name) +
                    entry("./trimmed", '0', "long\n") + entry("./fifo", '6', "") + std::string(1024, '\0');
  for (size_t piece : {size_t{1}, size_t{7}, size_t{512}, tar.size()}) {
    TarScanner s;
    for (size_t at = 0; at < tar.size(); at += piece)
      s.feed(tar.data() + at, std::min(piece, tar.size() - at));
    ASSERT_TRUE(s.complete()) << piece;
    std::map<std::string, std::string> want = {
        {"a.txt", sha256_hex("alpha\n")},  {"dir/b.bin", sha256_hex(std::string(1500, 'b'))},
        {"link", "symlink:a.txt"},         {"hard", sha256_hex(std::string(1500, 'b'))},
        {long_name, sha256_hex("long\n")}, {"fifo", "special"}};
    EXPECT_EQ(s.files(), want) << piece;
    EXPECT_EQ(s.file_bytes(), 6 + 1500 + 5);
  }
}

TEST(TarScanner, ADamagedHeaderIsRefused) {
  std::string tar = entry("./a.txt", '0', "alpha\n");
  tar[10] ^= 1;
  TarScanner s;
  EXPECT_THROW(s.feed(tar.data(), tar.size()), UserError);
  TarScanner cut;
  std::string half = entry("./a.txt", '0', "alpha\n");
  cut.feed(half.data(), half.size());
  EXPECT_FALSE(cut.complete());  // no end blocks: the stream stopped early
}
