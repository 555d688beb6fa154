#include "move/executor.hpp"

#include <fstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/secrets.hpp"
#include "common/work_lock.hpp"
#include "model/units.hpp"
#include "move/evidence.hpp"

namespace rehome::move {

Clock Clock::system() {
  Clock c;
  c.mono_ms = [] {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
  };
  c.wall_ms = [] {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  };
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::getline(in, c.boot_id);
  return c;
}

namespace {

std::string last_lines(const std::string& text) {
  std::string t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  if (t.size() > 1500) t = t.substr(t.size() - 1500);
  return mask_secrets(t);
}

class Executor {
 public:
  Executor(const Move& m, runbook::Transport& t, Movers* movers, const ExecuteOptions& o, std::ostream& out)
      : m_(m),
        t_(t),
        movers_(movers),
        o_(o),
        out_(out),
        lock_(o.journal_file().string() + ".lock", "rehome move --execute or --rollback") {
    jr_ = load_journal(o.journal_file());
    if (!jr_.estate.empty() && jr_.estate != m.estate)
      throw UserError(fmt::format("{}: this journal is the move of estate '{}', not '{}'",
                                  o.journal_file().string(), jr_.estate, m.estate),
                      "pass --work-dir with another folder for this estate");
    jr_.estate = m.estate;
    refuse_changed_steps();
  }

  int execute() {
    end_leftovers();
    if (jr_.started_at == 0) {
      jr_.started_at = o_.clock.wall_ms();
      jr_.started_mono = o_.clock.mono_ms();
      jr_.boot_id = o_.clock.boot_id;
    }
    save();
    int n = 0;
    for (const auto& s : m_.steps) {
      ++n;
      std::string label = fmt::format("[{}/{}] {}", n, m_.steps.size(), s.title);
      if (jr_.steps[s.id].status == "done") {
        out_ << label << ": already done\n";
        continue;
      }
      if (s.point_of_no_return && !jr_.no_return_passed && !confirm_no_return(s)) return exit_code::findings;
      if (!run_step(s, label)) {
        print_rollback(s);
        return exit_code::findings;
      }
    }
    jr_.finished_at = o_.clock.wall_ms();
    save();
    out_ << fmt::format("\nThe move of {} is done in {}. Evidence: {}\n", m_.estate,
                        model::format_duration(make_evidence(m_, jr_, o_.clock.mono_ms()).total_ms),
                        o_.evidence_file().string());
    for (const auto& d : make_evidence(m_, jr_, o_.clock.mono_ms()).downtime)
      out_ << fmt::format("  write freeze of {}: {}\n", d.service,
                          d.window_ms < 0 ? "not measured" : model::format_duration(d.window_ms));
    return exit_code::ok;
  }

  int rollback() {
    if (jr_.no_return_passed) {
      out_ << fmt::format(
          "Refused: the move passed its point of no return ({}): the new databases took writes "
          "the old ones do not have. Fix forward, or restore the new data onto the old host by "
          "hand.\n",
          m_.point_of_no_return);
      return exit_code::findings;
    }
    end_leftovers();
    save();
    for (const auto& id : rollback_order(m_, jr_)) {
      const MoveStep& s = *m_.find(id);
      StepEntry& e = jr_.steps[id];
      out_ << fmt::format("undo {} ...", s.title) << std::flush;
      for (const auto& a : s.rollback) {
        auto r = t_.run(a.host, a.command, env_for(a.host), o_.step_timeout);
        if (!r.ok()) {
          out_ << fmt::format(" FAILED (exit {}): {}\n{}\n", r.exit_code, a.command,
                              last_lines(r.out + r.err));
          save();
          return exit_code::findings;
        }
      }
      e.status = "rolled-back";
      save();
      out_ << (s.rollback.empty() ? " " + s.rollback_note + "\n" : " ok\n");
    }
    out_ << "Rolled back: the old host serves as before the move.\n";
    return exit_code::ok;
  }

