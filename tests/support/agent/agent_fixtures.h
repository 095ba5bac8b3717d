// Fixtures for tests that drive an agent, shared so each test file says only what it tests:
// real SQLite stores in a temporary folder, the usual agent (Sam talking to Ann), a log of the
// agent's events, an archival double over a list, and a chat model connected to the scripted
// LLM server on loopback. The in-process model double is in scripted_model.h.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "agent/agent.h"
#include "llm/llm_config.h"
#include "scripted_llm.h"
#include "support/test_env.h"

namespace memgpt::testing {

// SQLite metadata and recall stores in a temporary folder, with the user "u". Throws when they
// cannot be opened (the test fails with the reason).
class AgentStores {
 public:
  AgentStores();
  const std::string& user_id() const { return user_id_; }
  std::string db_path() const { return dir_.file("sqlite.db"); }
  store::MetadataStore& meta() { return *meta_; }
  store::RecallStore& recall() { return *recall_; }
  // What an agent needs, with `model` and (optionally) archival memory.
  agent::AgentDeps deps(llm::ChatModel* model, agent::ArchivalMemory* archival = nullptr);

 private:
  TempDir dir_;
  std::string user_id_ = "u";
  std::unique_ptr<store::MetadataStore> meta_;
  std::unique_ptr<store::RecallStore> recall_;
};

// The agent most tests create: persona "I am Sam.", human "Name: Ann", system prompt "You are
// MemGPT.", for the user "u".
agent::AgentCreateOptions sam_and_ann(const std::string& name, store::AgentLlmConfig llm_config,
                                      int core_memory_limit = agent::kDefaultCoreMemoryLimit);

// Creates the agent (throws with the reason on failure); first-message verification off
// unless `verify`.
std::unique_ptr<agent::Agent> create_agent(const agent::AgentDeps& deps,
                                           const agent::AgentCreateOptions& options,
                                           bool verify = false);

// What an agent told its user, in order.
class EventLog {
 public:
  agent::EventSink sink() {
    return [this](const agent::AgentEvent& e) { events.push_back(e); };
  }
  std::vector<std::string> texts(agent::AgentEvent::Kind kind) const;
  std::vector<std::string> said() const { return texts(agent::AgentEvent::Kind::kAssistantMessage); }
  std::vector<std::string> thoughts() const { return texts(agent::AgentEvent::Kind::kInnerThoughts); }
  // The messages of failed function results.
  std::vector<std::string> failures() const;
  size_t count(agent::AgentEvent::Kind kind) const { return texts(kind).size(); }
  void clear() { events.clear(); }
  std::vector<agent::AgentEvent> events;
};

// Archival memory over a plain list, ranked as the vector store ranks: every passage ranks
// (the total is all of them), those containing the query first. Passage i was created at
// i seconds after the epoch.
class ListArchival : public agent::ArchivalMemory {
 public:
  Result<std::string> insert(const std::string& text) override;
  Result<agent::ArchivalPage> search(const std::string& query, int64_t offset,
                                     int64_t limit) override;
  Result<int64_t> count() override { return static_cast<int64_t>(rows.size()); }
  std::vector<agent::ArchivalHit> rows;
};

// The config of a chat model talking to `server` with `type`'s wire protocol (openai,
// anthropic, llamacpp, ...): one attempt, a 5 s timeout, a test key where the API needs one.
llm::LlmConfig scripted_llm_config(const ScriptedLlmServer& server, const std::string& type,
                                   const std::string& model);
// The model for `config` (throws with the reason when it cannot be made).
std::unique_ptr<llm::ChatModel> connect_model(const llm::LlmConfig& config);

}  // namespace memgpt::testing
