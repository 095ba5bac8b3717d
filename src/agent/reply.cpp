#include "agent/reply.h"

#include <fmt/format.h>

#include <algorithm>

#include "agent/protocol.h"
#include "llm/json_repair.h"
#include "util/clock.h"

namespace memgpt::agent {

std::string inner_thoughts(const llm::ChatMessage& reply, bool inner_thoughts_in_args) {
  if (!reply.content.empty() || !inner_thoughts_in_args || reply.tool_calls.empty()) return reply.content;
  Json args = parse_json_or_discarded(reply.tool_calls[0].arguments);
  if (args.is_object() && args.contains("inner_thoughts") && args["inner_thoughts"].is_string()) {
    return args["inner_thoughts"].get<std::string>();
  }
  return reply.content;
}

ParsedCall parse_first_call(const llm::ChatMessage& reply, const std::string& finish_reason) {
  ParsedCall out;
  out.call = reply.tool_calls.at(0);
  if (out.call.id.empty()) out.call.id = "call_" + new_uuid().substr(0, 8);
  // Local models often write almost-JSON: repair what can be repaired before giving up. Not
  // when the reply hit the token limit: a "repaired" cut-off call would run on half its text.
  Json raw = parse_json_or_discarded(out.call.arguments);
  bool cut_off = finish_reason == "length" && !raw.is_object();
  if (!raw.is_object() && !cut_off) {
    if (auto repaired = llm::parse_json_leniently(out.call.arguments)) raw = *repaired;
  }
  if (cut_off) {
    out.failure = fmt::format(
        "Your reply was cut off at the output token limit in the middle of the call to {}, so it "
        "did not run. Call it again with shorter arguments.",
        out.call.name);
  } else if (!raw.is_object()) {
    out.failure = fmt::format(
        "Error parsing the arguments of {}: they are not a JSON object ({}). Call the function "
        "again with valid JSON arguments.",
        out.call.name, out.call.arguments.substr(0, 200));
  } else {
    out.runnable = true;
    out.args = raw;
    if (out.args.contains("request_heartbeat")) {
      const Json& hb = out.args["request_heartbeat"];
      out.heartbeat = hb.is_boolean() ? hb.get<bool>() : (hb.is_string() && (hb == "true" || hb == "True"));
      out.args.erase("request_heartbeat");
    }
    out.args.erase("inner_thoughts");
  }
  // Stored with the arguments the model wrote, minus the monologue moved out of them.
  if (raw.is_object()) {
    raw.erase("inner_thoughts");
    out.stored_arguments = raw.dump();
  } else {
    out.stored_arguments = out.call.arguments;
  }
  return out;
}

int64_t result_char_limit(const std::string& name, int64_t context_window) {
  bool is_search = name == "conversation_search" || name == "conversation_search_date" ||
                   name == "archival_memory_search";
  return is_search ? std::max<int64_t>(kFunctionResultCharLimit, context_window) : kFunctionResultCharLimit;
}

std::string cut_result(const std::string& text, int64_t limit) {
  if (static_cast<int64_t>(text.size()) <= limit) return text;
  auto cut = static_cast<size_t>(limit);
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80) --cut;
  return text.substr(0, cut) +
         fmt::format("... [NOTE: function output was truncated since it exceeded the character limit ({} > {})]",
                     text.size(), limit);
}

}  // namespace memgpt::agent
