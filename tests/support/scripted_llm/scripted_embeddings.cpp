#include "scripted_embeddings.h"

#include <httplib.h>

#include <cctype>
#include <chrono>
#include <cmath>
#include <vector>

#include "util/json.h"

namespace memgpt::testing {
namespace {

std::vector<float> vector_of(const std::string& text, int dim) {
  std::vector<float> v(static_cast<size_t>(dim), 0.0f);
  std::string word;
  auto add = [&] {
    if (word.empty()) return;
    uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : word) h = (h ^ c) * 1099511628211ULL;
    v[h % static_cast<uint64_t>(dim)] += (h >> 40) % 2 ? 1.0f : -1.0f;
    word.clear();
  };
  for (unsigned char c : text) {
    if (std::isalnum(c)) word += static_cast<char>(std::tolower(c));
    else add();
  }
  add();
  float norm = 0;
  for (float x : v) norm += x * x;
  if (norm == 0) v[0] = norm = 1;
  for (float& x : v) x /= std::sqrt(norm);
  return v;
}

void error(httplib::Response& res, const std::string& message, const std::string& param) {
  res.status = 400;
  Json e = {{"error", {{"message", message}, {"type", "invalid_request_error"}, {"param", param}, {"code", nullptr}}}};
  res.set_content(e.dump(), "application/json");
}

}  // namespace

ScriptedEmbeddings::ScriptedEmbeddings(int dim) : dim_(dim), server_(std::make_unique<httplib::Server>()) {
  server_->Post("/v1/embeddings", [this](const httplib::Request& req, httplib::Response& res) {
    {
      std::unique_lock lock(mu_);
      ++received_;
      changed_.notify_all();
      if (hold_after_ >= 0 && received_ > hold_after_) {
        changed_.wait(lock, [&] { return released_ || stopping_; });
        if (stopping_) return;
      }
    }
    Json body = parse_json_or_discarded(req.body);
    if (!body.is_object() || !body.contains("model") || !body["model"].is_string()) {
      return error(res, "you must provide a model parameter", "model");
    }
    std::vector<std::string> inputs;
    const Json input = body.value("input", Json());
    if (input.is_string()) inputs.push_back(input.get<std::string>());
    else if (input.is_array()) {
      for (const auto& x : input) {
        if (!x.is_string() || x.get<std::string>().empty()) return error(res, "invalid input", "input");
        inputs.push_back(x.get<std::string>());
      }
    }
    if (inputs.empty()) return error(res, "'input' is required", "input");
    Json data = Json::array();
    for (size_t i = 0; i < inputs.size(); ++i) {
      data.push_back({{"object", "embedding"}, {"index", i}, {"embedding", vector_of(inputs[i], dim_)}});
    }
    Json out = {{"object", "list"},
                {"data", data},
                {"model", body["model"]},
                {"usage", {{"prompt_tokens", 0}, {"total_tokens", 0}}}};
    res.set_content(out.dump(), "application/json");
  });
  port_ = server_->bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

ScriptedEmbeddings::~ScriptedEmbeddings() { stop(); }

std::string ScriptedEmbeddings::base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }

void ScriptedEmbeddings::hold_after(int answered) {
  std::lock_guard lock(mu_);
  hold_after_ = answered;
  released_ = false;
}

void ScriptedEmbeddings::release() {
  std::lock_guard lock(mu_);
  released_ = true;
  changed_.notify_all();
}

void ScriptedEmbeddings::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    changed_.notify_all();
  }
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

int ScriptedEmbeddings::requests() const {
  std::lock_guard lock(mu_);
  return received_;
}

bool ScriptedEmbeddings::wait_for_requests(int n, int timeout_ms) const {
  std::unique_lock lock(mu_);
  return changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return received_ >= n; });
}

}  // namespace memgpt::testing
