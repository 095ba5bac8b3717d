// The Anthropic Messages API side of the scripted server (POST /v1/messages), plus the helpers
// both API routes share. Requests are checked against the rules the real API enforces and
// answered with Anthropic's error shape ({"type":"error","error":{type, message}}).
#include <httplib.h>

#include <chrono>
#include <regex>
#include <set>

#include "scripted_llm.h"

namespace memgpt::testing {
namespace {

std::string at(size_t i) { return "messages." + std::to_string(i); }

bool visible(const std::string& s) { return s.find_first_not_of(" \t\r\n") != std::string::npos; }

const std::regex& tool_id_pattern() {
  static const std::regex re("^[a-zA-Z0-9_-]+$");
  return re;
}
const std::regex& tool_name_pattern() {
  static const std::regex re("^[a-zA-Z0-9_-]{1,64}$");
  return re;
}

std::string error_type_for(int status) {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 529:
      return "overloaded_error";
    default:
      return "api_error";
  }
}

Json error_body(const std::string& type, const std::string& message) {
  return {{"type", "error"}, {"error", {{"type", type}, {"message", message}}}};
}

std::string stop_reason_for(const std::string& finish_reason) {
  if (finish_reason == "stop") return "end_turn";
  if (finish_reason == "tool_calls") return "tool_use";
  if (finish_reason == "length") return "max_tokens";
  return finish_reason;
}

std::string sse(const Json& event) {
  return "event: " + event.value("type", "") + "\ndata: " + event.dump() + "\n\n";
}

}  // namespace

