// Messages: POST /v1/agents/{id}/messages (plain, or SSE with streaming / .../messages/stream),
// GET .../messages (cursor paging), MemGPT's REPL commands (POST .../command), Letta's
// reset-messages and summarize.
#include <algorithm>
#include <memory>

#include <fmt/format.h>

#include "server/letta_views.h"
#include "server/request_fields.h"
#include "server/routes.h"
#include "server/sse.h"

namespace memgpt::server {
namespace {

using runtime::TurnInput;

// The inputs of a send: Letta's `messages` ({role, content}) or `input`, or MemGPT's
// {"message", "role"}.
ApiResult<std::vector<TurnInput>> inputs_of(const Json& body) {
  std::vector<TurnInput> inputs;
  if (body.contains("messages") && !body["messages"].is_null()) {
    if (!body["messages"].is_array()) return invalid("messages", "'messages' must be a list");
    for (const auto& m : body["messages"]) {
      if (!m.is_object()) return invalid("messages", "each message must be an object {role, content}");
      API_ASSIGN_OR_RETURN(auto role, opt_str(m, "role"));
      std::string r = role.value_or("user");
      if (r != "user" && r != "system") return invalid("messages", "message role must be 'user' or 'system'");
      if (!m.contains("content")) return invalid("messages", "each message needs 'content'");
      API_ASSIGN_OR_RETURN(std::string text, content_text(m["content"], "messages"));
      inputs.push_back({r == "system" ? TurnInput::Kind::kSystem : TurnInput::Kind::kUser, text});
    }
  } else if (body.contains("input") && !body["input"].is_null()) {
    API_ASSIGN_OR_RETURN(std::string text, content_text(body["input"], "input"));
    inputs.push_back({TurnInput::Kind::kUser, text});
  } else if (body.contains("message") && body["message"].is_string()) {  // MemGPT /api shape
    API_ASSIGN_OR_RETURN(auto role, opt_str(body, "role"));
    inputs.push_back({role.value_or("user") == "system" ? TurnInput::Kind::kSystem : TurnInput::Kind::kUser,
                      body["message"].get<std::string>()});
  }
  if (inputs.empty()) return invalid("messages", "send 'messages' (a list of {role, content}) or 'input'");
  return inputs;
}

ApiResult<http::Response> send_messages(ServerContext& s, const http::Request& req, const Caller& c, bool force_stream) {
  API_ASSIGN_OR_RETURN(Json body, parse_body(req));
  const std::string& id = req.params[0];
  API_CHECK(s.agent_of(c, id));  // 404 before anything else
  API_ASSIGN_OR_RETURN(std::vector<TurnInput> inputs, inputs_of(body));
  API_ASSIGN_OR_RETURN(auto use_assistant, opt_bool(body, "use_assistant_message"));
  API_ASSIGN_OR_RETURN(auto streaming, opt_bool(body, "streaming"));
  API_ASSIGN_OR_RETURN(auto stream_flag, opt_bool(body, "stream"));
  API_ASSIGN_OR_RETURN(auto stream_tokens, opt_bool(body, "stream_tokens"));
  API_ASSIGN_OR_RETURN(auto max_steps, opt_int(body, "max_steps"));
  if (max_steps && (*max_steps < 1 || *max_steps > 100)) return invalid("max_steps", "'max_steps' must be between 1 and 100");
  agent::TurnOptions options;
  options.max_steps = static_cast<int>(max_steps.value_or(25));
  bool assistant = use_assistant.value_or(true);

  API_ASSIGN_OR_RETURN(runtime::OpenAgent open, s.open_agent(c, id, true));
  if (!force_stream && !streaming.value_or(false) && !stream_flag.value_or(false)) {
    API_ASSIGN_OR_RETURN(runtime::TurnTotals totals, s.agents.send(open, inputs, nullptr, options));
    open.keep_cached();
    API_ASSIGN_OR_RETURN(auto records, s.agents.recall().get(totals.message_ids));
    Json messages = Json::array();
    for (const auto& m : records) {
      if (m.role == "user") continue;  // the input and heartbeats: the client knows them
      for (auto& v : message_views(m, assistant)) messages.push_back(std::move(v));
    }
    return json_response(
        {{"messages", messages}, {"stop_reason", stop_reason_view("end_turn")}, {"usage", usage_view(totals.usage, totals.steps)}});
  }
  // Streaming: the turn runs when the body is written (same worker); events go out as they
  // happen. A client that goes away does not stop the step: it completes (and commits) or fails
  // (and rolls back) as it would have. The agent stays locked until the stream ends.
  options.stream = stream_tokens.value_or(false);
  auto held = std::make_shared<runtime::OpenAgent>(std::move(open));
  http::Response res;
  res.content_type = "text/event-stream";
  res.headers.emplace("Cache-Control", "no-cache");
  res.stream = [&s, held, inputs = std::move(inputs), assistant, options](http::BodyWriter& out) {
    SseWriter sse(out);
    StreamedMessages views(assistant, options.stream);
    auto sent = s.agents.send(*held, inputs, [&](const agent::AgentEvent& e) {
      for (const auto& m : views.on_event(e)) sse.data(m);
    }, options);
    if (!sent.ok()) return sse.error(public_error(sent.status()));
    held->keep_cached();
    sse.data(stop_reason_view("end_turn"));
    sse.data(usage_view(views.usage(), views.steps()));
    sse.done();
  };
  return res;
}

ApiResult<http::Response> list_messages(ServerContext& s, const http::Request& req, const Caller& c) {
  const std::string& id = req.params[0];
  API_CHECK(s.agent_of(c, id));
  API_ASSIGN_OR_RETURN(bool desc, descending(req, true));
  bool assistant = query_str(req, "use_assistant_message") != "false";
  API_ASSIGN_OR_RETURN(auto records, s.agents.recall().list(id, 0, 0, -1, desc));
  // Page over the stored messages that show as something: a page never ends inside one stored
  // message (its views share its id, the cursor) and hidden ones (send_message's return) never
  // make an empty page that would stop a client's auto-paging early.
  std::vector<std::pair<std::string, std::vector<Json>>> shown;
  for (const auto& m : records) {
    auto views = message_views(m, assistant);
    if (views.empty()) continue;
    if (desc) std::reverse(views.begin(), views.end());  // newest first inside a message too
    shown.emplace_back(m.id, std::move(views));
  }
  API_ASSIGN_OR_RETURN(auto paged, page(std::move(shown), req, [](const auto& e) { return e.first; }, 100));
  Json out = Json::array();
  for (auto& [mid, views] : paged) {
    for (auto& v : views) out.push_back(std::move(v));
  }
  return json_response(out);
}

// MemGPT's REPL commands over HTTP: {"command": "/pop 2"}.
ApiResult<http::Response> run_command(ServerContext& s, const http::Request& req, const Caller& c) {
  API_ASSIGN_OR_RETURN(Json body, parse_body(req));
  API_ASSIGN_OR_RETURN(std::string line, req_str(body, "command"));
  auto command = runtime::parse_agent_command(line);
  if (!command.ok()) return invalid("command", command.status().message());
  API_ASSIGN_OR_RETURN(runtime::OpenAgent open, s.open_agent(c, req.params[0], runtime::command_needs_model(*command)));
  API_CHECK(s.agents.run_command(open, *command, nullptr));
  open.keep_cached();
  return json_response({{"status", "ok"}, {"command", command->verb}});
}

}  // namespace

void add_message_routes(ServerContext& s) {
  s.route("POST", {"/v1", "/api"}, "/agents/*/messages", [&s](auto& q, auto& c) { return send_messages(s, q, c, false); });
  s.route("POST", {"/v1"}, "/agents/*/messages/stream", [&s](auto& q, auto& c) { return send_messages(s, q, c, true); });
  s.route("GET", {"/v1", "/api"}, "/agents/*/messages", [&s](auto& q, auto& c) { return list_messages(s, q, c); });
  s.route("POST", {"/v1", "/api"}, "/agents/*/command", [&s](auto& q, auto& c) { return run_command(s, q, c); });
  // Letta's reset (forget the conversation in context; recall keeps it) and summarize.
  s.route("PATCH", {"/v1"}, "/agents/*/reset-messages", [&s](auto& q, auto& c) -> ApiResult<http::Response> {
    API_ASSIGN_OR_RETURN(runtime::OpenAgent open, s.open_agent(c, q.params[0], false));
    API_CHECK(open.agent().wipe());
    open.keep_cached();
    API_ASSIGN_OR_RETURN(auto agent, s.app.store->get_agent(q.params[0]));
    API_ASSIGN_OR_RETURN(Json view, s.agent_json(agent));
    return json_response(view);
  });
  s.route("POST", {"/v1"}, "/agents/*/summarize", [&s](auto& q, auto& c) -> ApiResult<http::Response> {
    API_ASSIGN_OR_RETURN(runtime::OpenAgent open, s.open_agent(c, q.params[0], true));
    API_CHECK(open.agent().summarize(nullptr));
    open.keep_cached();
    return json_response(Json(nullptr));
  });
}

}  // namespace memgpt::server
