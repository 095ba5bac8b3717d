// Cold-start time of whole `memgpt` processes: `version` (argument parsing only) and
// `list personas` (config + SQLite store + table). Reports the median and p90 of N runs, and
// for scale the same for /bin/true (the cost of fork+exec itself on this machine).
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

extern char** environ;

namespace {

double run_once(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  auto start = std::chrono::steady_clock::now();
  pid_t pid;
  if (posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ) != 0) {
    fmt::print(stderr, "cannot run {}\n", argv[0]);
    std::exit(1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  auto end = std::chrono::steady_clock::now();
  posix_spawn_file_actions_destroy(&actions);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fmt::print(stderr, "{} failed\n", argv[0]);
    std::exit(1);
  }
  return std::chrono::duration<double, std::milli>(end - start).count();
}

void report(const std::string& name, const std::vector<std::string>& argv, int n) {
  run_once(argv);  // warm the page cache: we measure process start, not disk reads
  std::vector<double> ms;
  for (int i = 0; i < n; ++i) ms.push_back(run_once(argv));
  std::sort(ms.begin(), ms.end());
  fmt::print("{:<28} median {:6.2f} ms   p90 {:6.2f} ms   min {:6.2f} ms   (n={})\n", name,
             ms[ms.size() / 2], ms[ms.size() * 9 / 10], ms.front(), n);
}

}  // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 50;
  char tmpl[] = "/tmp/memgpt-bench-XXXXXX";
  std::string home = mkdtemp(tmpl);
  setenv("MEMGPT_HOME", home.c_str(), 1);
  std::string bin = MEMGPT_BINARY;
  fmt::print("memgpt cold start ({}), MEMGPT_HOME={}\n", bin, home);
  report("/bin/true (fork+exec)", {"/bin/true"}, n);
  report("memgpt version", {bin, "version"}, n);
  report("memgpt list personas", {bin, "list", "personas"}, n);
  std::string cmd = "rm -rf " + home;
  return std::system(cmd.c_str()) == 0 ? 0 : 1;
}
