// PDF text with poppler, in a child process: poppler has no limits of its own, and a 36 KB
// file whose one page draws the same line about 136,000 times on one spot kept pdftotext busy
// for over ten minutes, growing. Nothing inside poppler can be interrupted, so the child carries the
// limits the operating system enforces (CPU seconds, address space) and dies with them; the
// parent reads the pages it sends, counts their text against the limit, and turns the child's
// end into a one-line reason. A poppler crash costs the child only.
//
// The child is forked without exec: it only runs poppler (never used in the parent, so none
// of its locks can be held there), writes to a pipe and leaves with _exit.
#include <fcntl.h>
#include <poll.h>
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-page.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>

#include "sources/extract.h"

namespace memgpt::sources {
namespace {

double cpu_seconds_used() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// "64 MB" for whole mebibytes, else bytes.
std::string amount(size_t bytes) {
  if (bytes >= (size_t{1} << 20) && bytes % (size_t{1} << 20) == 0) return fmt::format("{} MB", bytes >> 20);
  return fmt::format("{} bytes", bytes);
}

double budget_of(const PdfLimits& limits, int pages) {
  return limits.cpu_seconds >= 0 ? limits.cpu_seconds : 10.0 + 0.1 * pages;
}

std::string too_complex(double budget, int page, int pages) {
  return fmt::format("took more than {:g} s of CPU (at page {} of {}): too complex to read; save it as text first",
                     budget, page, pages);
}

std::string too_much_text(const PdfLimits& limits, int page, int pages) {
  return fmt::format("holds more than {} of text (at page {} of {}); split it first (e.g. qpdf --split-pages)",
                     amount(limits.max_text_bytes), page, pages);
}

// What poppler does, wherever it runs. `on_start(i)` before page i (0-based) is read, `on_page`
// with its text; the first error ends it.
Status read_pages(const std::string& path, const PdfLimits& limits, const std::function<Status(int pages)>& on_count,
                  const std::function<Status(int index)>& on_start,
                  const std::function<Status(int index, std::string text)>& on_page) {
  // Poppler reports parse problems on stderr; our message is the one the user needs.
  poppler::set_debug_error_function([](const std::string&, void*) {}, nullptr);
  std::unique_ptr<poppler::document> doc(poppler::document::load_from_file(path));
  if (!doc) return invalid_argument("is not a readable PDF (damaged or not a PDF)");
  if (doc->is_locked()) return invalid_argument("is password-protected; decrypt it first (e.g. qpdf --decrypt)");
  int pages = doc->pages();
  if (pages > limits.max_pages) {
    return invalid_argument(fmt::format(
        "has {} pages; PDFs of more than {} pages are not loaded (split it first, e.g. qpdf --split-pages)", pages,
        limits.max_pages));
  }
  MEMGPT_RETURN_IF_ERROR(on_count(pages));
  double budget = budget_of(limits, pages);
  double start = cpu_seconds_used();
  double in_sink = 0;  // the sink's time is not poppler's (in process it embeds)
  for (int i = 0; i < pages; ++i) {
    MEMGPT_RETURN_IF_ERROR(on_start(i));
    std::unique_ptr<poppler::page> page(doc->create_page(i));
    std::string text;
    if (page) {
      auto bytes = page->text(poppler::rectf(), poppler::page::physical_layout).to_utf8();
      text.assign(bytes.begin(), bytes.end());
    }
    double before_sink = cpu_seconds_used();
    MEMGPT_RETURN_IF_ERROR(on_page(i, std::move(text)));
    in_sink += cpu_seconds_used() - before_sink;
    if (i + 1 < pages && cpu_seconds_used() - start - in_sink > budget) {
      return invalid_argument(too_complex(budget, i + 1, pages));
    }
  }
  return {};
}

// The pipe between child and parent carries frames: a kind byte, a 32-bit number, and for
// kText and kError a 32-bit length and that many bytes.
enum Frame : char { kCount = 'N', kStart = 'S', kText = 'T', kError = 'E' };

bool write_all(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

Status send(int fd, Frame kind, uint32_t number, const std::string* bytes = nullptr) {
  char head[9];
  head[0] = kind;
  std::memcpy(head + 1, &number, 4);
  uint32_t len = bytes ? static_cast<uint32_t>(bytes->size()) : 0;
  std::memcpy(head + 5, &len, 4);
  bool ok = write_all(fd, head, bytes ? 9 : 5) && (!bytes || write_all(fd, bytes->data(), bytes->size()));
  return ok ? Status() : io_error("the pipe to the parent closed");
}

// The address space the process holds now (the child starts with a copy of the parent's).
rlim_t address_space_now() {
  std::ifstream statm("/proc/self/statm");
  unsigned long long pages = 0;
  statm >> pages;
  return static_cast<rlim_t>(pages) * static_cast<rlim_t>(::sysconf(_SC_PAGESIZE));
}

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif
#else
constexpr bool kAddressSanitizer = false;
#endif

[[noreturn]] void run_child(int fd, const std::string& path, const PdfLimits& limits, pid_t parent) {
  // Dies with the parent (kill -9 of a server mid-upload), also if that came before this line.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(1);
  rlimit no_core{0, 0};  // a reader stopped by its limits leaves no core file behind
  ::setrlimit(RLIMIT_CORE, &no_core);
  // Signals meant for the parent (Ctrl-C in its terminal) are the parent's to act on: it kills
  // this process when it stops.
  ::signal(SIGINT, SIG_IGN);
  ::signal(SIGTERM, SIG_DFL);
  ::signal(SIGHUP, SIG_IGN);
  ::signal(SIGPIPE, SIG_DFL);
  if (!kAddressSanitizer) {  // ASan reserves terabytes of address space up front
    rlimit as{};
    as.rlim_cur = as.rlim_max = address_space_now() + static_cast<rlim_t>(limits.max_memory_bytes);
    ::setrlimit(RLIMIT_AS, &as);
  }
  // Descriptors of the parent (databases, sockets, other readers' pipes) are not this
  // process's to hold: a pipe kept open here would delay another reader's end of file.
  if (fd != 3) {
    ::dup2(fd, 3);
    fd = 3;
  }
  ::close_range(4, ~0U, 0);
  // CPU seconds (the process's, which start at 0 after fork): SIGXCPU at the soft limit, SIGKILL
  // a second later. First the budget of parsing the file, then that of its pages.
  auto limit_cpu = [](double seconds) {
    rlimit cpu{};
    cpu.rlim_cur = static_cast<rlim_t>(std::ceil(seconds)) + 1;
    cpu.rlim_max = cpu.rlim_cur + 1;
    ::setrlimit(RLIMIT_CPU, &cpu);
  };
  limit_cpu(budget_of(limits, 0));
  Status s = read_pages(
      path, limits,
      [&](int pages) {
        limit_cpu(cpu_seconds_used() + budget_of(limits, pages));
        return send(fd, kCount, static_cast<uint32_t>(pages));
      },
      [&](int index) { return send(fd, kStart, static_cast<uint32_t>(index)); },
      [&](int index, std::string text) { return send(fd, kText, static_cast<uint32_t>(index), &text); });
  if (!s.ok()) {
    std::string message = s.message();
    (void)send(fd, kError, static_cast<uint32_t>(s.code()), &message);
  }
  ::_exit(0);
}

// Reads exactly `size` bytes, waiting at most until `deadline` in total for the child.
enum class ReadEnd { kOk, kClosed, kTimedOut };
ReadEnd read_exact(int fd, char* out, size_t size, std::chrono::steady_clock::duration& wait_left) {
  while (size > 0) {
    auto before = std::chrono::steady_clock::now();
    pollfd p{fd, POLLIN, 0};
    int ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(wait_left).count());
    int ready = ::poll(&p, 1, std::max(ms, 0));
    wait_left -= std::chrono::steady_clock::now() - before;
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0 || wait_left.count() <= 0) return ReadEnd::kTimedOut;
    ssize_t n = ::read(fd, out, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return ReadEnd::kClosed;
    out += n;
    size -= static_cast<size_t>(n);
  }
  return ReadEnd::kOk;
}

// The child, killed and reaped whatever way the parent leaves.
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {}
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      reap();
    }
  }
  // Waits for the child's end; its wait status.
  int reap() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return status;
  }
  void kill() {
    if (pid_ > 0) ::kill(pid_, SIGKILL);
  }

 private:
  pid_t pid_;
};

