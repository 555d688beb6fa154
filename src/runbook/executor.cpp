#include "runbook/executor.hpp"

#include <fmt/format.h>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/secrets.hpp"
#include "common/work_lock.hpp"

namespace rehome::runbook {
namespace {

std::int64_t system_now() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// The last `lines` lines of a command's output, secrets masked.
std::string tail(const std::string& text, int lines) {
  std::string t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  size_t pos = t.size();
  for (int i = 0; i < lines && pos != std::string::npos && pos > 0; ++i) pos = t.rfind('\n', pos - 1);
  std::string out = (pos == std::string::npos || pos == 0) ? t : t.substr(pos + 1);
  if (out.size() > 2000) out = out.substr(out.size() - 2000);
  return mask_secrets(out);
}

bool in_range(const Phase& p, const RunOptions& o) {
  return p.number >= o.from_phase && p.number <= o.to_phase;
}

class Runner {
 public:
  Runner(const Runbook& rb, Transport& t, const RunOptions& o, std::ostream& out)
      : rb_(rb), transport_(t), o_(o), out_(out), now_(o.now_ms ? o.now_ms : system_now) {}

  RunOutcome run() {
    WorkLock lock(o_.state_file.string() + ".lock", "rehome runbook --execute");
    state_ = load_state(o_.state_file);
    if (!state_.estate.empty() && state_.estate != rb_.estate)
      throw UserError(fmt::format("{}: this state belongs to estate '{}', not '{}'", o_.state_file.string(),
                                  state_.estate, rb_.estate),
                      "pass --state with another file for this estate");
    state_.estate = rb_.estate;
    state_.run_tag = take_over_run(state_.run_tag, "runbook", out_);
    env_ = o_.env;
    env_[kRunTagVariable] = state_.run_tag;
    save();
    for (const auto& p : rb_.phases) {
      if (!in_range(p, o_)) continue;
      if (!run_phase(p)) return {exit_code::findings, stopped_at_};
    }
    out_ << fmt::format("\nAll phases {}..{} done. State: {}\n", o_.from_phase, o_.to_phase,
                        o_.state_file.string());
    return {exit_code::ok, ""};
  }

 private:
  void save() {
    save_state(o_.state_file, state_);
    if (!o_.evidence_dir.empty())
      write_file_atomically(o_.evidence_dir / "phases.json",
                            to_json(phase_evidence(rb_, state_)).dump(2) + "\n");
  }

  bool run_phase(const Phase& p) {
    PhaseRecord& rec = state_.phases[p.number];
    out_ << fmt::format("\n== Phase {}: {} ({} steps)\n", p.number, p.name, p.steps.size());
    if (o_.skip_phases.count(p.number)) {
      rec.status = "skipped";
      save();
      out_ << "   skipped (--skip-phase)\n";
      return true;
    }
    if (rec.started_at == 0) rec.started_at = now_();
    rec.status = "running";
    save();
    int index = 0;
    for (const auto& s : p.steps) {
      ++index;
      if (!run_step(p, s, index)) {
        state_.phases[p.number].status = refused_ ? "waiting" : "failed";
        save();
        if (!refused_) print_rollback(p, s);
        return false;
      }
    }
    PhaseRecord& done = state_.phases[p.number];
    done.status = "done";
    done.finished_at = now_();
    done.duration_ms = 0;
    for (const auto& s : p.steps) done.duration_ms += state_.steps[s.id].duration_ms;
    save();
    out_ << fmt::format("   phase {} done in {}\n", p.number, model::format_duration(done.duration_ms));
    return true;
  }

