#include "agent/conversation.h"

#include <fmt/format.h>

#include "agent/message_records.h"

namespace memgpt::agent {

Conversation::Conversation(const AgentDeps& deps, store::AgentRecord record, AgentState state)
    : deps_(deps), record_(std::move(record)), state_(std::move(state)) {}

store::MessageRecord Conversation::make_message(const std::string& role, const std::string& text) const {
  store::MessageRecord m;
  m.id = new_uuid();
  m.user_id = record_.user_id;
  m.agent_id = record_.id;
  m.role = role;
  m.text = text;
  m.created_at = deps_.clock->now_ms();
  return m;
}

Result<int64_t> Conversation::recall_count() { return deps_.recall->count(record_.id); }

Result<int64_t> Conversation::archival_count() {
  if (!deps_.archival) return int64_t{0};
  return deps_.archival->count();
}

Result<std::string> Conversation::system_message() {
  MEMGPT_ASSIGN_OR_RETURN(int64_t recall, recall_count());
  MEMGPT_ASSIGN_OR_RETURN(int64_t archival, archival_count());
  return fmt::format(
      "{}\n\n### Memory [last modified: {}]\n{} previous messages between you and the user are "
      "stored in recall memory (use functions to access them)\n{} total memories you created "
      "are stored in archival memory (use functions to access them)\n\nCore memory shown below "
      "(limited in size, additional information stored in archival / recall memory):\n{}",
      state_.system_prompt, format_memgpt_time(state_.memory_edited_at), recall, archival,
      state_.memory.compile());
}

Result<std::vector<const store::MessageRecord*>> Conversation::cached_history() {
  std::vector<std::string> missing;
  for (const auto& id : state_.message_ids) {
    if (!cache_.count(id)) missing.push_back(id);
  }
  if (!missing.empty()) {
    MEMGPT_ASSIGN_OR_RETURN(auto fetched, deps_.recall->get(missing));
    for (auto& m : fetched) cache_.emplace(m.id, std::move(m));
  }
  std::vector<const store::MessageRecord*> out;
  out.reserve(state_.message_ids.size());
  for (const auto& id : state_.message_ids) out.push_back(&cache_.at(id));
  return out;
}

Result<std::vector<store::MessageRecord>> Conversation::history() {
  MEMGPT_ASSIGN_OR_RETURN(auto cached, cached_history());
  std::vector<store::MessageRecord> out;
  out.reserve(cached.size());
  for (const auto* m : cached) out.push_back(*m);
  return out;
}

Result<std::vector<store::MessageRecord>> Conversation::messages() {
  MEMGPT_ASSIGN_OR_RETURN(std::string system, system_message());
  MEMGPT_ASSIGN_OR_RETURN(auto rest, history());
  store::MessageRecord sys;
  sys.id = "system";
  sys.role = "system";
  sys.text = std::move(system);
  sys.agent_id = record_.id;
  rest.insert(rest.begin(), std::move(sys));
  return rest;
}

Result<std::vector<llm::ChatMessage>> Conversation::request_messages(
    const std::vector<store::MessageRecord>& pending) {
  MEMGPT_ASSIGN_OR_RETURN(std::string system, system_message());
  MEMGPT_ASSIGN_OR_RETURN(auto cached, cached_history());  // read in place: no record copies
  std::vector<llm::ChatMessage> out;
  out.reserve(1 + cached.size() + pending.size());
  out.push_back({.role = "system", .content = std::move(system)});
  for (const auto* r : cached) out.push_back(to_chat(*r));
  for (const auto& r : pending) out.push_back(to_chat(r));
  return out;
}

Status Conversation::commit(std::vector<std::string> context_ids, store::MessageChanges& changes) {
  for (auto& m : changes.added) m.search_text = searchable_text(m);
  for (auto& m : changes.updated) m.search_text = searchable_text(m);
  std::swap(state_.message_ids, context_ids);  // context_ids now holds the previous ids
  record_.state = state_.saved();
  Status s = store::commit_agent(*deps_.meta, *deps_.recall, record_, changes);
  if (!s.ok()) {
    state_.message_ids = std::move(context_ids);
    record_.state = state_.saved();
    return s;
  }
  for (const auto& id : changes.removed) cache_.erase(id);
  for (const auto& m : changes.updated) cache_[m.id] = m;
  for (const auto& m : changes.added) cache_[m.id] = m;
  return s;
}

Status Conversation::append(std::vector<store::MessageRecord>& added) {
  std::vector<std::string> ids = state_.message_ids;
  for (const auto& m : added) ids.push_back(m.id);
  store::MessageChanges changes;
  changes.added = std::move(added);
  Status s = commit(std::move(ids), changes);
  added = std::move(changes.added);  // with seq and search text as stored
  return s;
}

Status Conversation::save() {
  store::MessageChanges none;
  return commit(state_.message_ids, none);
}

}  // namespace memgpt::agent
