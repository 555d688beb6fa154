#include "real/harness/netns_link.hpp"

#include <unistd.h>

#include <atomic>
#include <stdexcept>

#include <fmt/format.h>

#include "real/harness/server_process.hpp"

namespace rehome::test {
namespace {

void must(const std::vector<std::string>& argv) {
  auto r = run_process(argv);
  if (r.ok()) return;
  std::string cmd;
  for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
  throw std::runtime_error(fmt::format("{}: {}", cmd, r.err));
}

}  // namespace

LinkedNamespace::LinkedNamespace(const std::string& prefix) : ns_(prefix) {
  static std::atomic<int> counter{0};
  int k = (::getpid() % 30 + 3 * counter++) % 60;  // 198.18.0.128..247, away from the clusters' .10+
  host_ = fmt::format("198.18.0.{}", 128 + 2 * k);
  address_ = fmt::format("198.18.0.{}", 129 + 2 * k);
  link_ = fmt::format("rhln{}x{}", ::getpid(), k);  // at most 15 characters
  std::string inner = link_ + "n";
  if (inner.size() > 15) inner = inner.substr(inner.size() - 15);
  try {
    must({"ip", "link", "add", link_, "type", "veth", "peer", "name", inner});
    must({"ip", "link", "set", inner, "netns", name()});
    must({"ip", "addr", "add", host_, "peer", address_ + "/32", "dev", link_});
    must({"ip", "link", "set", link_, "up"});
    must({"ip", "-n", name(), "addr", "add", address_, "peer", host_ + "/32", "dev", inner});
    must({"ip", "-n", name(), "link", "set", inner, "up"});
  } catch (...) {
    run_process({"ip", "link", "delete", link_});
    throw;
  }
}

LinkedNamespace::~LinkedNamespace() { run_process({"ip", "link", "delete", link_}); }

std::vector<std::string> LinkedNamespace::inside(const std::vector<std::string>& argv) const {
  std::vector<std::string> out{require_program("nsenter", "util-linux").string(), "--net=" + path(), "--"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

}  // namespace rehome::test
