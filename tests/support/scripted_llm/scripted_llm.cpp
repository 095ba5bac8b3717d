#include "util/listen_backlog.h"
#include "scripted_llm.h"

#include <httplib.h>

#include <chrono>
#include <set>

namespace memgpt::testing {

ScriptedLlmServer::ScriptedLlmServer(Json scenario) : scenario_(std::move(scenario)) {}

ScriptedLlmServer::~ScriptedLlmServer() { stop(); }

std::string ScriptedLlmServer::validate_request(const Json& body) {
  if (!body.is_object()) return "the body is not a JSON object";
  if (!body.contains("model") || !body["model"].is_string()) return "'model' is required";
  if (!body.contains("messages") || !body["messages"].is_array() || body["messages"].empty()) {
    return "'messages' must be a non-empty array";
  }
  std::set<std::string> tool_names;
  if (body.contains("tools")) {
    if (!body["tools"].is_array()) return "'tools' must be an array";
    for (const auto& t : body["tools"]) {
      if (t.value("type", "") != "function" || !t.contains("function") ||
          !t["function"].contains("name") || !t["function"].contains("parameters") ||
          t["function"]["parameters"].value("type", "") != "object") {
        return "each tool must be {type: function, function: {name, parameters: {type: object}}}";
      }
      tool_names.insert(t["function"]["name"].get<std::string>());
    }
  }
  const Json& msgs = body["messages"];
  std::set<std::string> open_calls;
  for (size_t i = 0; i < msgs.size(); ++i) {
    const Json& m = msgs[i];
    std::string role = m.value("role", "");
    if (role != "system" && role != "user" && role != "assistant" && role != "tool") {
      return "messages[" + std::to_string(i) + "]: invalid role '" + role + "'";
    }
    if (!open_calls.empty() && role != "tool") {
      return "messages[" + std::to_string(i) +
             "]: an assistant message with 'tool_calls' must be followed by tool messages "
             "responding to each 'tool_call_id'";
    }
    if (role == "tool") {
      std::string id = m.value("tool_call_id", "");
      if (!open_calls.count(id)) {
        return "messages[" + std::to_string(i) +
               "]: messages with role 'tool' must be a response to a preceeding message with "
               "'tool_calls'";
      }
      open_calls.erase(id);
      if (!m.contains("content") || !m["content"].is_string()) {
        return "messages[" + std::to_string(i) + "]: a tool message needs string content";
      }
      continue;
    }
    if (role == "assistant" && m.contains("tool_calls")) {
      for (const auto& tc : m["tool_calls"]) {
        std::string id = tc.value("id", "");
        if (id.empty()) return "messages[" + std::to_string(i) + "]: a tool call needs an id";
        if (!tc.contains("function") || !tc["function"].contains("arguments") ||
            !tc["function"]["arguments"].is_string()) {
          return "messages[" + std::to_string(i) + "]: tool call arguments must be a string";
        }
        open_calls.insert(id);
      }
      continue;
    }
    if (!m.contains("content") || !(m["content"].is_string())) {
      return "messages[" + std::to_string(i) + "]: 'content' must be a string";
    }
  }
  if (!open_calls.empty()) return "a tool call at the end of 'messages' has no tool response";
  return "";
}

Json ScriptedLlmServer::next_reply() {
  std::lock_guard lock(mu_);
  const Json& replies = scenario_["replies"];
  if (next_ >= replies.size()) return Json();
  return replies[next_++];
}

size_t ScriptedLlmServer::replies_left() const {
  std::lock_guard lock(mu_);
  return scenario_["replies"].size() - next_;
}

size_t ScriptedLlmServer::request_count() const {
  std::lock_guard lock(mu_);
  return requests_.size();
}

std::vector<Json> ScriptedLlmServer::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

std::vector<std::string> ScriptedLlmServer::violations() const {
  std::lock_guard lock(mu_);
  return violations_;
}

std::string ScriptedLlmServer::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/v1";
}

