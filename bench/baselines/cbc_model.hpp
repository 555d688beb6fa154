#pragma once
// Baseline (c): the optimal number of servers, from the CBC solver (Debian coinor-cbc). An integer
// program over replica counts per (service, server):
//   min sum_j y_j  s.t.  sum_j x_sj = replicas_s;  sum_s mem_s x_sj <= cap_j y_j;  sum_s cpu_s x_sj <= cpu_j
//   y_j
// with memory in MiB (the random estates use whole MiB, and capacity is floored like the planner's).
#include <chrono>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>

#include "common/atomic_file.hpp"
#include "common/process.hpp"
#include "plan/feasibility.hpp"

namespace rehome::bench {

inline std::string cbc_lp(const model::Estate& e, double headroom) {
  plan::PlacementContext ctx(e, headroom);
  std::ostringstream lp;
  lp << "Minimize\n obj:";
  for (size_t j = 0; j < e.servers.size(); ++j) lp << " + y" << j;
  lp << "\nSubject To\n";
  for (size_t s = 0; s < e.services.size(); ++s) {
    lp << " r" << s << ":";
    for (size_t j = 0; j < e.servers.size(); ++j) lp << " + x" << s << "_" << j;
    lp << " = " << e.services[s].replicas << "\n";
  }
  for (size_t j = 0; j < e.servers.size(); ++j) {
    lp << " m" << j << ":";
    for (size_t s = 0; s < e.services.size(); ++s)
      lp << " + " << e.services[s].resources.memory_reservation / model::MiB << " x" << s << "_" << j;
    lp << " - " << ctx.memory_capacity(e.servers[j]) / model::MiB << " y" << j << " <= 0\n";
    lp << " c" << j << ":";
    for (size_t s = 0; s < e.services.size(); ++s)
      lp << " + " << e.services[s].resources.cpu_reservation << " x" << s << "_" << j;
    lp << " - " << ctx.cpu_capacity(e.servers[j]) << " y" << j << " <= 0\n";
  }
  lp << "Bounds\n";
  for (size_t s = 0; s < e.services.size(); ++s)
    for (size_t j = 0; j < e.servers.size(); ++j)
      lp << " 0 <= x" << s << "_" << j << " <= " << e.services[s].replicas << "\n";
  lp << "General\n";
  for (size_t s = 0; s < e.services.size(); ++s)
    for (size_t j = 0; j < e.servers.size(); ++j) lp << " x" << s << "_" << j << "\n";
  lp << "Binary\n";
  for (size_t j = 0; j < e.servers.size(); ++j) lp << " y" << j << "\n";
  lp << "End\n";
  return lp.str();
}

struct CbcResult {
  bool optimal = false;
  int servers = 0;
  double seconds = 0;
};

// Runs cbc with a time limit; nullopt when cbc is not installed.
inline std::optional<CbcResult> cbc_optimum(const model::Estate& e, double headroom, int seconds,
                                            const std::filesystem::path& dir) {
  if (!find_program("cbc")) return std::nullopt;
  std::filesystem::create_directories(dir);
  write_file_atomically(dir / "model.lp", cbc_lp(e, headroom));
  std::filesystem::remove(dir / "solution.txt");
  auto start = std::chrono::steady_clock::now();
  ProcessOptions o;
  o.timeout = std::chrono::milliseconds(1000L * (seconds + 30));
  run_process({"cbc", (dir / "model.lp").string(), "sec", std::to_string(seconds), "threads", "1", "solve",
               "solu", (dir / "solution.txt").string()},
              o);
  CbcResult r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::error_code ec;
  if (!std::filesystem::exists(dir / "solution.txt", ec)) return r;
  std::string first = read_file(dir / "solution.txt");
  first = first.substr(0, first.find('\n'));
  r.optimal = first.rfind("Optimal", 0) == 0;
  auto pos = first.find("objective value");
  if (pos != std::string::npos) r.servers = static_cast<int>(std::stod(first.substr(pos + 15)) + 0.5);
  return r;
}

}  // namespace rehome::bench
