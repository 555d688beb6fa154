#pragma once
// A small worker pool: N workers take tasks from a shared counter until none are left or one fails.
// The first failure stops the others from taking new tasks and is rethrown to the caller.
#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace rehome::migrate {

class StopFlag {
 public:
  bool stopped() const { return stopped_.load(std::memory_order_relaxed); }
  void stop() { stopped_.store(true); }

 private:
  std::atomic<bool> stopped_{false};
};

// `make_worker(worker_index)` builds a worker's state (e.g. its connections) and returns the function
// that runs one task on it; it is called inside the worker thread, so connection errors surface too.
template <typename MakeWorker>
void run_parallel(int workers, size_t tasks, StopFlag& stop, MakeWorker make_worker) {
  std::atomic<size_t> next{0};
  std::exception_ptr first_error;
  std::mutex error_mutex;
  std::vector<std::thread> threads;
  int n = static_cast<int>(
      std::min<size_t>(static_cast<size_t>(std::max(workers, 1)), std::max<size_t>(tasks, 1)));
  for (int w = 0; w < n; ++w) {
    threads.emplace_back([&, w] {
      try {
        auto run_task = make_worker(w);
        for (size_t i; !stop.stopped() && (i = next.fetch_add(1)) < tasks;) run_task(i);
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!first_error) first_error = std::current_exception();
        stop.stop();
      }
    });
  }
  for (auto& t : threads) t.join();
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace rehome::migrate