  bool run_step(const Phase& p, const Step& s, int index) {
    std::string label = fmt::format("[{}.{}/{}] {}", p.number, index, p.steps.size(), s.title);
    StepRecord& rec = state_.steps[s.id];
    if (rec.status == StepStatus::done && rec.command_digest == digest(s)) {
      out_ << label << ": already done\n";
      return true;
    }
    if (auto refusal = gate_refusal(s, state_, now_(), rb_.verification_window, o_.force)) {
      refused_ = true;
      stopped_at_ = s.id;
      out_ << label << ": refused: " << *refusal
           << "\n   what to do: wait, or pass --force to clean up now\n";
      return false;
    }
    if (rec.status == StepStatus::running) out_ << label << ": was interrupted; running it again\n";
    rec.status = StepStatus::running;
    rec.command_digest = digest(s);
    rec.started_at = now_();
    ++rec.attempts;
    save();
    out_ << label << " ..." << std::flush;

    std::int64_t start = now_();
    auto result = transport_.run(s.host, s.command, env_, o_.step_timeout);
    std::string failure;
    std::string output = result.out + result.err;
    if (!result.ok()) {
      failure =
          result.timed_out ? "the command timed out" : fmt::format("the command exited {}", result.exit_code);
    } else if (!s.verify.empty()) {
      auto check = transport_.run(s.host, s.verify, env_, o_.step_timeout);
      if (!check.ok()) {
        failure = check.timed_out ? "the verification timed out"
                                  : fmt::format("the verification exited {}", check.exit_code);
        output = check.out + check.err;
      }
    }
    StepRecord& r = state_.steps[s.id];
    r.duration_ms += now_() - start;
    r.finished_at = now_();
    r.output = tail(output, failure.empty() ? 1 : 20);
    r.error = failure;
    r.status = failure.empty() ? StepStatus::done : StepStatus::failed;
    save();
    if (failure.empty()) {
      out_ << fmt::format(" ok ({})\n", model::format_duration(now_() - start));
      return true;
    }
    stopped_at_ = s.id;
    out_ << fmt::format(" FAILED: {}\n", failure);
    if (!r.output.empty()) out_ << "   output:\n" << r.output << "\n";
    return false;
  }

  void print_rollback(const Phase& p, const Step& failed) {
    out_ << fmt::format("\nStopped at {} ({}). Roll back, newest first:\n", failed.id, failed.title);
    out_ << fmt::format("  {}: {}\n", failed.id, failed.rollback);
    std::vector<const Step*> done;
    for (const auto& s : p.steps) {
      if (&s == &failed) break;
      if (state_.steps[s.id].status == StepStatus::done) done.push_back(&s);
    }
    for (auto it = done.rbegin(); it != done.rend(); ++it)
      out_ << fmt::format("  {}: {}\n", (*it)->id, (*it)->rollback);
    out_ << fmt::format("Then fix the cause and run again: steps already done are skipped (state: {}).\n",
                        o_.state_file.string());
  }

  const Runbook& rb_;
  Transport& transport_;
  const RunOptions& o_;
  std::ostream& out_;
  std::function<std::int64_t()> now_;
  RunState state_;
  Env env_;  // the options' environment and this run's tag
  std::string stopped_at_;
  bool refused_ = false;  // stopped by the verification window, not by a failure: nothing to roll back
};

}  // namespace

RunOutcome run_runbook(const Runbook& runbook, Transport& transport, const RunOptions& options,
                       std::ostream& out) {
  if (options.from_phase < 0 || options.to_phase > 7 || options.from_phase > options.to_phase)
    throw UserError(
        fmt::format("phases {}..{} are not a range of 0..7", options.from_phase, options.to_phase),
        "pass --from-phase N --to-phase M with 0 <= N <= M <= 7");
  return Runner(runbook, transport, options, out).run();
}

void print_plan(const Runbook& rb, const RunOptions& o, const RunState& state, std::ostream& out) {
  out << fmt::format("Dry run of phases {}..{} for estate {} (nothing is run; --execute runs it).\n",
                     o.from_phase, o.to_phase, rb.estate);
  for (const auto& p : rb.phases) {
    if (!in_range(p, o)) continue;
    out << fmt::format("\n== Phase {}: {}{}\n", p.number, p.name,
                       o.skip_phases.count(p.number) ? " (skipped)" : "");
    for (const auto& s : p.steps) {
      auto it = state.steps.find(s.id);
      bool done = it != state.steps.end() && it->second.status == StepStatus::done &&
                  it->second.command_digest == digest(s);
      out << fmt::format("\n# {}{}\n", s.title, done ? " (already done)" : "");
      if (s.gate_after_phase >= 0)
        out << fmt::format("# not before {} after phase {} completed\n",
                           model::format_duration(rb.verification_window), s.gate_after_phase);
      out << fmt::format("[{}] {}\n", s.host.empty() ? "local" : s.host, s.command);
      if (!s.verify.empty()) out << "  verify: " << s.verify << "\n";
      out << "  rollback: " << s.rollback << "\n";
    }
  }
}

}  // namespace rehome::runbook