 private:
  // A step the journal says is done must be the same step now: a resume skips it and a rollback runs
  // its undo, so with other commands the move would skip what was never done or undo what was not.
  // (A step that failed or was interrupted runs again as it is now; one rolled back is undone.)
  void refuse_changed_steps() {
    std::vector<std::string> changed;
    for (const auto& [id, e] : jr_.steps) {
      if (e.status != "done") continue;
      const MoveStep* s = m_.find(id);
      if (s == nullptr)
        changed.push_back(id + " (no longer in the move)");
      else if (!e.digest.empty() && e.digest != step_digest(*s))
        changed.push_back(id + " (its commands differ)");
    }
    if (changed.empty()) return;
    const size_t shown = std::min<size_t>(changed.size(), 3);
    throw UserError(
        fmt::format("{}: this move was started with other steps than the estate, plan and options given now "
                    "make: {}{}",
                    o_.journal_file().string(),
                    fmt::join(changed.begin(), changed.begin() + static_cast<std::ptrdiff_t>(shown), ", "),
                    changed.size() > shown ? fmt::format(" and {} more", changed.size() - shown) : ""),
        "run it with the estate, plan and options it started with (to finish it, or --rollback), or start "
        "a new move with another --work-dir");
  }

  // A run killed mid-command leaves that command running (a shell's children outlive it): the next
  // run would race it (two `docker stack deploy` of one stack: "update out of sequence"). So every
  // command carries the run's tag, and a run first ends what the previous one left, then takes its own.
  void end_leftovers() { jr_.run_tag = runbook::take_over_run(jr_.run_tag, "move", out_); }

  void save() {
    save_journal(o_.journal_file(), jr_);
    write_file_atomically(o_.evidence_file(),
                          to_json(make_evidence(m_, jr_, o_.clock.mono_ms())).dump(2) + "\n");
  }

  bool confirm_no_return(const MoveStep& s) {
    std::string question = fmt::format(
        "POINT OF NO RETURN: '{}' starts the new writers; from then on the new databases take writes the old "
        "ones do not have, and the move is not rolled back. Go on?",
        s.title);
    out_ << "\n" << question << "\n";
    if (o_.yes || (o_.confirm && o_.confirm(question))) {
      jr_.no_return_passed = true;
      save();
      out_ << "confirmed.\n";
      return true;
    }
    out_ << "Not confirmed: stopped before it. Run again with --yes (or answer yes) to go on, or "
            "--rollback.\n";
    return false;
  }

  bool run_step(const MoveStep& s, const std::string& label) {
    StepEntry& e = jr_.steps[s.id];
    if (e.status == "running") out_ << label << ": was interrupted; running it again\n";
    e.status = "running";
    e.digest = step_digest(s);
    ++e.attempts;
    e.started_at = o_.clock.wall_ms();
    for (const auto& svc : s.freezes) {  // the freeze starts before the stop is sent; a resume keeps it
      FreezeEntry& f = jr_.freezes[svc];
      if (f.stopped_mono < 0) f = {o_.clock.mono_ms(), -1, o_.clock.wall_ms(), 0, o_.clock.boot_id, ""};
    }
    save();
    out_ << label << " ..." << std::flush;
    std::int64_t start = o_.clock.mono_ms();
    std::string failure, output, summary;
    try {
      if (s.data) {
        PassResult r = movers_->run(*s.data, s.kind);
        summary = r.summary;
        if (!r.ok) {
          failure = fmt::format("{} differs: {}", s.data->slug(),
                                r.problems.empty() ? "not proven" : r.problems.front());
          for (const auto& p : r.problems) output += p + "\n";
        }
      } else {
        run_all(s.actions, "a command", failure, output);
      }
      if (failure.empty()) run_all(s.checks, "a check", failure, output);
    } catch (const std::exception& ex) {
      failure = ex.what();
      if (const auto* u = dynamic_cast<const UserError*>(&ex); u && !u->hint().empty()) output = u->hint();
    }
    StepEntry& done = jr_.steps[s.id];
    done.duration_ms += o_.clock.mono_ms() - start;
    done.finished_at = o_.clock.wall_ms();
    done.summary = mask_secrets(summary);
    done.error = mask_secrets(failure);
    if (!failure.empty()) {
      done.status = "failed";
      save();
      out_ << fmt::format(" FAILED: {}\n", mask_secrets(failure));
      if (!output.empty()) out_ << last_lines(output) << "\n";
      return false;
    }
    for (const auto& svc : s.thaws) {  // the new writers run: the freeze ends now
      FreezeEntry& f = jr_.freezes[svc];
      if (f.stopped_mono >= 0 && f.started_mono < 0) {
        f.started_mono = o_.clock.mono_ms();
        f.started_wall = o_.clock.wall_ms();
        f.started_boot_id = o_.clock.boot_id;
      }
    }
    done.status = "done";
    save();
    out_ << fmt::format(" ok ({}){}\n", model::format_duration(o_.clock.mono_ms() - start),
                        summary.empty() ? "" : ": " + mask_secrets(summary));
    return true;
  }

