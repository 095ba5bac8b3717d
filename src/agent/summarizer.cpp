#include "agent/summarizer.h"

#include <fmt/format.h>

#include "agent/message_records.h"
#include "agent/protocol.h"

namespace memgpt::agent {
namespace {

constexpr const char* kSummarySystemPrompt =
    "You summarise conversations. Below is a part of a conversation between an AI persona and "
    "a human, including the AI's private inner monologue, its function calls and their "
    "results. Write a summary of it in the first person, from the AI's point of view, in fewer "
    "than 100 words. Keep facts about the human, promises made and open questions. Output only "
    "the summary.";
constexpr double kTranscriptShare = 0.6;  // of the window, for one summary request
constexpr int kMaxSplitDepth = 8;

std::string transcript_of(const std::vector<store::MessageRecord>& messages) {
  std::string transcript;
  for (const auto& m : messages) {
    std::string line = m.role + ": " + m.text;
    for (const auto& tc : m.tool_calls) {
      line += fmt::format(" [calls {}({})]", tc.value("/function/name"_json_pointer, ""),
                          tc.value("/function/arguments"_json_pointer, ""));
    }
    transcript += line + "\n";
  }
  return transcript;
}

}  // namespace

Result<std::string> Summarizer::summary_of(const std::vector<store::MessageRecord>& messages,
                                           const EventSink& sink, const std::atomic<bool>* cancel,
                                           int depth) {
  llm::ChatModel* model = conversation_.deps().model;
  if (!model) return failed_precondition("no LLM is configured to write the summary");
  std::string transcript = transcript_of(messages);
  auto budget = static_cast<int64_t>(static_cast<double>(budget_.window()) * kTranscriptShare);
  const tokenizer::Tokenizer& tok = budget_.tokenizer();
  int64_t size = static_cast<int64_t>(tok.count(transcript));
  if (size > budget && messages.size() > 1 && depth < kMaxSplitDepth) {
    // Too long to summarise in one call: summarise the first half, then the summary + the rest.
    size_t half = messages.size() / 2;
    std::vector<store::MessageRecord> first(messages.begin(), messages.begin() + static_cast<ptrdiff_t>(half));
    MEMGPT_ASSIGN_OR_RETURN(std::string partial, summary_of(first, sink, cancel, depth + 1));
    store::MessageRecord carry;
    carry.role = "system";
    carry.text = "Summary of the earlier part: " + partial;
    std::vector<store::MessageRecord> rest{carry};
    rest.insert(rest.end(), messages.begin() + static_cast<ptrdiff_t>(half), messages.end());
    return summary_of(rest, sink, cancel, depth + 1);
  }
  if (size > budget) {
    // A single message larger than the budget: keep its beginning.
    auto ids = tok.encode(transcript);
    ids.resize(static_cast<size_t>(budget));
    transcript = tok.decode(ids) + "\n[... cut to fit]";
  }
  llm::ChatRequest req;
  req.messages = {{"system", kSummarySystemPrompt, {}, "", ""}, {"user", transcript, {}, "", ""}};
  req.tool_choice = "none";
  req.cancel = cancel;
  MEMGPT_ASSIGN_OR_RETURN(llm::ChatResponse resp, complete_with_events(*model, req, "summary", sink));
  if (resp.message.content.empty()) {
    return llm::llm_failure(ErrorCode::kUnavailable, "the model returned an empty summary",
                            llm::LlmError::kBadResponse);
  }
  return resp.message.content;
}

Status Summarizer::summarize(const EventSink& sink, int64_t fixed_tokens, int64_t target_tokens,
                             const std::atomic<bool>* cancel) {
  if (!conversation_.deps().model) return failed_precondition("no LLM is configured to write the summary");
  MEMGPT_ASSIGN_OR_RETURN(auto history, conversation_.history());
  if (history.size() <= kKeepLastMessages) {
    return failed_precondition("there are too few messages in the context to summarise");
  }
  size_t cut = budget_.eviction_cut(history, fixed_tokens, target_tokens);
  if (cut == 0) return failed_precondition("nothing can be evicted without splitting a call");

  std::vector<store::MessageRecord> evicted(history.begin(), history.begin() + static_cast<ptrdiff_t>(cut));
  MEMGPT_ASSIGN_OR_RETURN(std::string summary, summary_of(evicted, sink, cancel));
  MEMGPT_ASSIGN_OR_RETURN(int64_t in_recall, conversation_.recall_count());
  auto hidden = static_cast<int64_t>(cut);
  std::string alert = summary_alert_text(hidden, in_recall, hidden, summary);
  store::MessageRecord note =
      conversation_.make_message("user", package_system_alert(alert, now_text(*conversation_.deps().clock)));
  // The note replaces the evicted messages at the front of the context; they stay in recall.
  const auto& ids = conversation_.state().message_ids;
  std::vector<std::string> context{note.id};
  context.insert(context.end(), ids.begin() + static_cast<ptrdiff_t>(cut), ids.end());
  bool alerted = conversation_.state().alerted_memory_pressure;
  conversation_.state().alerted_memory_pressure = false;
  store::MessageChanges changes;
  changes.added.push_back(std::move(note));
  Status s = conversation_.commit(std::move(context), changes);
  if (!s.ok()) {
    conversation_.state().alerted_memory_pressure = alerted;
    return s;
  }
  if (sink) sink({AgentEvent::Kind::kSystemAlert, alert});
  return {};
}

}  // namespace memgpt::agent
