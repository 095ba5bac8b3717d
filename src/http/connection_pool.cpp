#include "http/connection_pool.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>
#include <strings.h>

namespace memgpt::http::detail {

// ---- Connection ----------------------------------------------------------------------------------

Connection::Connection(int fd, SSL* ssl, std::string peer_ip, int peer_port)
    : fd_(fd), ssl_(ssl), handshake_done_(ssl == nullptr), peer_ip_(std::move(peer_ip)), peer_port_(peer_port) {}

Connection::~Connection() {
  if (ssl_) {
    if (handshake_done_) SSL_shutdown(ssl_);  // best effort: the socket is non-blocking
    SSL_free(ssl_);
  }
  ::close(fd_);
}

long Connection::raw_read(char* out, size_t size) {
  if (ssl_) {
    ERR_clear_error();
    int n = SSL_read(ssl_, out, static_cast<int>(std::min<size_t>(size, 1 << 30)));
    if (n > 0) return n;
    switch (SSL_get_error(ssl_, n)) {
      case SSL_ERROR_WANT_READ: want_write_ = false; return -2;
      case SSL_ERROR_WANT_WRITE: want_write_ = true; return -2;
      case SSL_ERROR_ZERO_RETURN: return 0;
      default: return -1;
    }
  }
  for (;;) {
    ssize_t n = ::recv(fd_, out, size, 0);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      want_write_ = false;
      return -2;
    }
    return -1;
  }
}

long Connection::raw_write(const char* data, size_t size) {
  if (ssl_) {
    ERR_clear_error();
    int n = SSL_write(ssl_, data, static_cast<int>(std::min<size_t>(size, 1 << 30)));
    if (n > 0) return n;
    switch (SSL_get_error(ssl_, n)) {
      case SSL_ERROR_WANT_READ: want_write_ = false; return -2;
      case SSL_ERROR_WANT_WRITE: want_write_ = true; return -2;
      default: return -1;
    }
  }
  for (;;) {
    ssize_t n = ::send(fd_, data, size, MSG_NOSIGNAL);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      want_write_ = true;
      return -2;
    }
    return -1;
  }
}

bool Connection::wait(short events, std::chrono::milliseconds timeout) const {
  pollfd p{fd_, events, 0};
  auto until = Clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
    if (left < 0) return false;
    int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1 << 30)));
    if (r > 0) return true;  // ready, or an error the next operation reports
    if (r == 0) return false;
    if (errno != EINTR) return false;
  }
}

Connection::Io Connection::pump(size_t max_bytes) {
  if (read_pos_ > 0) {
    buffer_.erase(0, read_pos_);
    read_pos_ = 0;
  }
  if (!handshake_done_) {
    ERR_clear_error();
    int r = SSL_accept(ssl_);
    if (r != 1) {
      int e = SSL_get_error(ssl_, r);
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        want_write_ = e == SSL_ERROR_WANT_WRITE;
        return Io::kWouldBlock;
      }
      return Io::kClosed;
    }
    handshake_done_ = true;
    want_write_ = false;
  }
  char chunk[16384];
  size_t got = 0;
  while (got < max_bytes) {
    long n = raw_read(chunk, std::min(sizeof chunk, max_bytes - got));
    if (n == -2) break;
    if (n <= 0) return got > 0 ? Io::kProgress : Io::kClosed;  // the end shows again next time
    buffer_.append(chunk, static_cast<size_t>(n));
    got += static_cast<size_t>(n);
  }
  return got > 0 ? Io::kProgress : Io::kWouldBlock;
}

long Connection::read(char* out, size_t size, std::chrono::milliseconds timeout) {
  if (read_limit_) {
    if (*read_limit_ == 0) return 0;
    size = std::min(size, *read_limit_);
  }
  long n = read_unlimited(out, size, timeout);
  if (read_limit_ && n > 0) *read_limit_ -= static_cast<size_t>(n);
  return n;
}

long Connection::read_unlimited(char* out, size_t size, std::chrono::milliseconds timeout) {
  if (read_pos_ >= buffer_.size()) {
    buffer_.clear();
    read_pos_ = 0;
    auto until = Clock::now() + timeout;
    char chunk[16384];
    for (;;) {
      long n = raw_read(chunk, sizeof chunk);
      if (n > 0) {
        buffer_.append(chunk, static_cast<size_t>(n));
        break;
      }
      if (n != -2) return n;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
      if (left.count() <= 0 || !wait(want_write_ ? POLLOUT : POLLIN, left)) return -1;
    }
  }
  size_t n = std::min(size, buffer_.size() - read_pos_);
  std::memcpy(out, buffer_.data() + read_pos_, n);
  read_pos_ += n;
  return static_cast<long>(n);
}

