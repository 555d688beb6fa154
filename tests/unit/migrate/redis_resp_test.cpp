// RespStream and the RESP writers over a socketpair: replies split across reads, nil values, error
// replies, a value bigger than the buffer.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "common/error.hpp"
#include "migrate/redis/resp.hpp"

using namespace rehome::migrate;

namespace {

struct SocketPair {
  SocketPair() { EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fd), 0); }
  ~SocketPair() {
    close(fd[0]);
    close(fd[1]);
  }
  // Writes `bytes` from the far end in pieces of `piece` bytes, so reads see partial replies.
  void feed(const std::string& bytes, size_t piece) const {
    for (size_t at = 0; at < bytes.size(); at += piece) {
      std::string part = bytes.substr(at, piece);
      ASSERT_EQ(write(fd[1], part.data(), part.size()), static_cast<ssize_t>(part.size()));
    }
  }
  int fd[2] = {-1, -1};
};

}  // namespace

TEST(RedisResp, WritesCommands) {
  std::string out;
  append_command(out, {"SET", "k", "v\r\n"});
  EXPECT_EQ(out, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nv\r\n\r\n");
  out.clear();
  append_array_header(out, 2);
  append_bulk(out, "");
  EXPECT_EQ(out, "*2\r\n$0\r\n\r\n");
}

TEST(RedisResp, ReadsRepliesSplitAcrossReads) {
  SocketPair pair;
  std::string big(300000, 'x');  // bigger than the reader's first buffer (256 kB)
  std::string replies = "*4\r\n$1\r\n0\r\n:-7\r\n$-1\r\n$" + std::to_string(big.size()) + "\r\n" + big +
                        "\r\n" + "+OK\r\n-ERR wrong\r\n+QUEUED\r\n*-1\r\n";
  std::thread writer([&] { pair.feed(replies, 3); });
  RespStream in(pair.fd[0], "the test Redis");
  EXPECT_EQ(in.array(), 4);
  EXPECT_EQ(in.bulk().value_or("?"), "0");
  EXPECT_EQ(in.integer(), -7);
  EXPECT_FALSE(in.bulk().has_value());
  EXPECT_EQ(in.bulk().value_or("?"), big);
  EXPECT_FALSE(in.status_or_error().has_value());
  EXPECT_EQ(in.status_or_error().value_or("?"), "ERR wrong");
  EXPECT_FALSE(in.status_or_error().has_value());
  EXPECT_EQ(in.array(), -1);
  writer.join();
}

TEST(RedisResp, ErrorRepliesAndSurprisesThrowWithTheServerNamed) {
  SocketPair pair;
  pair.feed("-WRONGTYPE Operation against a key\r\n:5\r\n", 1000);
  RespStream in(pair.fd[0], "the test Redis");
  try {
    in.array();
    FAIL() << "no throw";
  } catch (const rehome::UserError& e) {
    EXPECT_NE(std::string(e.what()).find("the test Redis replied WRONGTYPE"), std::string::npos) << e.what();
  }
  try {
    in.bulk();
    FAIL() << "no throw";
  } catch (const rehome::UserError& e) {
    EXPECT_NE(std::string(e.what()).find("unexpected reply ':5'"), std::string::npos) << e.what();
  }
}

TEST(RedisResp, ClosedConnectionThrows) {
  SocketPair pair;
  pair.feed("$5\r\nab", 1000);
  shutdown(pair.fd[1], SHUT_WR);
  RespStream in(pair.fd[0], "the test Redis");
  EXPECT_THROW(in.bulk(), rehome::UserError);
}
