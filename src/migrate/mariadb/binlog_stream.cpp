// mariadb-binlog, streaming the source's binary log as the script the follow applies. Chosen over the
// client library's binlog API (mariadb_rpl_* of libmariadb 3.3 in Debian's libmariadb-dev): that API
// hands out events, and rehome would have to turn Query events' status variables (sql_mode,
// character sets, time zone, default database, timestamps) back into session settings and re-encode
// row events itself; mariadb-binlog does both, as the tool for point-in-time recovery, and the
// target server decodes the row events from its BINLOG statements, exact for every column type.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/process.hpp"
#include "common/secrets.hpp"
#include "migrate/mariadb/follow_steps.hpp"

namespace rehome::migrate::mariadb {
namespace {

// An option file value in double quotes (backslash and quote escaped).
std::string option_value(const std::string& v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

BinlogStream::BinlogStream(const StreamSource& source, const BinlogPosition& start) {
  const auto program = require_program("mariadb-binlog", "mariadb-client");
  std::string pattern = (std::filesystem::temp_directory_path() / "rehome-binlog-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr)
    throw UserError(fmt::format("cannot create a private temp folder {}: {}", pattern, std::strerror(errno)),
                    "check TMPDIR");
  dir_ = pattern;  // mkdtemp: mode 0700
  stderr_file_ = dir_ / "mariadb-binlog.err";
  std::vector<std::string> argv = {program.string()};
  const auto& e = source.endpoint;
  if (e.has_password) {
    password_file_ = dir_ / "source.cnf";
    int fd = ::open(password_file_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
      throw UserError(fmt::format("cannot write {}: {}", password_file_.string(), std::strerror(errno)));
    std::string text = "[client]\npassword=" + option_value(e.password) + "\n";
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    if (!ok) throw UserError(fmt::format("cannot write {}", password_file_.string()));
    argv.push_back("--defaults-extra-file=" + password_file_.string());
  } else if (!source.defaults_file.empty()) {
    argv.push_back("--defaults-file=" + source.defaults_file);
  }
  argv.insert(argv.end(), {"--read-from-remote-server", "--protocol=TCP", "--host=" + e.host,
                           fmt::format("--port={}", e.port), "--stop-never",
                           fmt::format("--stop-never-slave-server-id={}", source.server_id),
                           fmt::format("--start-position={}", start.pos)});
  if (!e.user.empty()) argv.push_back("--user=" + e.user);
  if (!source.rewrite_db.empty()) argv.push_back("--rewrite-db=" + source.rewrite_db);
  argv.push_back(start.file);

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw UserError("cannot create a pipe for mariadb-binlog");
  int err_fd = ::open(stderr_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ == 0) {
    // Dies with rehome (a kill -9 must not leave it streaming), and holds none of rehome's connections:
    // an inherited socket would keep the follower's lock on the target after rehome died.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(1);
    ::dup2(pipe_fds[1], 1);
    if (err_fd >= 0) ::dup2(err_fd, 2);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::close_range(3, ~0U, 0);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  if (err_fd >= 0) ::close(err_fd);
  if (pid_ < 0) {
    ::close(pipe_fds[0]);
    throw UserError(fmt::format("cannot start mariadb-binlog: {}", std::strerror(errno)));
  }
  fd_ = pipe_fds[0];
}

BinlogStream::~BinlogStream() {
  if (fd_ >= 0) ::close(fd_);
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 200; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void BinlogStream::remove_password_file() {
  if (password_file_.empty()) return;
  std::error_code ec;
  std::filesystem::remove(password_file_, ec);
  password_file_.clear();
}

bool BinlogStream::read_lines(std::chrono::milliseconds wait, std::vector<std::string>& lines) {
  if (fd_ < 0) return false;
  pollfd p{fd_, POLLIN, 0};
  int ready = ::poll(&p, 1, static_cast<int>(wait.count()));
  if (ready < 0 && errno == EINTR) return true;
  if (ready <= 0) return true;
  char buffer[1 << 16];
  ssize_t n = ::read(fd_, buffer, sizeof buffer);
  if (n > 0) {
    remove_password_file();  // read at the program's start, before it printed anything
    partial_.append(buffer, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl; (nl = partial_.find('\n', start)) != std::string::npos; start = nl + 1)
      lines.emplace_back(partial_, start, nl - start);
    partial_.erase(0, start);
    return true;
  }
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  // End of output: the program exited.
  ::close(fd_);
  fd_ = -1;
  if (!partial_.empty()) lines.push_back(std::move(partial_));
  partial_.clear();
  int status = 0;
  if (pid_ > 0 && ::waitpid(pid_, &status, 0) == pid_) {
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    pid_ = -1;
  }
  remove_password_file();
  return false;
}

std::string BinlogStream::errors() const {
  std::ifstream in(stderr_file_);
  std::stringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  if (text.size() > 1000) text = "..." + text.substr(text.size() - 1000);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return mask_secrets(text);
}

}  // namespace rehome::migrate::mariadb
