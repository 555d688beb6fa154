#include "runbook/state.hpp"

#include <ctime>
#include <functional>

#include <fmt/format.h>

#include "common/atomic_file.hpp"
#include "common/error.hpp"

namespace rehome::runbook {
namespace {

constexpr const char* kStatus[] = {"pending", "running", "done", "failed"};

StepStatus status_from(const std::string& s, const std::string& filename) {
  for (int i = 0; i < 4; ++i)
    if (s == kStatus[i]) return static_cast<StepStatus>(i);
  throw UserError(fmt::format("{}: unknown step status '{}'", filename, s),
                  "the state file was edited or is from another tool; move it aside to start over");
}

}  // namespace

std::string to_string(StepStatus s) { return kStatus[static_cast<int>(s)]; }

std::string digest(const Step& step) {
  // FNV-1a: stable across builds and platforms (std::hash is not).
  std::uint64_t h = 1469598103934665603ULL;
  for (const std::string* part : {&step.command, &step.verify})
    for (unsigned char c : *part + "\x1f") h = (h ^ c) * 1099511628211ULL;
  return fmt::format("{:016x}", h);
}

nlohmann::json to_json(const RunState& st) {
  nlohmann::json j;
  j["estate"] = st.estate;
  j["run_tag"] = st.run_tag;
  j["steps"] = nlohmann::json::object();
  for (const auto& [id, r] : st.steps)
    j["steps"][id] = {{"status", to_string(r.status)},
                      {"command_digest", r.command_digest},
                      {"started_at", r.started_at},
                      {"finished_at", r.finished_at},
                      {"duration_ms", r.duration_ms},
                      {"attempts", r.attempts},
                      {"output", r.output},
                      {"error", r.error}};
  j["phases"] = nlohmann::json::object();
  for (const auto& [n, p] : st.phases)
    j["phases"][std::to_string(n)] = {{"status", p.status},
                                      {"started_at", p.started_at},
                                      {"finished_at", p.finished_at},
                                      {"duration_ms", p.duration_ms}};
  return j;
}

RunState state_from_json(const nlohmann::json& j, const std::string& filename) {
  try {
    RunState st;
    st.estate = j.at("estate").get<std::string>();
    st.run_tag = j.value("run_tag", "");
    for (const auto& [id, r] : j.at("steps").items()) {
      StepRecord rec;
      rec.status = status_from(r.at("status").get<std::string>(), filename);
      rec.command_digest = r.value("command_digest", "");
      rec.started_at = r.value("started_at", std::int64_t{0});
      rec.finished_at = r.value("finished_at", std::int64_t{0});
      rec.duration_ms = r.value("duration_ms", std::int64_t{0});
      rec.attempts = r.value("attempts", 0);
      rec.output = r.value("output", "");
      rec.error = r.value("error", "");
      st.steps[id] = rec;
    }
    for (const auto& [n, p] : j.at("phases").items()) {
      PhaseRecord rec;
      rec.status = p.value("status", "pending");
      rec.started_at = p.value("started_at", std::int64_t{0});
      rec.finished_at = p.value("finished_at", std::int64_t{0});
      rec.duration_ms = p.value("duration_ms", std::int64_t{0});
      st.phases[std::stoi(n)] = rec;
    }
    return st;
  } catch (const nlohmann::json::exception& e) {
    throw UserError(fmt::format("{}: not a rehome run state: {}", filename, e.what()),
                    "move the file aside to start the run over (steps already done are idempotent)");
  } catch (const std::invalid_argument&) {
    throw UserError(fmt::format("{}: not a rehome run state: a phase key is not a number", filename),
                    "move the file aside to start the run over");
  }
}

RunState load_state(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) return {};
  std::string text = read_file(path);
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded())
    throw UserError(fmt::format("{}: not valid JSON", path.string()),
                    "the state file is written atomically, so this one was edited; fix it or move it aside");
  return state_from_json(j, path.string());
}

void save_state(const std::filesystem::path& path, const RunState& state) {
  write_file_atomically(path, to_json(state).dump(2) + "\n");
}

std::optional<std::string> gate_refusal(const Step& step, const RunState& state, std::int64_t now_ms,
                                        std::int64_t window_ms, bool force) {
  if (step.gate_after_phase < 0 || force) return std::nullopt;
  auto it = state.phases.find(step.gate_after_phase);
  if (it == state.phases.end() || it->second.status != "done" || it->second.finished_at == 0)
    return fmt::format("'{}' cleans up after phase {}, which has not completed in this run's state",
                       step.title, step.gate_after_phase);
  std::int64_t ready_at = it->second.finished_at + window_ms;
  if (now_ms >= ready_at) return std::nullopt;
  return fmt::format(
      "'{}' waits for the verification window: phase {} completed {}, so not before {} ({} from now)",
      step.title, step.gate_after_phase, iso_time(it->second.finished_at), iso_time(ready_at),
      model::format_duration(ready_at - now_ms));
}

PhasesEvidence phase_evidence(const Runbook& rb, const RunState& st) {
  PhasesEvidence out{rb.estate, {}};
  for (const auto& p : rb.phases) {
    auto it = st.phases.find(p.number);
    PhaseRecord rec = it == st.phases.end() ? PhaseRecord{} : it->second;
    PhaseEvidence phase{p.number,
                        p.name,
                        rec.status,
                        rec.started_at ? iso_time(rec.started_at) : "",
                        rec.finished_at ? iso_time(rec.finished_at) : "",
                        rec.duration_ms,
                        {}};
    for (const auto& s : p.steps) {
      auto sit = st.steps.find(s.id);
      StepRecord r = sit == st.steps.end() ? StepRecord{} : sit->second;
      phase.steps.push_back({s.id, s.title, to_string(r.status), r.duration_ms, r.attempts, r.output});
    }
    out.phases.push_back(std::move(phase));
  }
  return out;
}

std::string iso_time(std::int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace rehome::runbook