Status read_isolated(const std::string& path, const PdfLimits& limits, const PdfPageSink& sink) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return io_error(fmt::format("cannot start the PDF reader ({})", std::strerror(errno)));
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return io_error(fmt::format("cannot start the PDF reader ({})", std::strerror(err)));
  }
  if (pid == 0) {
    ::close(fds[0]);
    run_child(fds[1], path, limits, parent);
  }
  ::close(fds[1]);
  std::unique_ptr<int, void (*)(int*)> pipe_in(&fds[0], [](int* fd) { ::close(*fd); });
  Child child(pid);
  int fd = fds[0];

  int pages = 0, reading = 0;  // the page count, and the page being read (1-based)
  size_t text_bytes = 0;
  // Time spent waiting for the child (not for the sink), for a child stuck without using CPU:
  // a few times its CPU budget, first for parsing the file, then for its pages.
  auto wait_for = [&](int page_count) {
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(3 * budget_of(limits, page_count) + 30));
  };
  std::chrono::steady_clock::duration wait_left = wait_for(0);
  Status child_error;
  for (;;) {
    char head[5];
    ReadEnd end = read_exact(fd, head, 1, wait_left);
    if (end == ReadEnd::kOk) end = read_exact(fd, head + 1, 4, wait_left);
    if (end == ReadEnd::kTimedOut) {
      if (pages == 0) return invalid_argument("could not be opened in reasonable time; save it as text first");
      return invalid_argument(
          fmt::format("could not be read in reasonable time (page {} of {}); save it as text first", reading, pages));
    }
    if (end == ReadEnd::kClosed) break;
    uint32_t number = 0;
    std::memcpy(&number, head + 1, 4);
    Frame kind = static_cast<Frame>(head[0]);
    if (kind == kCount) {
      pages = static_cast<int>(number);
      wait_left = wait_for(pages);
      continue;
    }
    if (kind == kStart) {
      reading = static_cast<int>(number) + 1;
      continue;
    }
    uint32_t len = 0;
    if (read_exact(fd, reinterpret_cast<char*>(&len), 4, wait_left) != ReadEnd::kOk) break;
    if (kind == kText && text_bytes + len > limits.max_text_bytes) {
      return invalid_argument(too_much_text(limits, static_cast<int>(number) + 1, pages));
    }
    std::string bytes(len, '\0');
    if (read_exact(fd, bytes.data(), len, wait_left) != ReadEnd::kOk) break;
    if (kind == kError) {
      child_error = Status(static_cast<ErrorCode>(number), bytes);
      break;
    }
    text_bytes += len;
    MEMGPT_RETURN_IF_ERROR(sink(static_cast<int>(number) + 1, pages, std::move(bytes)));
  }
  child.kill();  // done or broken off: nothing more is read
  int status = child.reap();
  if (!child_error.ok()) return child_error;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  if (WIFSIGNALED(status) && (WTERMSIG(status) == SIGXCPU || WTERMSIG(status) == SIGKILL)) {
    // Killed by its CPU limit (soft or hard); our own kill comes only after a complete read.
    if (pages == 0) return invalid_argument("took too much CPU to open: too complex to read; save it as text first");
    return invalid_argument(too_complex(budget_of(limits, pages), reading, pages));
  }
  return invalid_argument(fmt::format(
      "could not be read: the PDF reader failed on page {} of {} (damaged, or it needs more than {} of memory)",
      reading, pages, amount(limits.max_memory_bytes)));
}

}  // namespace

Status read_pdf_pages(const std::string& path, const PdfLimits& limits, const PdfPageSink& sink) {
  if (limits.isolate) return read_isolated(path, limits, sink);
  size_t text_bytes = 0;
  int pages = 0;
  return read_pages(
      path, limits,
      [&](int n) {
        pages = n;
        return Status();
      },
      [](int) { return Status(); },
      [&](int index, std::string text) -> Status {
        text_bytes += text.size();
        if (text_bytes > limits.max_text_bytes) return invalid_argument(too_much_text(limits, index + 1, pages));
        return sink(index + 1, pages, std::move(text));
      });
}

}  // namespace memgpt::sources
