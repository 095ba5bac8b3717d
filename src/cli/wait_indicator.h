// "Waiting for the model…" while a model call is outstanding, so a slow or hung model is never
// a silent terminal: a spinner with the seconds waited (or, without decoration, one plain line
// after two seconds), a note when a failed attempt is retried, and how to cancel. Drawn on
// stderr and only when stderr is a terminal (NO_PROGRESS turns it off, as for progress bars).
// Fed the agent's events on the thread that prints them; it clears its line before anything
// else is printed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "agent/agent.h"

namespace memgpt::cli {

class WaitIndicator {
 public:
  // Enabled when stderr is a terminal; a spinner when colour is in use, else plain lines.
  WaitIndicator();
  ~WaitIndicator();
  WaitIndicator(const WaitIndicator&) = delete;
  WaitIndicator& operator=(const WaitIndicator&) = delete;

  // Call with every agent event before printing it.
  void on_event(const agent::AgentEvent& event);
  // Clears the line and stops (also done by the destructor).
  void stop();

 private:
  void run();
  void clear_locked();

  bool enabled_;
  bool spinner_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;
  bool quit_ = false;
  bool waiting_ = false;
  bool drawn_ = false;        // a spinner line is on the screen
  bool line_printed_ = false; // the plain line was printed for this wait
  std::string what_;          // "the model", "the model (summarising)"
  std::string note_;          // why it is retrying
  std::chrono::steady_clock::time_point since_;
};

}  // namespace memgpt::cli
