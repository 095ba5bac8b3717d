// Stored messages (recall records) as the model and the searches see them.
#pragma once

#include <string>

#include "llm/chat_model.h"
#include "store/recall_store.h"
#include "util/clock.h"
#include "util/json.h"

namespace memgpt::agent {

// The human-readable part of a message, for text search and summaries: what the user said and
// what the agent said to the user (inner thoughts and send_message text).
std::string searchable_text(const store::MessageRecord& message);

llm::ChatMessage to_chat(const store::MessageRecord& message);

// {"id", "type": "function", "function": {"name", "arguments"}} as stored with a message.
Json tool_call_json(const llm::ToolCall& call);

// The current time as MemGPT writes it in packed messages.
std::string now_text(const Clock& clock);

}  // namespace memgpt::agent
