// An in-process chat model for agent tests: plays scripted replies in order and records every
// request. It is as strict as the scripted server: each request, as the body the OpenAI
// backend would send for it, must pass the server's Chat Completions contract check; a request
// that does not is answered with an error (as the real API would) and fails the test when the
// model is destroyed.
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "llm/chat_model.h"

namespace memgpt::testing {

class ScriptedModel : public llm::ChatModel {
 public:
  struct Reply {
    std::string content;
    std::string tool;       // empty: no call
    std::string arguments;  // raw JSON text
    Status error;           // returned instead of a reply when not ok
    std::string finish_reason = "stop";
    std::vector<llm::ToolCall> more_calls;  // after `tool`, in the same reply
  };
  ~ScriptedModel() override;

  void push(Reply r) { replies_.push_back(std::move(r)); }
  void say(const std::string& thoughts, const std::string& message);
  void call(const std::string& thoughts, const std::string& tool, const Json& args);

  Result<llm::ChatResponse> complete(const llm::ChatRequest& request) override;
  std::string model_name() const override { return "scripted"; }
  std::string endpoint_type() const override { return "openai"; }

  size_t remaining() const { return replies_.size(); }
  std::vector<llm::ChatRequest> requests;
  std::vector<std::string> violations;

 private:
  std::deque<Reply> replies_;
};

}  // namespace memgpt::testing
