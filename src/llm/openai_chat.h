// The OpenAI Chat Completions backend (and every server that speaks it). Built through
// make_chat_model; what is declared here is exposed for tests.
#pragma once

#include <string>

#include "llm/chat_model.h"

namespace memgpt::llm {

// The Chat Completions body for `request`, without the streaming fields: model, messages (tool
// calls with their ids, tool results with tool_call_id), tools with tool_choice and
// parallel_tool_calls=false when there are tools, temperature and max_tokens when set.
Json openai_request_body(const std::string& model, const ChatRequest& request);

}  // namespace memgpt::llm
