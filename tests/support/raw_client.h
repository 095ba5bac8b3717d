// A raw TCP client of a server on loopback, for tests that must send bytes no HTTP client
// would (pipelined requests, a head that never ends, a request cut short).
#pragma once

#include <string>

namespace memgpt::testing {

// A socket to 127.0.0.1:port from `source` (another loopback address is another client),
// closed on destruction.
class RawClient {
 public:
  explicit RawClient(int port, const char* source = "127.0.0.1");
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }
  bool send(const std::string& data);
  // What the server sends until it closes the connection or `timeout_ms` passes without data.
  std::string receive(int timeout_ms);
  bool closed_by_server() const { return closed_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
};

}  // namespace memgpt::testing
