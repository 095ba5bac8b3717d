#include "store/agent_commit.h"

namespace memgpt::store {
namespace {

Status write_messages(RecallStore& recall, MessageChanges& changes) {
  MEMGPT_RETURN_IF_ERROR(recall.append(changes.added));
  for (const auto& m : changes.updated) {
    MEMGPT_RETURN_IF_ERROR(recall.update_text(m.id, m.text, m.search_text, m.tool_calls));
  }
  return {};
}

}  // namespace

Status commit_agent(MetadataStore& meta, RecallStore& recall, const AgentRecord& agent,
                    MessageChanges& changes) {
  if (changes.empty()) return meta.update_agent(agent);
  if (recall.database().get() == &meta.db()) {
    return meta.db().transaction([&]() -> Status {
      MEMGPT_RETURN_IF_ERROR(write_messages(recall, changes));
      MEMGPT_RETURN_IF_ERROR(meta.update_agent(agent));
      return recall.remove(changes.removed);
    });
  }
  MEMGPT_RETURN_IF_ERROR(write_messages(recall, changes));
  MEMGPT_RETURN_IF_ERROR(meta.update_agent(agent));
  return recall.remove(changes.removed);
}

Status delete_agent_and_messages(MetadataStore& meta, RecallStore& recall, const std::string& agent_id) {
  if (recall.database().get() == &meta.db()) {
    return meta.db().transaction([&]() -> Status {
      MEMGPT_RETURN_IF_ERROR(recall.remove_agent(agent_id).status());
      return meta.delete_agent(agent_id);
    });
  }
  MEMGPT_RETURN_IF_ERROR(meta.delete_agent(agent_id));
  return recall.remove_agent(agent_id).status();
}

}  // namespace memgpt::store
