#include "engines/ssh_tunnel.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <thread>

#include "common/error.hpp"
#include "engines/docker_stream.hpp"

extern char** environ;

namespace rehome::engines {

SshEngine parse_ssh_engine(const std::string& text, const std::string& flag) {
  Url url = parse_url(text, flag);
  if (url.scheme != "ssh" || url.host.empty())
    throw UserError(flag + " " + url.masked() + ": not an ssh://[user@]host[:port] engine address",
                    "pass " + flag + " ssh://user@host (or unix:///path/docker.sock)");
  if (url.has_password)
    throw UserError(flag + " " + url.masked() + ": a password in an ssh:// address is never used",
                    "remove it: ssh logs in with your keys (ssh config or agent), as `ssh user@host` does");
  SshEngine e;
  e.user = url.user;
  e.host = url.host;
  e.port = url.port;
  if (!url.path.empty() && url.path != "/") e.socket = url.path;
  e.display = "ssh://";
  if (!e.user.empty()) e.display.append(e.user).append("@");
  e.display.append(e.host);
  if (e.port) e.display.append(":").append(std::to_string(e.port));
  e.display.append(e.socket);
  return e;
}

std::vector<std::string> ssh_forward_argv(const SshEngine& engine, const std::string& local_socket,
                                          const std::string& ssh_command) {
  std::vector<std::string> argv;
  std::istringstream words(ssh_command.empty() ? std::string("ssh") : ssh_command);
  for (std::string w; words >> w;) argv.push_back(w);
  if (argv.empty()) argv.push_back("ssh");
  for (const char* o : {"BatchMode=yes", "ExitOnForwardFailure=yes", "StreamLocalBindUnlink=yes",
                        "ConnectTimeout=20", "ServerAliveInterval=15", "ServerAliveCountMax=4"}) {
    argv.push_back("-o");
    argv.push_back(o);
  }
  std::string forward = local_socket;
  forward.append(":").append(engine.socket);
  argv.insert(argv.end(), {"-n", "-N", "-T", "-L", forward});
  if (engine.port) argv.insert(argv.end(), {"-p", std::to_string(engine.port)});
  if (!engine.user.empty()) argv.insert(argv.end(), {"-l", engine.user});
  argv.insert(argv.end(), {"--", engine.host});
  return argv;
}

namespace {

std::string read_text(const std::string& path) {
  std::string out;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

// True when the engine answers GET /_ping through the socket.
bool engine_answers(const std::string& socket) {
  try {
    DockerApi api(socket);
    return api.call("GET", "/_ping").status == 200;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

SshTunnel::SshTunnel(const SshEngine& engine) {
  char templ[] = "/tmp/rehome-ssh-XXXXXX";
  if (!::mkdtemp(templ))
    throw UserError(std::string("cannot make a folder in /tmp: ") + std::strerror(errno));
  dir_ = templ;  // 0700: only this user reaches the forwarded engine
  socket_ = dir_ + "/docker.sock";
  const char* command = std::getenv("REHOME_SSH_COMMAND");
  std::vector<std::string> argv = ssh_forward_argv(engine, socket_, command ? command : "ssh");
  const std::string log = dir_ + "/ssh.err";
  std::string login = engine.user;
  if (!login.empty()) login.append("@");
  login.append(engine.host);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  int rc = ::posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    stop();
    throw UserError(
        "cannot start " + argv[0] + " for the engine " + engine.display + ": " + std::strerror(rc),
        "install the ssh client (Debian: openssh-client) or set REHOME_SSH_COMMAND");
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(40);
  while (true) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      std::string said = read_text(log);
      stop();
      throw UserError(
          "ssh to the engine " + engine.display + " stopped: " +
              (said.empty() ? "exit " + std::to_string(WEXITSTATUS(status)) : said.substr(0, 600)),
          "check that `ssh " + (engine.user.empty() ? "" : engine.user + "@") + engine.host +
              " true` works without a prompt (a key from your ssh config or agent, the host key "
              "already known), and that the server allows forwarding to " +
              engine.socket);
    }
    struct stat st;
    if (::stat(socket_.c_str(), &st) == 0) {
      if (engine_answers(socket_)) return;
      std::string said = read_text(log);
      stop();
      throw UserError("ssh reached " + engine.host + ", but no Docker engine answered on " + engine.socket +
                          (said.empty() ? std::string() : ": " + said.substr(0, 600)),
                      "check that dockerd runs there and that the ssh user may use its socket (root or "
                      "the docker group); name another socket as " +
                          std::string("ssh://user@host/path/to/docker.sock"));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      std::string said = read_text(log);
      stop();
      throw UserError("ssh to the engine " + engine.display + " did not connect within 40 s" +
                          (said.empty() ? std::string() : ": " + said.substr(0, 600)),
                      "check that the host is reachable: ssh " + engine.host + " true");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

SshTunnel::~SshTunnel() { stop(); }

void SshTunnel::stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

}  // namespace rehome::engines
