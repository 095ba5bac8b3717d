#include "cli/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include "cli/term.h"

namespace memgpt::cli {

ProgressBar::ProgressBar(std::string label)
    : label_(std::move(label)),
      quiet_(std::getenv("NO_PROGRESS") != nullptr),
      tty_(!quiet_ && ::isatty(STDERR_FILENO) == 1) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(int64_t done, int64_t total, const std::string& detail) {
  if (finished_ || quiet_) return;
  int percent = total > 0 ? static_cast<int>(done * 100 / total) : 0;
  auto now = std::chrono::steady_clock::now();
  if (tty_) {
    if (percent == last_percent_ && now - last_draw_ < std::chrono::milliseconds(100) && done < total) return;
    constexpr int kWidth = 30;
    int filled = total > 0 ? static_cast<int>(done * kWidth / std::max<int64_t>(total, 1)) : 0;
    std::string bar = std::string(static_cast<size_t>(filled), '#') + std::string(static_cast<size_t>(kWidth - filled), '-');
    std::string tail = detail.empty() ? "" : "  " + truncate_cell(detail, 40);
    fmt::print(stderr, "\r{} [{}] {}/{} ({}%){}\x1b[K", label_, bar, done, total, percent, tail);
    std::fflush(stderr);
    drawn_ = true;
  } else {
    // Plain lines every 25% so logs stay short.
    if (percent / 25 == last_percent_ / 25 && done < total) return;
    fmt::print(stderr, "{}: {}/{} ({}%)\n", label_, done, total, percent);
  }
  last_percent_ = percent;
  last_draw_ = now;
}

void ProgressBar::interrupt() {
  if (!drawn_) return;
  fmt::print(stderr, "\n");
  drawn_ = false;
  last_percent_ = -1;  // drawn again at the next update
}

void ProgressBar::finish() {
  if (finished_) return;
  finished_ = true;
  interrupt();
}

}  // namespace memgpt::cli
