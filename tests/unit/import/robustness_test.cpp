// Bounded random mutations of the compose fixtures: every input ends in an estate or a UserError,
// never a crash, another exception type, or a hang. Fixed seed, so a failure replays exactly.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <random>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "import/compose.hpp"
#include "support/paths.hpp"

using namespace rehome;
using namespace rehome::import;

namespace {

std::string mutate(std::string text, std::mt19937& rng) {
  static const std::string kAlphabet = ":{}[]-'\"$ \n\t#&*!|>,<%?@`\\0123456789abcxyz";
  auto pick = [&](size_t n) {
    return n == 0 ? size_t{0} : std::uniform_int_distribution<size_t>(0, n - 1)(rng);
  };
  int edits = 1 + static_cast<int>(pick(4));
  for (int e = 0; e < edits; ++e) {
    size_t pos = pick(text.size() + 1);
    switch (pick(6)) {
      case 0:  // delete a run
        text.erase(pos, pick(12) + 1);
        break;
      case 1:  // insert syntax characters
        for (size_t i = pick(4) + 1; i-- > 0;)
          text.insert(text.begin() + static_cast<long>(std::min(pos, text.size())),
                      kAlphabet[pick(kAlphabet.size())]);
        break;
      case 2: {  // duplicate a line
        size_t start = text.rfind('\n', pos == 0 ? 0 : pos - 1);
        start = start == std::string::npos ? 0 : start + 1;
        size_t end = text.find('\n', start);
        std::string line = text.substr(start, end == std::string::npos ? std::string::npos : end - start + 1);
        text.insert(start, line);
        break;
      }
      case 3:  // change indentation
        text.insert(std::min(pos, text.size()), std::string(pick(3) + 1, ' '));
        break;
      case 4:  // replace a char with a variable reference
        text.insert(std::min(pos, text.size()), pick(2) ? "${X:?e}" : "${Y:-");
        break;
      default:  // cut the file short
        text.resize(pos);
    }
  }
  return text;
}

}  // namespace

TEST(ComposeRobustness, RandomMutationsGiveAnEstateOrAUserError) {
  const auto dir = test::source_dir() / "tests/data/compose";
  std::vector<std::string> seeds;
  for (const char* f : {"v2/docker-compose.yml", "v3/docker-compose.yml", "spec/compose.yaml",
                        "override/docker-compose.yml", "other/docker-compose.yml"})
    seeds.push_back(read_file(dir / f));
  const std::string common = read_file(dir / "spec/common.yml");
  const std::string env = read_file(dir / "spec/.env");

  std::mt19937 rng(20261123);
  int estates = 0, user_errors = 0;
  constexpr int kInputs = 3000;
  for (int i = 0; i < kInputs; ++i) {
    std::string text = mutate(seeds[static_cast<size_t>(i) % seeds.size()], rng);
    std::map<std::string, std::string> files{
        {"p/compose.yaml", text}, {"p/common.yml", common}, {"p/.env", env}};
    FileReader reader = [&](const std::filesystem::path& p) -> std::optional<std::string> {
      auto it = files.find(p.lexically_normal().string());
      if (it == files.end()) return std::nullopt;
      return it->second;
    };
    try {
      auto result = import_compose({"p/compose.yaml"}, {}, reader);
      ++estates;
    } catch (const UserError& e) {
      ++user_errors;
      ASSERT_NE(std::string(e.what()).find("p/"), std::string::npos) << "error names no file: " << e.what();
    } catch (const std::exception& e) {
      FAIL() << "input " << i << " threw " << typeid(e).name() << ": " << e.what() << "\n--- input ---\n"
             << text;
    }
  }
  EXPECT_EQ(estates + user_errors, kInputs);
  EXPECT_GT(estates, 100);      // the mutations are not all fatal
  EXPECT_GT(user_errors, 100);  // and not all harmless
  std::cout << "[ robustness ] " << kInputs << " mutated inputs: " << estates << " estates, " << user_errors
            << " UserErrors\n";
}

// Aliases of aliases double the values per level (30 levels: a billion): refused at once, naming the
// file, instead of walks that took minutes (found by scripts/fuzz.sh compose).
TEST(ComposeRobustness, AliasBombIsRefusedQuickly) {
  std::string text = "x-0: &a0 [1, 2]\n";
  for (int i = 1; i <= 30; ++i)
    text += "x-" + std::to_string(i) + ": &a" + std::to_string(i) + " [*a" + std::to_string(i - 1) + ", *a" +
            std::to_string(i - 1) + "]\n";
  text += "services:\n  web:\n    image: nginx\n    environment:\n      X: ${X:-1}\n";
  FileReader reader = [&](const std::filesystem::path& p) -> std::optional<std::string> {
    if (p.lexically_normal().string() == "p/compose.yaml") return text;
    return std::nullopt;
  };
  auto started = std::chrono::steady_clock::now();
  try {
    import_compose({"p/compose.yaml"}, {}, reader);
    FAIL() << "an alias bomb was imported";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("p/compose.yaml: the YAML expands to more than"), std::string::npos)
        << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
}

// Inputs the fuzzer found crashing (tests/fuzz/corpus/crash-*): each now imports or gives a UserError.
TEST(ComposeRobustness, FuzzerFindingsImportOrGiveAUserError) {
  int replayed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(test::source_dir() / "tests/fuzz/corpus")) {
    if (entry.path().filename().string().rfind("crash-", 0) != 0) continue;
    const std::string text = read_file(entry.path());
    // The files tests/fuzz/fuzz_compose.cpp gives beside it.
    std::map<std::string, std::string> files{{"p/compose.yaml", text},
                                             {"p/.env", "APP_TAG=1.0\nREGISTRY=ghcr.io/x\nEMPTY=\n"},
                                             {"p/common.yml",
                                              "services:\n  base:\n    image: alpine\n    mem_limit: 64m\n   "
                                              " healthcheck: {test: [CMD, true]}\n"}};
    FileReader reader = [&](const std::filesystem::path& p) -> std::optional<std::string> {
      auto it = files.find(p.lexically_normal().string());
      if (it == files.end()) return std::nullopt;
      return it->second;
    };
    try {
      import_compose({"p/compose.yaml"}, {}, reader);
    } catch (const UserError&) {
    } catch (const std::exception& e) {
      ADD_FAILURE() << entry.path() << " threw " << typeid(e).name() << ": " << e.what();
    }
    ++replayed;
  }
  EXPECT_GE(replayed, 2);
}
