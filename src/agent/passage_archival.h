// Archival memory of one agent on the passage store (Milvus collections of sources/), in the
// agent's vector space (the store given is bound to it).
#pragma once

#include <string>

#include "agent/archival_memory.h"
#include "sources/passage_store.h"

namespace memgpt::agent {

class PassageArchival final : public ArchivalMemory {
 public:
  PassageArchival(sources::PassageStore store, std::string user_id, std::string agent_id,
                  int chunk_tokens = 300)
      : store_(std::move(store)), user_id_(std::move(user_id)), agent_id_(std::move(agent_id)),
        chunk_tokens_(chunk_tokens) {}
  void set_agent(const std::string& agent_id) { agent_id_ = agent_id; }

  Result<std::string> insert(const std::string& text) override;
  Result<ArchivalPage> search(const std::string& query, int64_t offset, int64_t limit) override;
  Result<int64_t> count() override;

 private:
  sources::PassageStore store_;
  std::string user_id_;
  std::string agent_id_;
  int chunk_tokens_;
};

}  // namespace memgpt::agent
