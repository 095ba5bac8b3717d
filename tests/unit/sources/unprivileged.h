// Runs a check as an ordinary user even when the tests run as root (CI does): root reads files
// and folders whatever their mode, so a test of "permission denied" run as root would test
// nothing. Under root the check runs in a child process that has dropped to the user and group
// `nobody` (65534) first; otherwise it runs here. The check returns its findings as JSON (a
// child cannot report gtest failures), which the caller then asserts on.
#pragma once

#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>

#include "util/json.h"

namespace memgpt::testing {

inline Json as_unprivileged_user(const std::function<Json()>& check) {
  if (::geteuid() != 0) return check();
  int fds[2];
  if (::pipe(fds) != 0) return {{"error", "pipe failed"}};
  pid_t pid = ::fork();
  if (pid < 0) return {{"error", "fork failed"}};
  if (pid == 0) {
    ::close(fds[0]);
    std::string out;
    if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0 || ::geteuid() == 0) {
      out = Json({{"error", "cannot drop root privileges"}}).dump();
    } else {
      out = check().dump();
    }
    for (size_t done = 0; done < out.size();) {
      ssize_t n = ::write(fds[1], out.data() + done, out.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  Json result = parse_json_or_discarded(text);
  if (result.is_discarded()) return {{"error", "the unprivileged check reported nothing"}};
  return result;
}

}  // namespace memgpt::testing
