#include "support/agent/scripted_model.h"

#include <gtest/gtest.h>

#include "llm/openai_chat.h"
#include "scripted_llm.h"

namespace memgpt::testing {

ScriptedModel::~ScriptedModel() {
  for (const auto& v : violations) ADD_FAILURE() << "the agent sent an invalid request: " << v;
}

void ScriptedModel::say(const std::string& thoughts, const std::string& message) {
  push({thoughts, "send_message", Json({{"message", message}}).dump()});
}

void ScriptedModel::call(const std::string& thoughts, const std::string& tool, const Json& args) {
  push({thoughts, tool, args.dump()});
}

Result<llm::ChatResponse> ScriptedModel::complete(const llm::ChatRequest& request) {
  requests.push_back(request);
  Json body = llm::openai_request_body("scripted", request);
  if (request.on_delta) {
    body["stream"] = true;
    body["stream_options"] = {{"include_usage", true}};
  }
  std::string problem = ScriptedLlmServer::validate_request(body);
  if (!problem.empty()) {
    violations.push_back(problem);
    return invalid_argument("the scripted model refused the request: " + problem);
  }
  if (replies_.empty()) return internal_error("the script has no reply left");
  Reply r = replies_.front();
  replies_.pop_front();
  if (!r.error.ok()) return r.error;
  llm::ChatResponse resp;
  resp.message.role = "assistant";
  resp.message.content = r.content;
  resp.finish_reason = r.finish_reason;
  if (!r.tool.empty()) {
    resp.message.tool_calls.push_back({"call_" + std::to_string(requests.size()), r.tool, r.arguments});
    if (r.finish_reason == "stop") resp.finish_reason = "tool_calls";
  }
  for (const auto& more : r.more_calls) resp.message.tool_calls.push_back(more);
  resp.usage = {100, 10, 110};
  resp.model = "scripted";
  return resp;
}

}  // namespace memgpt::testing
