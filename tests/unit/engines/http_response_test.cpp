#include <gtest/gtest.h>

#include "common/error.hpp"
#include "engines/docker_client.hpp"
#include "engines/http_response.hpp"

using namespace rehome;
using namespace rehome::engines;

TEST(HttpResponse, ContentLength) {
  std::string raw =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"a\":12345}";
  ASSERT_TRUE(response_complete(raw));
  auto r = parse_http_response(raw, "sock");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->headers.at("content-type"), "application/json");
  EXPECT_EQ(r->body, "{\"a\":12345}");
  EXPECT_FALSE(response_complete(raw.substr(0, raw.size() - 1)));
}

TEST(HttpResponse, ChunkedWithExtensionsAndSplitChunks) {
  std::string raw =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "4\r\n[1,2\r\n"
      "a;ext=1\r\n,3,4,5,6,7\r\n"
      "1\r\n]\r\n"
      "0\r\n\r\n";
  ASSERT_TRUE(response_complete(raw));
  EXPECT_FALSE(response_complete(raw.substr(0, raw.size() - 5)));
  auto r = parse_http_response(raw, "sock");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "[1,2,3,4,5,6,7]");
}

TEST(HttpResponse, MalformedAndForeign) {
  EXPECT_FALSE(parse_http_response("SSH-2.0-OpenSSH_9.2\r\n\r\n", "sock"));
  EXPECT_FALSE(parse_http_response("", "sock"));
  EXPECT_THROW(parse_http_response(
                   "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nxx\r\n0\r\n\r\n", "sock"),
               UserError);
  EXPECT_THROW(
      parse_http_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nshort", "sock"),
      UserError);
  EXPECT_THROW(parse_http_response("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", "sock"), UserError);
  EXPECT_THROW(parse_http_response("HTTP/1.1 200 OK\r\nContent-Le", "sock"), UserError);
  auto nobody = parse_http_response("HTTP/1.1 204 No Content\r\n\r\n", "sock");
  ASSERT_TRUE(nobody);
  EXPECT_EQ(nobody->status, 204);
  EXPECT_TRUE(response_complete("HTTP/1.1 204 No Content\r\n\r\n"));
}

TEST(DockerHost, SocketPaths) {
  EXPECT_EQ(socket_path_from_host("unix:///tmp/d.sock", nullptr), "/tmp/d.sock");
  EXPECT_EQ(socket_path_from_host("/tmp/d.sock", nullptr), "/tmp/d.sock");
  EXPECT_EQ(socket_path_from_host("", "unix:///run/user/1000/docker.sock"), "/run/user/1000/docker.sock");
  EXPECT_EQ(socket_path_from_host("", "tcp://10.0.0.1:2375"), "/var/run/docker.sock");
  EXPECT_EQ(socket_path_from_host("", nullptr), "/var/run/docker.sock");
  EXPECT_THROW(socket_path_from_host("tcp://10.0.0.1:2375", nullptr), UserError);
  EXPECT_THROW(socket_path_from_host("unix://", nullptr), UserError);
}
