#include "agent/agent_state.h"

#include "agent/functions.h"

namespace memgpt::agent {

Json AgentState::to_json() const {
  Json st = {{"system", system_prompt},
             {"memory", memory.to_json()},
             {"functions", functions},
             {"message_ids", message_ids},
             {"memory_edited_at", memory_edited_at},
             {"alerted_memory_pressure", alerted_memory_pressure},
             {"first_message_verified", first_message_verified}};
  if (inner_thoughts_in_args) st["inner_thoughts_in_args"] = *inner_thoughts_in_args;
  return st;
}

Result<AgentState> AgentState::from_json(const Json& st) {
  AgentState s;
  MEMGPT_ASSIGN_OR_RETURN(s.memory, CoreMemory::from_json(st.value("memory", Json::array())));
  s.system_prompt = st.value("system", "");
  for (const auto& f : st.value("functions", Json::array())) s.functions.push_back(f);
  if (s.functions.empty()) s.functions = builtin_function_names();
  for (const auto& id : st.value("message_ids", Json::array())) s.message_ids.push_back(id);
  s.memory_edited_at = st.value("memory_edited_at", int64_t{0});
  s.alerted_memory_pressure = st.value("alerted_memory_pressure", false);
  s.first_message_verified = st.value("first_message_verified", false);
  if (st.contains("inner_thoughts_in_args") && st["inner_thoughts_in_args"].is_boolean()) {
    s.inner_thoughts_in_args = st["inner_thoughts_in_args"].get<bool>();
  }
  return s;
}

}  // namespace memgpt::agent
