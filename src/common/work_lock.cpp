#include "common/work_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "common/error.hpp"

namespace rehome {

WorkLock::WorkLock(const std::filesystem::path& path, const std::string& what) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw UserError(fmt::format("{}: cannot open the lock file: {}", path.string(), std::strerror(errno)),
                    "check that the work folder is writable");
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char buf[32] = {};
    const ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
    const std::string holder = n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string("?");
    ::close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK)
      throw UserError(fmt::format("{}: another {} is running on this work folder (pid {})", path.string(),
                                  what, holder.substr(0, holder.find('\n'))),
                      "wait until it ends (or stop it: a killed run releases the folder at once), then run "
                      "the same command again");
    throw UserError(fmt::format("{}: cannot lock: {}", path.string(), std::strerror(err)));
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) == 0) (void)!::pwrite(fd_, pid.data(), pid.size(), 0);
}

WorkLock::~WorkLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock; the file stays (removing it would race a new run)
}

}  // namespace rehome
