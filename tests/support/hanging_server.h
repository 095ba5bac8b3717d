// A server on loopback that accepts connections, reads what is sent and never answers: the
// hung LLM server of issue 11 (a model that takes the request and goes silent). Counts the
// requests that arrived, so a test can assert on attempts rather than on wall time.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace memgpt::testing {

class HangingServer {
 public:
  HangingServer() = default;
  ~HangingServer();
  HangingServer(const HangingServer&) = delete;
  HangingServer& operator=(const HangingServer&) = delete;

  // Listens on 127.0.0.1 at a free port; returns the port (0 on failure).
  int start();
  void stop();  // closes every connection
  std::string base_url() const;  // http://127.0.0.1:<port>/v1

  // Requests whose headers arrived (one per connection: nothing is ever answered).
  int requests() const;
  // Waits until at least `n` requests arrived (false after `timeout_ms`).
  bool wait_for_requests(int n, int timeout_ms = 10000) const;
  // The raw text of every request so far (headers and the body received).
  std::vector<std::string> request_texts() const;

 private:
  void serve();
  int listen_fd_ = -1;
  int wake_pipe_[2] = {-1, -1};
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<std::string> texts_;  // per connection
  int requests_ = 0;
};

}  // namespace memgpt::testing