bool Connection::write(const char* data, size_t size, std::chrono::milliseconds timeout) {
  size_t done = 0;
  while (done < size) {
    long n = raw_write(data + done, size - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n != -2 || !wait(want_write_ ? POLLOUT : POLLIN, timeout)) return false;
  }
  return true;
}

bool Connection::alive() const {
  if (read_pos_ < buffer_.size()) return true;
  char c;
  ssize_t n = ::recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) return true;
  if (n == 0) return false;
  return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

// ---- request completeness ------------------------------------------------------------------------

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Whether a chunked body is complete (its last chunk and trailers are in `body`). A malformed
// size counts as complete: the HTTP parser answers 400 for it.
bool chunked_complete(std::string_view body) {
  size_t pos = 0;
  for (;;) {
    size_t eol = body.find('\n', pos);
    if (eol == std::string_view::npos) return false;
    std::string_view line = trim(body.substr(pos, eol - pos));
    line = line.substr(0, line.find(';'));
    if (line.empty() || line.size() > 16) return true;
    size_t size = 0;
    for (char ch : line) {
      int digit = std::isdigit(static_cast<unsigned char>(ch)) ? ch - '0'
                  : (ch >= 'a' && ch <= 'f')                    ? ch - 'a' + 10
                  : (ch >= 'A' && ch <= 'F')                    ? ch - 'A' + 10
                                                                : -1;
      if (digit < 0) return true;
      size = size * 16 + static_cast<size_t>(digit);
    }
    pos = eol + 1;
    if (size == 0) {  // trailers up to an empty line
      for (;;) {
        size_t end = body.find('\n', pos);
        if (end == std::string_view::npos) return false;
        if (trim(body.substr(pos, end - pos)).empty()) return true;
        pos = end + 1;
      }
    }
    if (size > body.size() - pos) return false;
    pos += size;
    size_t crlf = body.find('\n', pos);
    if (crlf == std::string_view::npos) return false;
    pos = crlf + 1;
  }
}

// What the poller needs from a request head: where it ends and how its body is framed.
struct Head {
  size_t end = 0;  // bytes of the request line and the headers, blank line included
  bool chunked = false, expect_continue = false, bad_length = false;
  std::optional<size_t> length;
};

// The head at the start of `unread`, when it is all there.
std::optional<Head> parse_head(std::string_view unread) {
  size_t crlf = unread.find("\r\n\r\n"), lf = unread.find("\n\n");
  size_t head_end = std::min(crlf == std::string_view::npos ? crlf : crlf + 4, lf == std::string_view::npos ? lf : lf + 2);
  if (head_end == std::string_view::npos) return std::nullopt;
  Head out;
  out.end = head_end;
  std::string_view head = unread.substr(0, head_end);
  size_t pos = head.find('\n') + 1;  // after the request line
  while (pos < head.size()) {
    size_t eol = head.find('\n', pos);
    std::string_view line = head.substr(pos, (eol == std::string_view::npos ? head.size() : eol) - pos);
    pos = eol == std::string_view::npos ? head.size() : eol + 1;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = trim(line.substr(0, colon)), value = trim(line.substr(colon + 1));
    if (iequals(name, "transfer-encoding")) {
      out.chunked = value.size() >= 7 && iequals(value.substr(value.size() - 7), "chunked");
    } else if (iequals(name, "expect")) {
      out.expect_continue = iequals(value, "100-continue");
    } else if (iequals(name, "content-length")) {
      size_t n = 0;
      bool valid = !value.empty() && value.size() <= 18;
      for (char ch : value) {
        if (!std::isdigit(static_cast<unsigned char>(ch))) valid = false;
        else n = n * 10 + static_cast<size_t>(ch - '0');
      }
      if (valid) out.length = n;
      else out.bad_length = true;
    }
  }
  return out;
}

}  // namespace

RequestState request_state(std::string_view unread, const ServerLimits& limits) {
  std::optional<Head> head = parse_head(unread);
  if (!head) return unread.size() > limits.max_header_bytes ? RequestState::kHeadTooLarge : RequestState::kIncomplete;
  if (head->end > limits.max_header_bytes) return RequestState::kHeadTooLarge;
  std::string_view body = unread.substr(head->end);
  if (head->bad_length) return RequestState::kReady;  // the HTTP parser answers 400
  // The client waits for "100 Continue" before it sends the body: the worker answers it.
  if (head->expect_continue) return RequestState::kReady;
  if (head->chunked) {
    return chunked_complete(body) || body.size() > limits.prebuffer_bytes ? RequestState::kReady
                                                                          : RequestState::kIncomplete;
  }
  const std::optional<size_t>& length = head->length;
  if (!length || body.size() >= *length) return RequestState::kReady;
  // Too large to hold here: the worker reads the rest (or answers 413 without reading it).
  if (*length > limits.prebuffer_bytes) return RequestState::kReady;
  return RequestState::kIncomplete;
}

