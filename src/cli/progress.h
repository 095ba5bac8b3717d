// Progress on long work: a redrawn bar when stderr is a terminal, a plain line at every quarter
// otherwise, nothing at all when NO_PROGRESS is set.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace memgpt::cli {

class ProgressBar {
 public:
  explicit ProgressBar(std::string label);
  ~ProgressBar();
  void update(int64_t done, int64_t total, const std::string& detail = "");
  // Ends the bar's line so that other output starts on its own line (the next update draws
  // the bar again).
  void interrupt();
  void finish();

 private:
  std::string label_;
  bool quiet_;  // NO_PROGRESS
  bool tty_;
  bool drawn_ = false;  // the bar is on the current line
  bool finished_ = false;
  int last_percent_ = -1;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace memgpt::cli