std::string ScriptedLlmServer::validate_anthropic_request(const Json& body) {
  if (!body.is_object()) return "the body is not a JSON object";
  if (!body.contains("model") || !body["model"].is_string() ||
      body["model"].get<std::string>().empty()) {
    return "model: Field required";
  }
  if (!body.contains("max_tokens") || !body["max_tokens"].is_number_integer() ||
      body["max_tokens"].get<int64_t>() < 1) {
    return "max_tokens: Field required (a positive integer)";
  }
  if (body.contains("system")) {
    const Json& sys = body["system"];
    if (!sys.is_string() && !sys.is_array())
      return "system: Input should be a string or a list of text blocks";
  }
  std::set<std::string> tool_names;
  if (body.contains("tools")) {
    if (!body["tools"].is_array()) return "tools: Input should be a valid list";
    for (size_t i = 0; i < body["tools"].size(); ++i) {
      const Json& t = body["tools"][i];
      std::string where = "tools." + std::to_string(i);
      if (!t.is_object() || !t.contains("name") || !t["name"].is_string() ||
          !std::regex_match(t["name"].get<std::string>(), tool_name_pattern())) {
        return where + ".name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'";
      }
      if (t.contains("type") || t.contains("function")) {
        return where + ": Extra inputs are not permitted (OpenAI tool shape sent to Anthropic)";
      }
      if (!t.contains("input_schema") || !t["input_schema"].is_object() ||
          t["input_schema"].value("type", "") != "object") {
        return where + ".input_schema: Input should be an object with type 'object'";
      }
      if (!tool_names.insert(t["name"].get<std::string>()).second)
        return "tools: Tool names must be unique.";
    }
  }
  if (body.contains("tool_choice")) {
    const Json& tc = body["tool_choice"];
    std::string type = tc.is_object() ? tc.value("type", "") : "";
    if (type != "auto" && type != "any" && type != "tool" && type != "none") {
      return "tool_choice: Input tag does not match any of the expected tags: 'auto', 'any', "
             "'tool', 'none'";
    }
    if (type == "tool" && !tool_names.count(tc.value("name", ""))) {
      return "tool_choice.name: the tool '" + tc.value("name", "") + "' is not in tools";
    }
    if (tool_names.empty() && type != "none")
      return "tool_choice may only be specified while providing tools.";
  }
  if (!body.contains("messages") || !body["messages"].is_array() || body["messages"].empty()) {
    return "messages: at least one message is required";
  }
  const Json& msgs = body["messages"];
  std::set<std::string> open_tool_uses;  // tool_use ids of the previous assistant message
  for (size_t i = 0; i < msgs.size(); ++i) {
    const Json& m = msgs[i];
    if (!m.is_object()) return at(i) + ": Input should be an object";
    std::string role = m.value("role", "");
    if (role == "system") {
      return at(i) +
             ": Unexpected role \"system\". The Messages API accepts a top-level `system` "
             "parameter, "
             "not \"system\" as an input message role.";
    }
    if (role != "user" && role != "assistant")
      return at(i) + ".role: Input should be 'user' or 'assistant'";
    if (i == 0 && role != "user") return "messages: the first message must use the \"user\" role";
    if (i > 0 && msgs[i - 1].value("role", "") == role) {
      return "messages: roles must alternate between \"user\" and \"assistant\", but found "
             "multiple \"" +
             role + "\" roles in a row";
    }
    if (!m.contains("content")) return at(i) + ".content: Field required";
    const Json& content = m["content"];
    std::set<std::string> answered;
    std::set<std::string> uses;
    bool last = i + 1 == msgs.size();
    if (content.is_string()) {
      if (content.get<std::string>().empty() && !(last && role == "assistant")) {
        return at(i) +
               ": all messages must have non-empty content except for the optional final assistant "
               "message";
      }
    } else if (content.is_array()) {
      if (content.empty() && !(last && role == "assistant")) {
        return at(i) +
               ": all messages must have non-empty content except for the optional final assistant "
               "message";
      }
      bool seen_other = false;
      for (size_t k = 0; k < content.size(); ++k) {
        const Json& b = content[k];
        std::string where = at(i) + ".content." + std::to_string(k);
        std::string type = b.is_object() ? b.value("type", "") : "";
        if (type == "text") {
          if (!b.contains("text") || !b["text"].is_string() ||
              !visible(b["text"].get<std::string>())) {
            return where + ": text content blocks must contain non-whitespace text";
          }
          seen_other = true;
        } else if (type == "tool_use") {
          if (role != "assistant")
            return where + ": tool_use blocks may only appear in assistant messages";
          std::string id = b.value("id", "");
          if (!std::regex_match(id, tool_id_pattern()))
            return where + ".id: String should match pattern '^[a-zA-Z0-9_-]+$'";
          if (!b.contains("input") || !b["input"].is_object())
            return where + ".input: Input should be a valid dictionary";
          std::string name = b.value("name", "");
          if (!tool_names.count(name)) {
            return where + ": tool_use names a tool that is not in tools: '" + name + "'";
          }
          if (!uses.insert(id).second) return where + ": tool_use ids must be unique";
        } else if (type == "tool_result") {
          if (role != "user")
            return where + ": tool_result blocks may only appear in user messages";
          if (seen_other) {
            return where +
                   ": tool_result blocks must come first in the content array, before any text";
          }
          std::string id = b.value("tool_use_id", "");
          if (!open_tool_uses.count(id)) {
            return where + ": unexpected `tool_use_id` found in `tool_result` blocks: " + id +
                   ". Each `tool_result` block must have a corresponding `tool_use` block in the "
                   "previous message.";
          }
          if (b.contains("content") && !b["content"].is_string() && !b["content"].is_array()) {
            return where + ".content: Input should be a string or a list of blocks";
          }
          answered.insert(id);
        } else if (type == "image" || type == "document" || type == "thinking" ||
                   type == "redacted_thinking") {
          seen_other = true;
        } else {
          return where + ".type: unknown content block type '" + type + "'";
        }
      }
    } else {
      return at(i) + ".content: Input should be a string or a list of blocks";
    }
    for (const auto& id : open_tool_uses) {
      if (!answered.count(id)) {
        return at(i) +
               ": `tool_use` ids were found without `tool_result` blocks immediately after: " + id +
               ". Each `tool_use` block must have a corresponding `tool_result` block in the next "
               "message.";
      }
    }
    if (!uses.empty() && last) {
      return at(i) +
             ": `tool_use` ids were found without `tool_result` blocks immediately after: " +
             *uses.begin();
    }
    if (role == "assistant" && last && content.is_array() && !content.empty()) {
      const Json& tail = content.back();
      if (tail.value("type", "") == "text" &&
          tail.value("text", "").find_last_not_of(" \t\r\n") + 1 != tail.value("text", "").size()) {
        return at(i) + ": final assistant content cannot end with trailing whitespace";
      }
    }
    open_tool_uses = uses;
  }
  return "";
}