  void print_rollback(const MoveStep& failed) {
    out_ << fmt::format("\nStopped at {} ({}). Journal: {}\n", failed.id, failed.title,
                        o_.journal_file().string());
    if (jr_.no_return_passed) {
      out_ << "The move is past its point of no return: fix the cause and run --execute again (roll "
              "forward).\n";
      return;
    }
    out_ << "Fix the cause and run --execute again (steps done are skipped), or undo with --rollback, which "
            "runs, newest first:\n";
    for (const auto& id : rollback_order(m_, jr_)) {
      const MoveStep& s = *m_.find(id);
      if (s.rollback.empty()) out_ << fmt::format("  {}: {}\n", id, s.rollback_note);
      for (const auto& a : s.rollback)
        out_ << fmt::format("  {} [{}] {}\n", id, a.host.empty() ? "local" : a.host, a.command);
    }
  }

  runbook::Env env_for(const std::string& host) const {
    runbook::Env env = o_.env;
    env[runbook::kRunTagVariable] = jr_.run_tag;
    if (auto it = o_.docker_hosts.find(host); !host.empty() && it != o_.docker_hosts.end())
      env["DOCKER_HOST"] = it->second;
    return env;
  }

  // Runs `actions` in order; the first that fails sets `failure` and `output` and stops.
  void run_all(const std::vector<Action>& actions, const std::string& what, std::string& failure,
               std::string& output) {
    for (const auto& a : actions) {
      auto r = t_.run(a.host, a.command, env_for(a.host), o_.step_timeout);
      if (r.ok()) continue;
      const std::string where = a.host.empty() ? "here" : "on " + a.host;
      failure = r.timed_out ? fmt::format("{} {} timed out", what, where)
                            : fmt::format("{} {} exited {}", what, where, r.exit_code);
      output = a.command + "\n" + r.out + r.err;
      return;
    }
  }

  const Move& m_;
  runbook::Transport& t_;
  Movers* movers_;
  const ExecuteOptions& o_;
  std::ostream& out_;
  WorkLock lock_;  // before the journal is read: one run at a time per work folder
  Journal jr_;
};

}  // namespace

std::vector<std::string> rollback_order(const Move& move, const Journal& jr) {
  std::vector<std::string> out;
  for (auto it = move.steps.rbegin(); it != move.steps.rend(); ++it) {
    auto e = jr.steps.find(it->id);
    if (e == jr.steps.end()) continue;
    const std::string& st = e->second.status;
    if (st == "done" || st == "failed" || st == "running") out.push_back(it->id);
  }
  return out;
}

int execute_move(const Move& move, runbook::Transport& transport, Movers& movers,
                 const ExecuteOptions& options, std::ostream& out) {
  return Executor(move, transport, &movers, options, out).execute();
}

int rollback_move(const Move& move, runbook::Transport& transport, const ExecuteOptions& options,
                  std::ostream& out) {
  return Executor(move, transport, nullptr, options, out).rollback();
}

}  // namespace rehome::move
