// Prints agent events the way MemGPT's CLI did: 💭 inner monologue, 🤖 messages to the user,
// ⚡🧠 memory functions, ⚡🔴 failures, 🖥️ system alerts. Colour only on a terminal.
#pragma once

#include <cstdio>
#include <string>

#include "agent/agent.h"
#include "store/recall_store.h"

namespace memgpt::cli {

class Printer {
 public:
  explicit Printer(bool debug = false, std::FILE* out = stdout) : debug_(debug), out_(out) {}
  void print(const agent::AgentEvent& event);
  // One stored message as /dump shows it (🧑 user, 💭 thoughts, 🤖 send_message, ...).
  void print_message(const store::MessageRecord& message);
  void set_streaming(bool on) { streaming_ = on; }

 private:
  void line(const char* color, const std::string& text, bool italic = false);
  bool debug_;
  std::FILE* out_;
  bool streaming_ = false;
  bool mid_stream_ = false;
};

}  // namespace memgpt::cli
