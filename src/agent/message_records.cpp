#include "agent/message_records.h"

#include "agent/protocol.h"

namespace memgpt::agent {

std::string searchable_text(const store::MessageRecord& m) {
  if (m.role == "user") {
    if (auto u = unpack_user_message(m.text)) return *u;
    return "";  // heartbeats, alerts and login events are not conversation
  }
  if (m.role == "assistant") {
    std::string out = m.text;
    for (const auto& tc : m.tool_calls) {
      if (tc.value("/function/name"_json_pointer, "") != "send_message") continue;
      Json args = parse_json_or_discarded(tc.value("/function/arguments"_json_pointer, ""));
      if (args.is_object() && args.contains("message") && args["message"].is_string()) {
        out += (out.empty() ? "" : "\n") + args["message"].get<std::string>();
      }
    }
    return out;
  }
  return "";
}

llm::ChatMessage to_chat(const store::MessageRecord& m) {
  llm::ChatMessage c;
  c.role = m.role;
  c.content = m.text;
  c.tool_call_id = m.tool_call_id;
  c.name = m.name;
  for (const auto& tc : m.tool_calls) {
    c.tool_calls.push_back({tc.value("id", ""), tc.value("/function/name"_json_pointer, ""),
                            tc.value("/function/arguments"_json_pointer, "")});
  }
  return c;
}

Json tool_call_json(const llm::ToolCall& tc) {
  return {{"id", tc.id},
          {"type", "function"},
          {"function", {{"name", tc.name}, {"arguments", tc.arguments}}}};
}

std::string now_text(const Clock& clock) { return format_memgpt_time(clock.now_ms()); }

}  // namespace memgpt::agent
