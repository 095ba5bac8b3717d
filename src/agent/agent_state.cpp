#include "agent/agent_state.h"

#include "agent/functions.h"

namespace memgpt::agent {

store::AgentSavedState AgentState::saved() const {
  return {system_prompt,           memory.blocks(),        functions,
          message_ids,             memory_edited_at,       alerted_memory_pressure,
          first_message_verified,  inner_thoughts_in_args};
}

AgentState AgentState::from_saved(const store::AgentSavedState& saved) {
  AgentState s;
  s.system_prompt = saved.system_prompt;
  s.memory = CoreMemory(saved.memory);
  s.functions = saved.functions.empty() ? builtin_function_names() : saved.functions;
  s.message_ids = saved.message_ids;
  s.memory_edited_at = saved.memory_edited_at;
  s.alerted_memory_pressure = saved.alerted_memory_pressure;
  s.first_message_verified = saved.first_message_verified;
  s.inner_thoughts_in_args = saved.inner_thoughts_in_args;
  return s;
}

}  // namespace memgpt::agent
