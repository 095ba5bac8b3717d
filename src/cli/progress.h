// Progress on long work: a redrawn bar on a terminal (stderr), occasional plain lines otherwise.
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
  void finish();

 private:
  std::string label_;
  bool tty_;
  bool finished_ = false;
  int last_percent_ = -1;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace memgpt::cli
