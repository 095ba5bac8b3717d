// The Anthropic Messages API backend (POST {endpoint}/messages): tool use, SSE streaming,
// usage, stop reasons and classified errors. Built through make_chat_model for
// model_endpoint_type "anthropic"; declared here so that factory stays one line.
#pragma once

#include <memory>

#include "llm/llm_config.h"

namespace memgpt::llm {

// Endpoint default: https://api.anthropic.com/v1 (a "/v1" is added when the endpoint lacks it).
Result<std::unique_ptr<ChatModel>> make_anthropic_chat_model(const LlmConfig& config,
                                                             std::shared_ptr<HttpClient> http);

// The Messages API body for `request` (exposed for tests): system prompt on top, roles merged
// so they alternate starting with user, tool calls and results as tool_use / tool_result blocks.
Json anthropic_request_body(const std::string& model, const ChatRequest& request);

}  // namespace memgpt::llm
