#pragma once
// One run at a time per work folder: an exclusive flock(2) on a lock file beside the run's journal or
// state, held for this object's life. The kernel releases it when the process ends, kill -9 included,
// so a killed run never blocks the next; the file is opened close-on-exec, so the commands a run
// starts never hold it after it died. A second run while the first still runs is refused, naming the
// lock and the holder's pid, instead of two runs writing one journal (and the second ending the
// first's commands as "left running").
#include <filesystem>
#include <string>

namespace rehome {

class WorkLock {
 public:
  // `what` names the run in the refusal ("rehome move"). Creates the folder. UserError when held.
  WorkLock(const std::filesystem::path& path, const std::string& what);
  ~WorkLock();
  WorkLock(const WorkLock&) = delete;
  WorkLock& operator=(const WorkLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace rehome
