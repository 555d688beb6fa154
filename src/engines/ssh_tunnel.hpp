#pragma once
// An ssh:// Docker engine (ssh://[user@]host[:port][/path/to/docker.sock]) reached the way
// `docker -H ssh://` reaches one, with nothing installed on the server: the user's own ssh client
// forwards a local unix socket to the remote engine's socket (ssh -L local.sock:remote.sock -N), and
// every Engine API call goes through that local socket. Keys and host keys come from the user's ssh
// config and agent; ssh runs with BatchMode=yes, so it never asks for a password (none is ever in
// argv). REHOME_SSH_COMMAND replaces "ssh" (split on spaces, like GIT_SSH_COMMAND: "ssh -F my_config").
// The remote socket defaults to /var/run/docker.sock; the ssh user must be allowed to use it (root or
// the docker group) and the server must allow stream-local forwarding (sshd's default).
#include <sys/types.h>

#include <string>
#include <vector>

#include "engines/url.hpp"

namespace rehome::engines {

struct SshEngine {
  std::string user;  // empty: ssh's default (the config's User, or the local user)
  std::string host;
  int port = 0;  // 0: ssh's default
  std::string socket = "/var/run/docker.sock";
  std::string display;  // ssh://user@host:port/socket, for messages (no password can be in it)
};

// Parses an ssh:// engine address; UserError naming `flag` when malformed or when it carries a
// password (ssh takes keys, never a password in the URL).
SshEngine parse_ssh_engine(const std::string& text, const std::string& flag);

// The ssh command line that forwards `local_socket` to the engine's socket (pure, for tests and messages).
std::vector<std::string> ssh_forward_argv(const SshEngine& engine, const std::string& local_socket,
                                          const std::string& ssh_command);

class SshTunnel {
 public:
  // Starts ssh and waits until the local socket answers the engine's /_ping; UserError with ssh's own
  // message (authentication, host key, unreachable host) or the engine's silence otherwise.
  explicit SshTunnel(const SshEngine& engine);
  ~SshTunnel();  // stops its ssh by pid and removes the local socket's folder
  SshTunnel(const SshTunnel&) = delete;
  SshTunnel& operator=(const SshTunnel&) = delete;
  const std::string& socket_path() const { return socket_; }

 private:
  void stop();
  std::string dir_, socket_;
  pid_t pid_ = -1;
};

}  // namespace rehome::engines
