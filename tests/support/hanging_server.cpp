#include "support/hanging_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

namespace memgpt::testing {

HangingServer::~HangingServer() { stop(); }

int HangingServer::start() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listen_fd_ < 0) return 0;
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listen_fd_, 64) != 0 || ::pipe(wake_pipe_) != 0) {
    stop();
    return 0;
  }
  socklen_t len = sizeof(addr);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { serve(); });
  return port_;
}

void HangingServer::serve() {
  struct Connection {
    int fd;
    size_t index;  // into texts_
    bool counted = false;
  };
  std::vector<Connection> connections;
  for (;;) {
    std::vector<pollfd> fds{{wake_pipe_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    for (const auto& c : connections) fds.push_back({c.fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), -1) < 0) continue;
    if (fds[0].revents) break;
    if (fds[1].revents & POLLIN) {
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd >= 0) {
        std::lock_guard lock(mu_);
        texts_.emplace_back();
        connections.push_back({fd, texts_.size() - 1});
      }
    }
    for (size_t i = 2; i < fds.size(); ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      Connection& c = connections[i - 2];
      char buf[4096];
      ssize_t n = ::read(c.fd, buf, sizeof(buf));
      std::lock_guard lock(mu_);
      if (n <= 0) {  // the client gave up: forget the socket, keep what it sent
        ::close(c.fd);
        c.fd = -1;
        continue;
      }
      texts_[c.index].append(buf, static_cast<size_t>(n));
      if (!c.counted && texts_[c.index].find("\r\n\r\n") != std::string::npos) {
        c.counted = true;
        ++requests_;
        cv_.notify_all();
      }
    }
    std::erase_if(connections, [](const Connection& c) { return c.fd < 0; });
  }
  for (const auto& c : connections) ::close(c.fd);
}

void HangingServer::stop() {
  if (thread_.joinable()) {
    char x = 1;
    (void)!::write(wake_pipe_[1], &x, 1);
    thread_.join();
  }
  for (int* fd : {&listen_fd_, &wake_pipe_[0], &wake_pipe_[1]}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
}

std::string HangingServer::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/v1";
}

int HangingServer::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

bool HangingServer::wait_for_requests(int n, int timeout_ms) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return requests_ >= n; });
}

std::vector<std::string> HangingServer::request_texts() const {
  std::lock_guard lock(mu_);
  return texts_;
}

}  // namespace memgpt::testing
