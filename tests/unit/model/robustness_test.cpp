// A few thousand randomly damaged examples (byte flips, truncations, deleted and duplicated lines;
// fixed seed): parse_estate returns an Estate or throws UserError, never crashes or throws anything else.
#include <cstdio>
#include <random>

#include <gtest/gtest.h>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "model/estate_yaml.hpp"
#include "support/paths.hpp"

namespace rehome::model {
namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start + 1));
    start = end + 1;
  }
  return lines;
}

std::string mutate(const std::string& original, std::mt19937& rng) {
  std::string s = original;
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  static const char kInteresting[] = ":-[]{}#&*!|>'\"%@`,?\t\n 0123456789GMmT.";
  switch (pick(6)) {
    case 0:  // flip a few bytes
      for (size_t i = 0, n = 1 + pick(8); i < n && !s.empty(); ++i)
        s[pick(s.size())] = static_cast<char>(pick(256));
      break;
    case 1:  // truncate
      s.resize(pick(s.size() + 1));
      break;
    case 2: {  // delete lines
      auto lines = split_lines(s);
      for (size_t i = 0, n = 1 + pick(5); i < n && !lines.empty(); ++i)
        lines.erase(lines.begin() + pick(lines.size()));
      s.clear();
      for (const auto& l : lines) s += l;
      break;
    }
    case 3: {  // duplicate a line elsewhere (duplicate keys, bad indentation)
      auto lines = split_lines(s);
      if (!lines.empty()) lines.insert(lines.begin() + pick(lines.size()), lines[pick(lines.size())]);
      s.clear();
      for (const auto& l : lines) s += l;
      break;
    }
    case 4:  // YAML punctuation where it hurts
      for (size_t i = 0, n = 1 + pick(6); i < n && !s.empty(); ++i)
        s[pick(s.size())] = kInteresting[pick(sizeof kInteresting - 1)];
      break;
    default:  // swap two chunks
      if (s.size() > 20) {
        size_t a = pick(s.size() / 2), len = 1 + pick(10);
        size_t b = s.size() / 2 + pick(s.size() / 2 - len);
        std::swap_ranges(s.begin() + a, s.begin() + a + len, s.begin() + b);
      }
  }
  return s;
}

TEST(Robustness, MutatedExamplesGiveAnEstateOrAUserError) {
  std::vector<std::string> seeds;
  for (const char* e : {"wizardsofts/estate.yaml", "gym/estate.yaml"})
    seeds.push_back(read_file(test::example(e)));
  std::mt19937 rng(20260101);
  int parsed = 0, rejected = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string text = mutate(seeds[i % seeds.size()], rng);
    if (i % 7 == 0) text = mutate(text, rng);  // now and then, two mutations
    try {
      Estate e = parse_estate(text, "mutated.yaml");
      to_yaml(e);  // whatever parses must also write
      ++parsed;
    } catch (const UserError& err) {
      ASSERT_NE(std::string(err.what()).find("mutated.yaml"), std::string::npos) << err.what();
      ++rejected;
    } catch (const std::exception& other) {
      FAIL() << "mutation " << i << " threw " << other.what() << "\n--- input ---\n" << text;
    }
  }
  std::printf("robustness: %d mutated inputs parsed, %d rejected with a UserError\n", parsed, rejected);
  EXPECT_GT(rejected, 1000);
  EXPECT_GT(parsed, 10);
}

}  // namespace
}  // namespace rehome::model
