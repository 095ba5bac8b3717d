#include "cli/stop_signals.h"

#include <csignal>

namespace memgpt::cli {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};
constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};

void on_stop_signal(int sig) {
  if (g_stop.exchange(true)) {
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return;
  }
  g_signal = sig;
}

}  // namespace

std::atomic<bool>& stop_requested() { return g_stop; }
int stop_signal() { return g_signal.load(); }

StopSignals::StopSignals() {
  for (int sig : kSignals) std::signal(sig, on_stop_signal);
}

StopSignals::~StopSignals() {
  for (int sig : kSignals) std::signal(sig, SIG_DFL);
}

}  // namespace memgpt::cli
