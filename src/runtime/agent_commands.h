// MemGPT's slash commands that act on an agent, shared by the REPL (`memgpt run`) and the
// server's POST /v1/agents/{id}/command: one parser, one table, one way to run each. Commands
// that only show things (/memory, /dump, /help) or leave (/exit) belong to the REPL.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/agent.h"
#include "util/status.h"

namespace memgpt::runtime {

struct AgentCommand {
  std::string verb;  // pop, retry, rethink, rewrite, wipe, summarize, heartbeat, memorywarning, systemswap
  std::string arg;   // the rest of the line, trimmed
};

// "/pop 3" or "pop 3". kInvalidArgument for an unknown verb (naming the known ones) or an
// argument the command cannot take (/pop -1, /rethink without text).
Result<AgentCommand> parse_agent_command(const std::string& line);

// Whether a verb is one of these commands (the REPL keeps its own for the rest).
bool is_agent_command(const std::string& verb);

// Whether running the command calls the model.
bool command_needs_model(const AgentCommand& command);

// The verbs with a one-line description each, in help order.
const std::vector<std::pair<std::string, std::string>>& agent_command_help();

struct CommandOutcome {
  int popped = 0;                         // /pop: messages removed from the context
  std::optional<agent::TurnResult> turn;  // commands that run a turn (/retry, /heartbeat, ...)
};

// Runs `command` on `agent` (the caller holds the agent's lock).
Result<CommandOutcome> run_agent_command(agent::Agent& agent, const AgentCommand& command,
                                         const agent::EventSink& sink, const agent::TurnOptions& options);

}  // namespace memgpt::runtime
