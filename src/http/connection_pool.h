// The connection machinery behind HttpServer (internal to http/): accepted sockets wait in one
// poller thread until a whole request is buffered (or its deadline passes), then take turns per
// client address on a fixed pool of workers. See http_server.h for the guarantees.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "http/http_server.h"

namespace memgpt::http::detail {

using Clock = std::chrono::steady_clock;

// One accepted connection (plain or TLS), non-blocking. Owned by one thread at a time: the
// poller while it waits for a request, a worker while the request is served.
class Connection {
 public:
  Connection(int fd, SSL* ssl, std::string peer_ip, int peer_port);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  int fd() const { return fd_; }
  const std::string& peer_ip() const { return peer_ip_; }
  int peer_port() const { return peer_port_; }
  bool tls() const { return ssl_ != nullptr; }

  enum class Io { kProgress, kWouldBlock, kClosed };
  // Poller side: advances the TLS handshake and appends what can be read without blocking
  // (at most `max_bytes`). kWouldBlock when nothing was there; want_write() says which way.
  Io pump(size_t max_bytes);
  bool want_write() const { return want_write_; }

  // Worker side: reads up to `size` bytes (buffered ones first), waiting up to `timeout`;
  // 0 at end of stream, -1 on error or timeout.
  long read(char* out, size_t size, std::chrono::milliseconds timeout);
  // Writes everything, waiting up to `timeout` for each part; false when the peer is gone.
  bool write(const char* data, size_t size, std::chrono::milliseconds timeout);
  // True while the peer has not closed the connection (what is buffered stays buffered).
  bool alive() const;
  // When set, read() returns end of stream after that many more bytes (the end of a request
  // whose length only the poller knows); nullopt lifts it.
  void set_read_limit(std::optional<size_t> bytes) { read_limit_ = bytes; }

  // The unread bytes received so far.
  std::string_view unread() const { return std::string_view(buffer_).substr(read_pos_); }

  Clock::time_point deadline;
  bool first_byte_seen = false;
  size_t requests_served = 0;

 private:
  long read_unlimited(char* out, size_t size, std::chrono::milliseconds timeout);
  long raw_read(char* out, size_t size);  // -2: would block
  long raw_write(const char* data, size_t size);  // -2: would block
  bool wait(short events, std::chrono::milliseconds timeout) const;

  int fd_;
  SSL* ssl_;
  bool handshake_done_;
  bool want_write_ = false;
  std::string peer_ip_;
  int peer_port_;
  std::string buffer_;
  size_t read_pos_ = 0;
  std::optional<size_t> read_limit_;
};

// Whether the bytes of `unread` hold a whole request (head, and a body up to `prebuffer`).
enum class RequestState { kIncomplete, kReady, kHeadTooLarge };
RequestState request_state(std::string_view unread, const ServerLimits& limits);
// The bytes of the request at the start of `unread` when it has no body framing (neither a
// valid Content-Length nor chunked Transfer-Encoding): its head. nullopt when it is framed, or
// its head is not all there.
std::optional<size_t> unframed_request_bytes(std::string_view unread);

class ConnectionPool {
 public:
  // Serves one request of the connection on a worker; returns false when the connection must
  // close. `close_connection` asks the response to close it.
  using Serve = std::function<bool(Connection&, bool close_connection)>;
  // Written (plain HTTP only, best effort) before closing a connection: `overload_response` when
  // it is refused for the caps, `head_too_large_response` when its head passes the limit.
  ConnectionPool(const ServerLimits& limits, SSL_CTX* tls, std::string overload_response,
                 std::string head_too_large_response, Serve serve);
  ~ConnectionPool();

  void start();
  // Takes an accepted socket (any thread); refuses it when its client is over the caps.
  void adopt(int fd);
  // Closes waiting connections, answers the requests already received, joins the threads.
  void shutdown();

 private:
  struct ClientState {
    size_t open = 0;
    size_t in_flight = 0;
    std::deque<std::unique_ptr<Connection>> ready;
    bool has_turn = false;
  };

  void poller_loop();
  void worker_loop();
  void wake_poller();
  void hand_to_workers(std::unique_ptr<Connection> conn);
  void give_turn_locked(const std::string& ip, ClientState& client);
  void close(std::unique_ptr<Connection> conn);

  ServerLimits limits_;
  size_t in_flight_cap_;
  SSL_CTX* tls_;
  std::string overload_response_;
  std::string head_too_large_response_;
  Serve serve_;
  int wake_fd_ = -1;

  std::mutex mu_;
  std::condition_variable work_cv_;
  bool stopping_ = false;
  size_t open_total_ = 0;
  std::unordered_map<std::string, ClientState> clients_;
  std::deque<std::string> turns_;  // clients with a ready request and room on the workers
  std::vector<std::unique_ptr<Connection>> incoming_;  // for the poller

  std::thread poller_;
  std::vector<std::thread> workers_;
};

}  // namespace memgpt::http::detail