std::optional<size_t> unframed_request_bytes(std::string_view unread) {
  std::optional<Head> head = parse_head(unread);
  if (!head || head->length || head->chunked) return std::nullopt;
  return head->end;
}

// ---- ConnectionPool ------------------------------------------------------------------------------

ConnectionPool::ConnectionPool(const ServerLimits& limits, SSL_CTX* tls, std::string overload_response,
                               std::string head_too_large_response, Serve serve)
    : limits_(limits), tls_(tls), overload_response_(std::move(overload_response)),
      head_too_large_response_(std::move(head_too_large_response)), serve_(std::move(serve)) {
  limits_.worker_threads = std::max<size_t>(1, limits_.worker_threads);
  in_flight_cap_ = limits_.max_in_flight_per_client > 0 ? limits_.max_in_flight_per_client
                                                        : std::max<size_t>(1, limits_.worker_threads / 2);
}

ConnectionPool::~ConnectionPool() {
  shutdown();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void ConnectionPool::start() {
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  poller_ = std::thread([this] { poller_loop(); });
  for (size_t i = 0; i < limits_.worker_threads; ++i) workers_.emplace_back([this] { worker_loop(); });
}

void ConnectionPool::wake_poller() {
  uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
}

void ConnectionPool::adopt(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  char ip[INET6_ADDRSTRLEN] = "";
  int port = 0;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    if (addr.ss_family == AF_INET) {
      auto* a = reinterpret_cast<sockaddr_in*>(&addr);
      ::inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
      port = ntohs(a->sin_port);
    } else if (addr.ss_family == AF_INET6) {
      auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
      ::inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
      port = ntohs(a->sin6_port);
    }
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  bool refused = false;
  {
    std::lock_guard lock(mu_);
    ClientState& client = clients_[ip];
    refused = stopping_ || open_total_ >= limits_.max_connections || client.open >= limits_.max_connections_per_client;
    if (!refused) {
      ++client.open;
      ++open_total_;
    } else if (client.open == 0 && client.in_flight == 0) {
      clients_.erase(ip);
    }
  }
  if (refused) {
    if (!tls_) (void)!::send(fd, overload_response_.data(), overload_response_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    ::close(fd);
    return;
  }
  SSL* ssl = nullptr;
  if (tls_) {
    ssl = SSL_new(tls_);
    if (ssl) SSL_set_fd(ssl, fd);
  }
  auto conn = std::make_unique<Connection>(fd, ssl, ip, port);
  conn->deadline = Clock::now() + limits_.header_timeout;
  if (tls_ && !ssl) return close(std::move(conn));
  {
    std::lock_guard lock(mu_);
    incoming_.push_back(std::move(conn));
  }
  wake_poller();
}

void ConnectionPool::give_turn_locked(const std::string& ip, ClientState& client) {
  if (!client.has_turn && !client.ready.empty() && client.in_flight < in_flight_cap_) {
    client.has_turn = true;
    turns_.push_back(ip);
    work_cv_.notify_one();
  }
}

void ConnectionPool::hand_to_workers(std::unique_ptr<Connection> conn) {
  std::lock_guard lock(mu_);
  std::string ip = conn->peer_ip();
  ClientState& client = clients_[ip];
  client.ready.push_back(std::move(conn));
  give_turn_locked(ip, client);
}

void ConnectionPool::close(std::unique_ptr<Connection> conn) {
  {
    std::lock_guard lock(mu_);
    auto it = clients_.find(conn->peer_ip());
    if (it != clients_.end()) {
      ClientState& client = it->second;
      if (client.open > 0) --client.open;
      if (client.open == 0 && client.in_flight == 0 && client.ready.empty() && !client.has_turn) clients_.erase(it);
    }
    if (open_total_ > 0) --open_total_;
  }
  conn.reset();
}

void ConnectionPool::poller_loop() {
  std::vector<std::unique_ptr<Connection>> waiting;
  std::vector<pollfd> fds;
  const size_t pump_bytes = limits_.prebuffer_bytes + limits_.max_header_bytes;
  for (;;) {
    std::vector<std::unique_ptr<Connection>> fresh;
    {
      std::lock_guard lock(mu_);
      if (stopping_) break;
      fresh.swap(incoming_);
    }
    for (auto& conn : fresh) {
      // A keep-alive connection back from a worker may already hold its next request.
      if (conn->first_byte_seen && request_state(conn->unread(), limits_) == RequestState::kReady) {
        hand_to_workers(std::move(conn));
      } else {
        waiting.push_back(std::move(conn));
      }
    }
    auto now = Clock::now();
    fds.assign(1, pollfd{wake_fd_, POLLIN, 0});
    long long timeout_ms = -1;
    for (const auto& conn : waiting) {
      fds.push_back(pollfd{conn->fd(), static_cast<short>(conn->want_write() ? POLLOUT : POLLIN), 0});
      long long left = std::chrono::duration_cast<std::chrono::milliseconds>(conn->deadline - now).count() + 1;
      left = std::max<long long>(left, 0);
      if (timeout_ms < 0 || left < timeout_ms) timeout_ms = left;
    }
    int r = ::poll(fds.data(), fds.size(), static_cast<int>(std::min<long long>(timeout_ms, 60000)));
    if (r < 0 && errno != EINTR) break;
    if (r > 0 && (fds[0].revents & POLLIN)) {
      uint64_t drained;
      (void)!::read(wake_fd_, &drained, sizeof drained);
    }
    now = Clock::now();
    for (size_t i = waiting.size(); i-- > 0;) {
      Connection& conn = *waiting[i];
      bool ready = false, drop = false;
      if (r > 0 && fds[i + 1].revents != 0) {
        Connection::Io io = conn.pump(pump_bytes);
        if (io == Connection::Io::kClosed) {
          drop = true;
        } else if (io == Connection::Io::kProgress) {
          if (!conn.first_byte_seen) {
            conn.first_byte_seen = true;
            conn.deadline = now + limits_.header_timeout;
          }
          RequestState state = request_state(conn.unread(), limits_);
          ready = state == RequestState::kReady;
          drop = state == RequestState::kHeadTooLarge;
          if (drop && !conn.tls()) {
            (void)!::send(conn.fd(), head_too_large_response_.data(), head_too_large_response_.size(),
                          MSG_NOSIGNAL | MSG_DONTWAIT);
          }
        }
      }
      if (!ready && !drop && now >= conn.deadline) drop = true;  // the head (or body) took too long
      if (!ready && !drop) continue;
      std::unique_ptr<Connection> done = std::move(waiting[i]);
      waiting[i] = std::move(waiting.back());  // entries after i are already handled
      waiting.pop_back();
      if (ready) hand_to_workers(std::move(done));
      else close(std::move(done));
    }
  }
  for (auto& conn : waiting) close(std::move(conn));
  std::vector<std::unique_ptr<Connection>> rest;
  {
    std::lock_guard lock(mu_);
    rest.swap(incoming_);
  }
  for (auto& conn : rest) close(std::move(conn));
}

void ConnectionPool::worker_loop() {
  for (;;) {
    std::unique_ptr<Connection> conn;
    std::string ip;
    bool stopping = false;
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock, [&] { return !turns_.empty() || stopping_; });
      if (turns_.empty()) return;  // stopping, and nothing received is left to answer
      ip = std::move(turns_.front());
      turns_.pop_front();
      ClientState& client = clients_[ip];
      client.has_turn = false;
      conn = std::move(client.ready.front());
      client.ready.pop_front();
      ++client.in_flight;
      give_turn_locked(ip, client);  // its next request, when it has room for one more
      stopping = stopping_;
    }
    bool close_connection = stopping || conn->requests_served + 1 >= limits_.max_requests_per_connection;
    // A request with neither a valid Content-Length nor chunked Transfer-Encoding has no body
    // (RFC 9112 6.3); the HTTP parser would read one until the client closes, or the read
    // timeout (for "Content-Length: -5" too, which it reads as 2^64 - 5).
    conn->set_read_limit(unframed_request_bytes(conn->unread()));
    bool keep = serve_(*conn, close_connection) && !close_connection;
    conn->set_read_limit(std::nullopt);
    ++conn->requests_served;
    {
      std::lock_guard lock(mu_);
      ClientState& client = clients_[ip];
      --client.in_flight;
      give_turn_locked(ip, client);
      keep = keep && !stopping_;
      if (keep) {
        conn->first_byte_seen = !conn->unread().empty();
        conn->deadline = Clock::now() + (conn->first_byte_seen ? limits_.header_timeout : limits_.keep_alive_timeout);
        incoming_.push_back(std::move(conn));
      }
    }
    if (keep) wake_poller();
    else close(std::move(conn));
  }
}

void ConnectionPool::shutdown() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  work_cv_.notify_all();
  if (wake_fd_ >= 0) wake_poller();
  if (poller_.joinable()) poller_.join();
  for (auto& w : workers_) {
    if (w.joinable()) w.join();
  }
}

}  // namespace memgpt::http::detail
