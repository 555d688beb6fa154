// ssh:// Docker engines: the address (user, host, port, remote socket; a password refused) and the
// ssh command line that forwards the socket (no prompt, the user's own ssh and its config).
#include <gtest/gtest.h>

#include "common/error.hpp"
#include "engines/ssh_tunnel.hpp"

namespace rehome::engines {
namespace {

TEST(SshEngine, AddressWithDefaultsPortAndSocket) {
  SshEngine plain = parse_ssh_engine("ssh://deploy@gmktec", "--to-engine");
  EXPECT_EQ(plain.user, "deploy");
  EXPECT_EQ(plain.host, "gmktec");
  EXPECT_EQ(plain.port, 0);
  EXPECT_EQ(plain.socket, "/var/run/docker.sock");
  EXPECT_EQ(plain.display, "ssh://deploy@gmktec/var/run/docker.sock");
  SshEngine full = parse_ssh_engine("ssh://10.0.0.84:2222/run/user/1000/docker.sock", "--from-engine");
  EXPECT_EQ(full.user, "");
  EXPECT_EQ(full.port, 2222);
  EXPECT_EQ(full.socket, "/run/user/1000/docker.sock");
}

TEST(SshEngine, APasswordInTheAddressIsRefusedWithoutShowingIt) {
  try {
    parse_ssh_engine("ssh://deploy:hunter2@gmktec", "--to-engine");
    FAIL() << "accepted a password";
  } catch (const UserError& e) {
    EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--to-engine"), std::string::npos) << e.what();
  }
}

TEST(SshEngine, ForwardingCommandNeverPromptsAndTakesTheUsersSsh) {
  SshEngine e = parse_ssh_engine("ssh://deploy@gmktec:2222/srv/docker.sock", "--to-engine");
  auto argv = ssh_forward_argv(e, "/tmp/rehome-ssh-x/docker.sock", "ssh -F /home/me/move_config");
  std::vector<std::string> want = {"ssh",
                                   "-F",
                                   "/home/me/move_config",
                                   "-o",
                                   "BatchMode=yes",
                                   "-o",
                                   "ExitOnForwardFailure=yes",
                                   "-o",
                                   "StreamLocalBindUnlink=yes",
                                   "-o",
                                   "ConnectTimeout=20",
                                   "-o",
                                   "ServerAliveInterval=15",
                                   "-o",
                                   "ServerAliveCountMax=4",
                                   "-n",
                                   "-N",
                                   "-T",
                                   "-L",
                                   "/tmp/rehome-ssh-x/docker.sock:/srv/docker.sock",
                                   "-p",
                                   "2222",
                                   "-l",
                                   "deploy",
                                   "--",
                                   "gmktec"};
  EXPECT_EQ(argv, want);
  EXPECT_EQ(ssh_forward_argv(e, "/l", "").front(), "ssh");
}

}  // namespace
}  // namespace rehome::engines
