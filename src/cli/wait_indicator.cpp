#include "cli/wait_indicator.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>

#include "cli/term.h"

namespace memgpt::cli {
namespace {

using Steady = std::chrono::steady_clock;
using K = agent::AgentEvent::Kind;

constexpr auto kSpinnerDelay = std::chrono::milliseconds(250);  // fast replies show nothing
constexpr auto kPlainLineDelay = std::chrono::seconds(2);
constexpr auto kFrameInterval = std::chrono::milliseconds(100);

bool stderr_may_show_progress() {
  return ::isatty(STDERR_FILENO) == 1 && !std::getenv("NO_PROGRESS");
}

}  // namespace

WaitIndicator::WaitIndicator() : enabled_(stderr_may_show_progress()), spinner_(enabled_ && use_color()) {
  if (enabled_) thread_ = std::thread([this] { run(); });
}

WaitIndicator::~WaitIndicator() { stop(); }

void WaitIndicator::stop() {
  {
    std::lock_guard lock(mu_);
    clear_locked();
    waiting_ = false;
    quit_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WaitIndicator::clear_locked() {
  if (drawn_) {
    fmt::print(stderr, "\r\x1b[K");
    std::fflush(stderr);
    drawn_ = false;
  }
}

void WaitIndicator::on_event(const agent::AgentEvent& e) {
  if (!enabled_) return;
  std::lock_guard lock(mu_);
  switch (e.kind) {
    case K::kModelCallStarted:
      waiting_ = true;
      line_printed_ = false;
      note_.clear();
      what_ = e.text == "summary" ? "the model (summarising the conversation)" : "the model";
      since_ = Steady::now();
      break;
    case K::kModelRetry:
      note_ = e.text;
      if (!spinner_ && waiting_) {
        fmt::print(stderr, "retrying {} ({})\n", what_, note_);
        std::fflush(stderr);
      }
      break;
    case K::kUsage:
      break;  // prints nothing unless --debug, and never mid-wait
    default:
      // The call ended, or output arrived (a streamed reply): the wait is over.
      clear_locked();
      waiting_ = false;
      break;
  }
  cv_.notify_all();
}

void WaitIndicator::run() {
  static const char* kFrames[] = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};
  std::unique_lock lock(mu_);
  for (size_t frame = 0; !quit_; ++frame) {
    cv_.wait_for(lock, kFrameInterval);
    if (quit_ || !waiting_) continue;
    auto waited = Steady::now() - since_;
    if (spinner_) {
      if (waited < kSpinnerDelay) continue;
      auto seconds = std::chrono::duration_cast<std::chrono::seconds>(waited).count();
      std::string note = note_.empty() ? "" : fmt::format(" (retrying, {})", truncate_cell(note_, 60));
      fmt::print(stderr, "\r{} waiting for {}… {} s{}  Ctrl-C cancels\x1b[K", kFrames[frame % 10], what_,
                 seconds, note);
      std::fflush(stderr);
      drawn_ = true;
    } else if (!line_printed_ && waited >= kPlainLineDelay) {
      fmt::print(stderr, "waiting for {}… (Ctrl-C cancels)\n", what_);
      std::fflush(stderr);
      line_printed_ = true;
    }
  }
}

}  // namespace memgpt::cli
