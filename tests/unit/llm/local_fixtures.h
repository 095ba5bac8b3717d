// Tool definitions and a conversation shaped like the agent's, for the local-backend tests.
#pragma once

#include "llm/chat_model.h"
#include "util/json.h"

namespace memgpt::llm::testing {

inline Json tool(const std::string& name, const std::string& description, Json properties,
                 Json required) {
  return {
      {"type", "function"},
      {"function",
       {{"name", name},
        {"description", description},
        {"parameters", {{"type", "object"}, {"properties", properties}, {"required", required}}}}}};
}

// As the agent sends them to local models: inner_thoughts inside every call.
inline Json agent_tools() {
  Json thoughts = {{"type", "string"}, {"description", "Your private inner monologue."}};
  Json heartbeat = {{"type", "boolean"}, {"description", "Request an immediate heartbeat."}};
  return Json::array(
      {tool("send_message", "Sends a message to the user.",
            {{"inner_thoughts", thoughts},
             {"message", {{"type", "string"}, {"description", "The message text."}}}},
            {"inner_thoughts", "message"}),
       tool("conversation_search", "Searches earlier messages of the conversation.",
            {{"inner_thoughts", thoughts},
             {"query", {{"type", "string"}, {"description", "The text to look for."}}},
             {"page", {{"type", "integer"}, {"description", "Which page."}}},
             {"request_heartbeat", heartbeat}},
            {"inner_thoughts", "query", "request_heartbeat"}),
       tool("core_memory_append", "Adds text to a core memory block.",
            {{"inner_thoughts", thoughts},
             {"name",
              {{"type", "string"}, {"enum", {"persona", "human"}}, {"description", "The block."}}},
             {"content", {{"type", "string"}, {"description", "The text to add."}}},
             {"request_heartbeat", heartbeat}},
            {"inner_thoughts", "name", "content", "request_heartbeat"})});
}

inline ChatMessage msg(const std::string& role, const std::string& content) {
  ChatMessage m;
  m.role = role;
  m.content = content;
  return m;
}

inline constexpr const char* kSystemText = "You are Sam, a MemGPT agent with a persona.";

// System, a user event, an earlier send_message call with its result, and a new user message.
inline ChatRequest conversation() {
  ChatRequest r;
  r.messages.push_back(msg("system", kSystemText));
  r.messages.push_back(msg("user", R"({"type":"user_message","message":"hi there","time":"now"})"));
  ChatMessage call = msg("assistant", "User greeted me.");
  call.tool_calls.push_back({"call_1", "send_message", R"({"message":"Hello! I am Sam."})"});
  r.messages.push_back(call);
  ChatMessage result = msg("tool", R"({"status":"OK","message":"None","time":"now"})");
  result.tool_call_id = "call_1";
  result.name = "send_message";
  r.messages.push_back(result);
  r.messages.push_back(
      msg("user", R"({"type":"user_message","message":"what did I say before?","time":"now"})"));
  r.tools = agent_tools();
  return r;
}

}  // namespace memgpt::llm::testing
