// Why migrate redis reads replies with its own RespStream rather than hiredis' redisReader: the copy's
// hot path is MGET replies of a batch of string values. Both readers here take the same bytes from a
// socket (a writer thread on the other end of a socketpair): 100 replies of 1,000 values of 64 bytes.
// RespStream hands out each value in place; redisReader builds a redisReply per element (malloc and
// copy) that the caller frees. items_per_second is values read.
//   bench_resp [--benchmark_filter=...]
#include <benchmark/benchmark.h>
#include <hiredis/hiredis.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "migrate/redis/resp.hpp"

namespace {

constexpr int replies = 100, values_per_reply = 1000;

std::string mget_replies() {
  std::string out;
  for (int r = 0; r < replies; ++r) {
    rehome::migrate::append_array_header(out, values_per_reply);
    for (int v = 0; v < values_per_reply; ++v)
      rehome::migrate::append_bulk(out, std::string(64, 'a' + v % 26));
  }
  return out;
}

// Runs `read` on one end of a socketpair while a thread writes `bytes` into the other.
template <typename Read>
void over_socket(const std::string& bytes, Read read) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) std::abort();
  std::thread writer([&] {
    size_t at = 0;
    while (at < bytes.size()) {
      ssize_t n = ::write(fds[1], bytes.data() + at, bytes.size() - at);
      if (n <= 0) break;
      at += static_cast<size_t>(n);
    }
  });
  read(fds[0]);
  writer.join();
  ::close(fds[0]);
  ::close(fds[1]);
}

void BM_RespStream(benchmark::State& state) {
  const std::string bytes = mget_replies();
  size_t total = 0;
  for (auto _ : state) {
    over_socket(bytes, [&](int fd) {
      rehome::migrate::RespStream stream(fd, "bench");
      for (int r = 0; r < replies; ++r) {
        int64_t n = stream.array();
        for (int64_t v = 0; v < n; ++v) total += stream.bulk()->size();
      }
    });
  }
  benchmark::DoNotOptimize(total);
  state.SetItemsProcessed(state.iterations() * replies * values_per_reply);
}

void BM_HiredisReader(benchmark::State& state) {
  const std::string bytes = mget_replies();
  size_t total = 0;
  std::vector<char> buf(1 << 18);  // the same read size as RespStream's buffer
  for (auto _ : state) {
    over_socket(bytes, [&](int fd) {
      redisReader* reader = redisReaderCreate();
      int got = 0;
      while (got < replies) {
        ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n <= 0) std::abort();
        redisReaderFeed(reader, buf.data(), static_cast<size_t>(n));
        void* reply = nullptr;
        while (redisReaderGetReply(reader, &reply) == REDIS_OK && reply != nullptr) {
          auto* r = static_cast<redisReply*>(reply);
          for (size_t v = 0; v < r->elements; ++v) total += r->element[v]->len;
          freeReplyObject(reply);
          ++got;
        }
      }
      redisReaderFree(reader);
    });
  }
  benchmark::DoNotOptimize(total);
  state.SetItemsProcessed(state.iterations() * replies * values_per_reply);
}

BENCHMARK(BM_RespStream)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HiredisReader)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