void ScriptedLlmServer::add_anthropic_routes() {
  server_->Post("/v1/messages", [this](const httplib::Request& req, httplib::Response& res) {
    Json body = parse_json_or_discarded(req.body);
    record_request(body);
    auto refuse = [&](int status, const std::string& problem) {
      record_violation(problem);
      res.status = status;
      res.set_content(error_body(error_type_for(status), problem).dump(), "application/json");
    };
    if (req.get_header_value("x-api-key").empty())
      return refuse(401, "x-api-key header is required");
    if (req.get_header_value("anthropic-version").empty())
      return refuse(400, "anthropic-version: header is required");
    std::string problem = validate_anthropic_request(body);
    if (!problem.empty()) return refuse(400, problem);

    auto reply = take_reply(res, [&](int status, const Json& err) {
      res.status = status;
      res.set_content(error_body(err.value("type", error_type_for(status)),
                                 err.value("message", "scripted error"))
                          .dump(),
                      "application/json");
    });
    if (!reply) return;
    ScriptedAnswer answer = answer_of(*reply);
    const std::string& content = answer.content;
    std::string stop = stop_reason_for(answer.finish_reason);
    std::string msg_id = "msg_scripted_" + std::to_string(request_count());
    for (size_t k = 0; k < answer.calls.size(); ++k) {
      if (answer.calls[k].id.empty()) {
        answer.calls[k].id = "toolu_" + std::to_string(request_count()) + "_" + std::to_string(k);
      }
    }
    Json usage = {{"input_tokens", 100}, {"output_tokens", 20}};

    if (!body.value("stream", false)) {
      Json blocks = Json::array();
      if (!content.empty()) blocks.push_back({{"type", "text"}, {"text", content}});
      for (const auto& c : answer.calls) {
        // A cut-off (invalid) argument text has no object form: the real API sends what it parsed.
        Json input = parse_json_or_discarded(c.arguments);
        blocks.push_back({{"type", "tool_use"},
                          {"id", c.id},
                          {"name", c.name},
                          {"input", input.is_object() ? input : Json::object()}});
      }
      Json j = {{"id", msg_id},        {"type", "message"},
                {"role", "assistant"}, {"model", model_},
                {"content", blocks},   {"stop_reason", stop},
                {"stop_sequence", nullptr}, {"usage", usage}};
      res.set_content(j.dump(), "application/json");
      return;
    }

    std::vector<std::string> events;
    events.push_back(sse({{"type", "message_start"},
                          {"message",
                           {{"id", msg_id},
                            {"type", "message"},
                            {"role", "assistant"},
                            {"model", model_},
                            {"content", Json::array()},
                            {"stop_reason", nullptr},
                            {"usage", {{"input_tokens", 100}, {"output_tokens", 1}}}}}}));
    events.push_back(sse({{"type", "ping"}}));
    if (reply->contains("stream_error")) {
      const Json& e = (*reply)["stream_error"];
      events.push_back(
          sse(error_body(e.value("type", "overloaded_error"), e.value("message", "Overloaded"))));
    } else {
      int index = 0;
      if (!content.empty()) {
        events.push_back(sse({{"type", "content_block_start"},
                              {"index", index},
                              {"content_block", {{"type", "text"}, {"text", ""}}}}));
        for (const auto& piece : utf8_pieces(content, 7)) {
          events.push_back(sse({{"type", "content_block_delta"},
                                {"index", index},
                                {"delta", {{"type", "text_delta"}, {"text", piece}}}}));
        }
        events.push_back(sse({{"type", "content_block_stop"}, {"index", index}}));
        ++index;
      }
      for (const auto& c : answer.calls) {
        events.push_back(sse({{"type", "content_block_start"},
                              {"index", index},
                              {"content_block",
                               {{"type", "tool_use"},
                                {"id", c.id},
                                {"name", c.name},
                                {"input", Json::object()}}}}));
        for (const auto& piece : utf8_pieces(c.arguments, 9)) {
          events.push_back(
              sse({{"type", "content_block_delta"},
                   {"index", index},
                   {"delta", {{"type", "input_json_delta"}, {"partial_json", piece}}}}));
        }
        events.push_back(sse({{"type", "content_block_stop"}, {"index", index}}));
        ++index;
      }
      events.push_back(sse({{"type", "message_delta"},
                            {"delta", {{"stop_reason", stop}, {"stop_sequence", nullptr}}},
                            {"usage", {{"output_tokens", 20}}}}));
      events.push_back(sse({{"type", "message_stop"}}));
    }
    send_events(res, "text/event-stream", std::move(events), reply->value("cut_stream", false));
  });
}

}  // namespace memgpt::testing
