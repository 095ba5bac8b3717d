// Ctrl-C, SIGTERM and a closed terminal ask long work (a load, a re-embed) to stop at its next
// step, through one flag; a second signal ends the process at once (what it leaves is settled
// by the next run: loads are undone, re-embeds resumed).
#pragma once

#include <atomic>

namespace memgpt::cli {

// Set by the first stop signal while a StopSignals is alive.
std::atomic<bool>& stop_requested();
// The signal that asked to stop (0: none).
int stop_signal();

// Routes the stop signals to stop_requested() while alive.
class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
};

}  // namespace memgpt::cli
