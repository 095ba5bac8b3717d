#include "util/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <random>

namespace memgpt {
namespace {

Status errno_status(const std::string& what, const std::string& path, int err) {
  std::string msg = fmt::format("{} {}: {}", what, path, std::strerror(err));
  if (err == ENOENT) return not_found(msg);
  if (err == EACCES || err == EPERM || err == EROFS) {
    return {ErrorCode::kPermissionDenied, msg};
  }
  return io_error(msg);
}

}  // namespace

Result<std::string> read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_status("cannot open", path, errno);
  struct stat st{};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return invalid_argument(fmt::format("{} is a directory, not a file", path));
  }
  std::string out;
  if (st.st_size > 0) out.reserve(static_cast<size_t>(st.st_size));
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return errno_status("cannot read", path, err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Status write_file_atomic(const std::string& path, std::string_view data, unsigned mode) {
  std::filesystem::path p(path);
  std::string dir = p.has_parent_path() ? p.parent_path().string() : ".";
  std::string tmp = fmt::format("{}/.{}.tmp{}", dir, p.filename().string(), ::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return errno_status("cannot write", path, errno);
  ::fchmod(fd, mode);  // the umask must not widen or narrow what we asked for
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return errno_status("cannot write", path, err);
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return errno_status("cannot write", path, err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return errno_status("cannot write", path, err);
  }
  return {};
}

Status ensure_dir(const std::string& dir, unsigned mode) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return {};
  std::filesystem::path acc;
  for (const auto& part : std::filesystem::path(dir)) {
    acc /= part;
    if (acc.empty() || std::filesystem::is_directory(acc, ec)) continue;
    if (::mkdir(acc.c_str(), mode) != 0 && errno != EEXIST) {
      return errno_status("cannot create folder", acc.string(), errno);
    }
  }
  return {};
}

bool path_exists(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0;
}

std::string expand_user(std::string_view path) {
  if (path.empty() || path[0] != '~') return std::string(path);
  if (path.size() > 1 && path[1] != '/') return std::string(path);
  const char* home = std::getenv("HOME");
  std::string h = home ? home : "/";
  return h + std::string(path.substr(1));
}

std::string memgpt_home() {
  const char* env = std::getenv("MEMGPT_HOME");
  if (env && *env) return expand_user(env);
  return expand_user("~/.memgpt");
}

std::string config_path() {
  const char* env = std::getenv("MEMGPT_CONFIG_PATH");
  if (env && *env) return expand_user(env);
  return memgpt_home() + "/config";
}

std::string credentials_path() {
  const char* env = std::getenv("MEMGPT_CREDENTIALS_PATH");
  if (env && *env) return expand_user(env);
  return memgpt_home() + "/credentials";
}

std::string display_path(const std::string& path) {
  const char* home = std::getenv("HOME");
  if (home && *home) {
    std::string h = home;
    if (path == h) return "~";
    if (path.rfind(h + "/", 0) == 0) {
      std::string out = "~";
      out.append(path, h.size(), std::string::npos);
      return out;
    }
  }
  return path;
}

}  // namespace memgpt
