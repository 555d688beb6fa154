// AttachedStream's writes against a stand-in engine on a unix socket that answers the attach and then
// reads nothing (what dockerd does for minutes once the attached container exited).
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "engines/docker_stream.hpp"

namespace rehome::engines {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

class SilentEngine {
 public:
  SilentEngine() {
    path_ = fs::temp_directory_path() / ("rehome-silent-engine-" + std::to_string(::getpid()) + ".sock");
    fs::remove(path_);
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path_.c_str());
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listen_fd_, 1), 0);
    thread_ = std::thread([this] {
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      std::string head;
      char c;
      while (head.find("\r\n\r\n") == std::string::npos && ::read(fd, &c, 1) == 1) head += c;
      const std::string answer = "HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n";
      (void)!::write(fd, answer.data(), answer.size());
      while (!done_) std::this_thread::sleep_for(20ms);  // reads nothing more
      ::close(fd);
    });
  }
  ~SilentEngine() {
    done_ = true;
    thread_.join();
    ::close(listen_fd_);
    fs::remove(path_);
  }
  std::string path() const { return path_.string(); }

 private:
  fs::path path_;
  int listen_fd_ = -1;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

TEST(AttachedStream, AWriteToAContainerThatStoppedEndsOnceTheEngineSaysSo) {
  SilentEngine engine;
  AttachedStream stream(engine.path(), "helper", 600s);
  int asked = 0;
  const std::string lots(64 << 20, 'x');  // far more than the socket buffers hold
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(stream.write_stdin(lots, [&] { return ++asked >= 2; }), ContainerGone);
  EXPECT_EQ(asked, 2);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  EXPECT_FALSE(stream.stalled());
}

TEST(AttachedStream, AnEngineThatTakesNothingForTheIdleLimitIsStalled) {
  SilentEngine engine;
  AttachedStream stream(engine.path(), "helper", 2s);
  const std::string lots(64 << 20, 'x');
  const auto start = std::chrono::steady_clock::now();
  try {
    stream.write_stdin(lots, [] { return false; });
    FAIL() << "the write returned";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("nothing moved for the stream's idle limit"), std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(stream.stalled());
  EXPECT_GE(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

}  // namespace
}  // namespace rehome::engines
