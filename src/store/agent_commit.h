// Saving an agent: its record (state, settings) together with the recall messages a change
// added, rewrote or removed. The agent stores every change through this one operation and never
// opens a transaction itself, so recall and metadata need not share a connection:
// - sharing one database (the default): one transaction, all or nothing;
// - separate databases: messages are added and rewritten first, then the record is saved, then
//   messages are removed. A crash in between leaves at most messages that no context refers to
//   (the record decides what the agent sees), never a context that refers to a missing message.
#pragma once

#include <string>
#include <vector>

#include "store/metadata_store.h"
#include "store/recall_store.h"

namespace memgpt::store {

struct MessageChanges {
  std::vector<MessageRecord> added;    // appended in order (seq assigned on insert)
  std::vector<MessageRecord> updated;  // text, search text and tool calls rewritten
  std::vector<std::string> removed;    // ids deleted from recall

  bool empty() const { return added.empty() && updated.empty() && removed.empty(); }
};

// Saves `agent` (bumping last_updated) with `changes`; kNotFound when the agent does not exist
// (nothing is written then, when the stores share a database).
Status commit_agent(MetadataStore& meta, RecallStore& recall, const AgentRecord& agent,
                    MessageChanges& changes);

// Deletes the agent's record (with its source links) and every message of it in recall: one
// transaction when the stores share a database; else the record first (messages no agent
// refers to are harmless if a crash comes between).
Status delete_agent_and_messages(MetadataStore& meta, RecallStore& recall, const std::string& agent_id);

}  // namespace memgpt::store