int ScriptedLlmServer::start(int port) {
  server_ = std::make_unique<httplib::Server>();
  std::string model = scenario_.value("model", "gpt-4o-mini");
  server_->Get("/v1/models", [model](const httplib::Request&, httplib::Response& res) {
    Json j = {{"object", "list"}, {"data", {{{"id", model}, {"object", "model"}, {"owned_by", "scripted"}}}}};
    res.set_content(j.dump(), "application/json");
  });
  server_->Get("/_requests", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(Json(requests()).dump(), "application/json");
  });
  server_->Get("/_violations", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(Json(violations()).dump(), "application/json");
  });
  add_anthropic_routes(model);
  server_->Post("/v1/chat/completions", [this, model](const httplib::Request& req, httplib::Response& res) {
    Json body = Json::parse(req.body, nullptr, false);
    {
      std::lock_guard lock(mu_);
      requests_.push_back(body);
    }
    std::string problem = validate_request(body);
    if (!problem.empty()) {
      {
        std::lock_guard lock(mu_);
        violations_.push_back(problem);
      }
      res.status = 400;
      res.set_content(Json({{"error", {{"message", problem}, {"type", "invalid_request_error"}, {"code", nullptr}}}}).dump(),
                      "application/json");
      return;
    }
    Json reply = next_reply();
    if (reply.is_null()) {
      res.status = 500;
      res.set_content(R"({"error":{"message":"scenario exhausted","type":"server_error"}})", "application/json");
      return;
    }
    if (reply.value("delay_ms", 0) > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(reply.value("delay_ms", 0)));
    }
    if (reply.value("drop_connection", false)) return drop_connection(res);
    int status = reply.value("status", 200);
    if (status != 200) {
      res.status = status;
      if (reply.contains("retry_after")) res.set_header("Retry-After", std::to_string(reply["retry_after"].get<int>()));
      Json err = reply.value("error", Json({{"message", "scripted error"}, {"type", "server_error"}}));
      res.set_content(Json({{"error", err}}).dump(), "application/json");
      return;
    }
    std::string content = reply.value("content", "");
    auto calls = reply_tool_calls(reply);
    std::string finish = reply.value("finish_reason", calls.empty() ? "stop" : "tool_calls");
    std::string call_id = "call_" + std::to_string(request_count());
    auto id_of = [&](size_t k) { return k == 0 ? call_id : call_id + "_" + std::to_string(k); };
    bool stream = body.value("stream", false);
    if (!stream) {
      Json msg = {{"role", "assistant"}, {"content", content.empty() ? Json(nullptr) : Json(content)}};
      for (size_t k = 0; k < calls.size(); ++k) {
        msg["tool_calls"].push_back({{"id", id_of(k)}, {"type", "function"}, {"function", {{"name", calls[k].first}, {"arguments", calls[k].second}}}});
      }
      Json j = {{"id", "chatcmpl-scripted"}, {"object", "chat.completion"}, {"model", model},
                {"choices", {{{"index", 0}, {"message", msg}, {"finish_reason", finish}}}},
                {"usage", {{"prompt_tokens", 100}, {"completion_tokens", 20}, {"total_tokens", 120}}}};
      std::string text = j.dump();
      if (reply.value("truncate_body", false)) text = text.substr(0, text.size() / 2);
      res.set_content(text, "application/json");
      return;
    }
    bool cut = reply.value("cut_stream", false);
    std::vector<std::string> events;
    auto chunk = [&](const Json& delta, const Json& finish_reason) {
      Json j = {{"id", "chatcmpl-scripted"}, {"object", "chat.completion.chunk"}, {"model", model},
                {"choices", {{{"index", 0}, {"delta", delta}, {"finish_reason", finish_reason}}}}};
      events.push_back("data: " + j.dump() + "\n\n");
    };
    chunk({{"role", "assistant"}}, nullptr);
    for (size_t i = 0; i < content.size(); i += 7) chunk({{"content", content.substr(i, 7)}}, nullptr);
    for (size_t k = 0; k < calls.size(); ++k) {
      const std::string& args = calls[k].second;
      chunk({{"tool_calls", {{{"index", k}, {"id", id_of(k)}, {"type", "function"}, {"function", {{"name", calls[k].first}, {"arguments", ""}}}}}}}, nullptr);
      for (size_t i = 0; i < args.size(); i += 9) {
        chunk({{"tool_calls", {{{"index", k}, {"function", {{"arguments", args.substr(i, 9)}}}}}}}, nullptr);
      }
    }
    chunk(Json::object(), finish);
    events.push_back("data: " + Json({{"choices", Json::array()}, {"usage", {{"prompt_tokens", 100}, {"completion_tokens", 20}, {"total_tokens", 120}}}}).dump() + "\n\n");
    events.push_back("data: [DONE]\n\n");
    if (cut) events.resize(events.size() / 2);
    auto shared = std::make_shared<std::vector<std::string>>(std::move(events));
    res.set_chunked_content_provider("text/event-stream", [shared, cut](size_t, httplib::DataSink& sink) {
      for (const auto& e : *shared) sink.write(e.data(), e.size());
      if (cut) return false;  // drop the connection mid-stream
      sink.done();
      return true;
    });
  });
  add_local_routes(*server_);
  port_ = port == 0 ? server_->bind_to_any_port("127.0.0.1") : (server_->bind_to_port("127.0.0.1", port) ? port : -1);
  if (port_ > 0) raise_listen_backlog(port_);  // load tests connect many clients at once
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return port_;
}

void ScriptedLlmServer::stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace memgpt::testing
