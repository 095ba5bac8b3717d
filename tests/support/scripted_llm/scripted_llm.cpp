// What every route of the scripted server shares: the script, the request and violation logs,
// the transport behaviour of a reply (delays, drops, scripted errors) and the server's life.
#include "scripted_llm.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>

#include "util/listen_backlog.h"

namespace memgpt::testing {

ScriptedLlmServer::ScriptedLlmServer(Json scenario)
    : scenario_(std::move(scenario)), model_(scenario_.value("model", "gpt-4o-mini")) {
  if (!scenario_.contains("replies")) scenario_["replies"] = Json::array();
}

ScriptedLlmServer::~ScriptedLlmServer() { stop(); }

ScriptedAnswer ScriptedLlmServer::answer_of(const Json& reply) {
  ScriptedAnswer out;
  auto text_of = [](const Json& args) {
    if (args.is_null()) return std::string();
    return args.is_string() ? args.get<std::string>() : args.dump();
  };
  if (reply.contains("message")) {
    const Json& m = reply["message"];
    if (m.contains("content") && m["content"].is_string()) out.content = m["content"];
    for (const auto& tc : m.value("tool_calls", Json::array())) {
      const Json& fn = tc.value("function", Json::object());
      out.calls.push_back({tc.value("id", ""), fn.value("name", ""),
                           text_of(fn.value("arguments", Json()))});
    }
  } else {
    out.content = reply.value("content", "");
    if (!reply.value("tool", "").empty()) {
      out.calls.push_back({"", reply["tool"], text_of(reply.value("arguments", Json()))});
    }
    for (const auto& c : reply.value("tool_calls", Json::array())) {
      out.calls.push_back({"", c.value("tool", ""), text_of(c.value("arguments", Json()))});
    }
  }
  out.finish_reason = reply.value("finish_reason", out.calls.empty() ? "stop" : "tool_calls");
  return out;
}

void ScriptedLlmServer::add_replies(const Json& replies) {
  std::lock_guard lock(mu_);
  for (const auto& r : replies) scenario_["replies"].push_back(r);
}

size_t ScriptedLlmServer::replies_left() const {
  std::lock_guard lock(mu_);
  return scenario_["replies"].size() - next_;
}

size_t ScriptedLlmServer::request_count() const {
  std::lock_guard lock(mu_);
  return requests_.size();
}

bool ScriptedLlmServer::wait_for_requests(size_t n, int timeout_ms) const {
  std::unique_lock lock(mu_);
  return arrived_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                           [&] { return requests_.size() >= n; });
}

std::vector<Json> ScriptedLlmServer::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

std::vector<std::string> ScriptedLlmServer::violations() const {
  std::lock_guard lock(mu_);
  return violations_;
}

void ScriptedLlmServer::record_request(const Json& body) {
  {
    std::lock_guard lock(mu_);
    requests_.push_back(body);
  }
  arrived_.notify_all();
}

void ScriptedLlmServer::record_violation(const std::string& problem) {
  std::lock_guard lock(mu_);
  violations_.push_back(problem);
}

std::string ScriptedLlmServer::base_url() const { return origin() + "/v1"; }

std::string ScriptedLlmServer::origin() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::optional<Json> ScriptedLlmServer::take_reply(httplib::Response& res,
                                                  const ErrorWriter& write_error) {
  Json reply;
  {
    std::lock_guard lock(mu_);
    const Json& replies = scenario_["replies"];
    if (next_ < replies.size()) reply = replies[next_++];
  }
  if (reply.is_null()) {
    write_error(500, {{"type", "server_error"}, {"message", "scenario exhausted"}});
    return std::nullopt;
  }
  if (reply.value("delay_ms", 0) > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(reply.value("delay_ms", 0)));
  }
  if (reply.value("drop_connection", false)) {
    drop_connection(res);
    return std::nullopt;
  }
  int status = reply.value("status", 200);
  if (status != 200) {
    if (reply.contains("retry_after")) {
      res.set_header("Retry-After", std::to_string(reply["retry_after"].get<int>()));
    }
    write_error(status, reply.value("error", Json::object()));
    return std::nullopt;
  }
  return reply;
}

void ScriptedLlmServer::drop_connection(httplib::Response& res) {
  res.set_content_provider(1000, "application/json",
                           [](size_t, size_t, httplib::DataSink&) { return false; });
}

std::vector<std::string> ScriptedLlmServer::utf8_pieces(const std::string& s, size_t n) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t end = std::min(s.size(), i + n);
    while (end < s.size() && end > i + 1 && (static_cast<unsigned char>(s[end]) & 0xc0) == 0x80) {
      --end;
    }
    out.push_back(s.substr(i, end - i));
    i = end;
  }
  return out;
}

void ScriptedLlmServer::send_events(httplib::Response& res, const char* content_type,
                                    std::vector<std::string> events, bool cut) {
  if (cut) events.resize(events.size() / 2);
  auto shared = std::make_shared<std::vector<std::string>>(std::move(events));
  res.set_chunked_content_provider(content_type, [shared, cut](size_t, httplib::DataSink& sink) {
    for (const auto& e : *shared) sink.write(e.data(), e.size());
    if (cut) return false;  // drop the connection mid-stream
    sink.done();
    return true;
  });
}

int ScriptedLlmServer::start(int port) {
  server_ = std::make_unique<httplib::Server>();
  server_->Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
    Json j = {{"object", "list"},
              {"data", {{{"id", model_}, {"object", "model"}, {"owned_by", "scripted"}}}}};
    res.set_content(j.dump(), "application/json");
  });
  server_->Get("/_requests", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(Json(requests()).dump(), "application/json");
  });
  server_->Get("/_violations", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(Json(violations()).dump(), "application/json");
  });
  add_openai_routes();
  add_anthropic_routes();
  add_local_routes();
  port_ = port == 0 ? server_->bind_to_any_port("127.0.0.1")
                    : (server_->bind_to_port("127.0.0.1", port) ? port : -1);
  if (port_ <= 0) return port_;
  raise_listen_backlog(port_);  // load tests connect many clients at once
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // The socket listens from bind on; wait for the accept loop so stop() cannot race it.
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return port_;
}

void ScriptedLlmServer::stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
  if (report_violations_ && !reported_) {
    reported_ = true;
    for (const auto& v : violations()) {
      ADD_FAILURE() << "the scripted LLM server refused an invalid request: " << v;
    }
  }
}

}  // namespace memgpt::testing
