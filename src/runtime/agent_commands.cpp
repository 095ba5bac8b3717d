#include "runtime/agent_commands.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "agent/protocol.h"

namespace memgpt::runtime {
namespace {

struct CommandSpec {
  const char* verb;
  bool needs_model;
  const char* required_text;  // what the argument must give (nullptr: optional)
  const char* help;
};

constexpr CommandSpec kCommands[] = {
    {"pop", false, nullptr, "undo the last N messages (default 3)"},
    {"retry", true, nullptr, "send the last user message again"},
    {"rethink", false, "the new inner monologue", "replace the last inner monologue"},
    {"rewrite", false, "the new message", "replace the last message the agent sent"},
    {"summarize", true, nullptr, "summarise the older messages now"},
    {"wipe", false, nullptr, "clear the context window (recall memory keeps everything)"},
    {"heartbeat", true, nullptr, "send a heartbeat to the agent"},
    {"memorywarning", true, nullptr, "send the memory-pressure warning"},
    {"systemswap", false, "the new system prompt", "replace the system prompt"},
};

const CommandSpec* find_spec(const std::string& verb) {
  for (const auto& spec : kCommands) {
    if (verb == spec.verb) return &spec;
  }
  return nullptr;
}

std::string known_verbs() {
  std::string out;
  for (const auto& spec : kCommands) out += (out.empty() ? "" : ", ") + std::string(spec.verb);
  return out;
}

Result<int> pop_count(const std::string& arg) {
  if (arg.empty()) return 3;
  int n = 0;
  auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), n);
  if (ec != std::errc() || end != arg.data() + arg.size() || n <= 0) {
    return invalid_argument("/pop takes a positive count of messages");
  }
  return n;
}

}  // namespace

bool is_agent_command(const std::string& verb) { return find_spec(verb) != nullptr; }

Result<AgentCommand> parse_agent_command(const std::string& line) {
  std::string text = line;
  if (!text.empty() && text[0] == '/') text.erase(0, 1);
  AgentCommand c;
  size_t space = text.find(' ');
  c.verb = text.substr(0, space);
  if (space != std::string::npos) {
    c.arg = text.substr(space + 1);
    c.arg.erase(0, c.arg.find_first_not_of(" \t"));
    while (!c.arg.empty() && (c.arg.back() == ' ' || c.arg.back() == '\t')) c.arg.pop_back();
  }
  const CommandSpec* spec = find_spec(c.verb);
  if (!spec) return invalid_argument(fmt::format("unknown command '{}' (known: {})", c.verb, known_verbs()));
  if (spec->required_text && c.arg.empty()) {
    return invalid_argument(fmt::format("/{} needs {}", c.verb, spec->required_text));
  }
  if (c.verb == "pop") MEMGPT_RETURN_IF_ERROR(pop_count(c.arg).status());
  return c;
}

bool command_needs_model(const AgentCommand& command) {
  const CommandSpec* spec = find_spec(command.verb);
  return spec && spec->needs_model;
}

const std::vector<std::pair<std::string, std::string>>& agent_command_help() {
  static const std::vector<std::pair<std::string, std::string>> help = [] {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& spec : kCommands) out.emplace_back(spec.verb, spec.help);
    return out;
  }();
  return help;
}

Result<CommandOutcome> run_agent_command(agent::Agent& agent, const AgentCommand& command,
                                         const agent::EventSink& sink, const agent::TurnOptions& options) {
  CommandOutcome out;
  auto turn = [&](Result<agent::TurnResult> r) -> Result<CommandOutcome> {
    if (!r.ok()) return r.status();
    out.turn = std::move(*r);
    return out;
  };
  const std::string& verb = command.verb;
  if (verb == "pop") {
    MEMGPT_ASSIGN_OR_RETURN(int n, pop_count(command.arg));
    MEMGPT_ASSIGN_OR_RETURN(auto before, agent.context_messages());
    MEMGPT_RETURN_IF_ERROR(agent.pop(n));
    MEMGPT_ASSIGN_OR_RETURN(auto after, agent.context_messages());
    out.popped = static_cast<int>(before.size() - std::min(before.size(), after.size()));
    return out;
  }
  if (verb == "retry") return turn(agent.retry(sink, options));
  if (verb == "heartbeat") {
    return turn(agent.send_heartbeat(command.arg.empty() ? agent::kHeartbeatRequested : command.arg, sink, options));
  }
  if (verb == "memorywarning") return turn(agent.send_system_alert(agent::memory_warning_text(), sink, options));
  Status s;
  if (verb == "rethink") s = agent.rethink(command.arg);
  else if (verb == "rewrite") s = agent.rewrite(command.arg);
  else if (verb == "wipe") s = agent.wipe();
  else if (verb == "summarize") s = agent.summarize(sink);
  else if (verb == "systemswap") s = agent.swap_system_prompt(command.arg);
  else return invalid_argument(fmt::format("unknown command '{}' (known: {})", verb, known_verbs()));
  if (!s.ok()) return s;
  return out;
}

}  // namespace memgpt::runtime
