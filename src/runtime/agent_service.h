// The agent use-cases, one home for the CLI and the server: create, open (the per-agent lock,
// and a cache of loaded agents), update (rename, model, system prompt, descriptive fields),
// delete, attach/detach a data source, run a slash command, send messages and stream their
// events. cli/ and server/ parse input and render output around these.
//
// Locking: every operation on an existing agent holds its lock (runtime::AgentLocks: threads
// and processes), waiting up to `lock_wait` for a busy agent, then kFailedPrecondition ("busy").
// Thread-safety: one AgentService may be used from many threads.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "agent/agent.h"
#include "agent/passage_archival.h"
#include "runtime/agent_commands.h"
#include "runtime/agent_lock.h"
#include "runtime/runtime.h"
#include "store/recall_store.h"

namespace memgpt::runtime {

struct AgentServiceOptions {
  // A server attaches the operator's keys only to operator endpoints (model_endpoints.h); the
  // CLI's user is the operator.
  bool operator_keys_only = false;
  std::chrono::milliseconds lock_wait{120000};
  size_t cache_capacity = 512;         // loaded agents kept between opens
  bool verify_first_message = false;   // MemGPT's check of an agent's first reply
  // The clock agents read (the transcript tests set theirs); null: the system clock.
  const Clock* clock = nullptr;
  // How an agent's model is connected; unset: as configured (keys from the credentials, the
  // [model] timeout). The transcript tests connect theirs without retries.
  std::function<Result<std::unique_ptr<llm::ChatModel>>(const store::AgentLlmConfig& llm_config)> connect_model;
  // Tools attached to agents from other MCP servers (mcp/ implements it; the app injects it, as
  // runtime/ sits below mcp/). Null: agents have only their built-in functions. Must outlive
  // the service.
  agent::ExternalFunctions* external_functions = nullptr;
};

// Letta's descriptive fields of an agent; what is unset stays as it was (at create: empty).
struct AgentDescription {
  std::optional<std::string> description;
  std::optional<std::vector<std::string>> tags;
  std::optional<Json> metadata;  // an object
};

struct NewAgent {
  std::string user_id;
  std::string name;                         // empty: a random name
  std::string persona, human;               // profile names; empty: the configured ones
  std::vector<agent::MemoryBlock> blocks;   // when set: these instead of persona/human
  std::optional<std::string> system_prompt; // unset: the preset's
  std::vector<std::string> tools;           // built-in functions besides the preset's
  store::AgentLlmConfig llm_config;         // as the caller checked it (model_endpoints.h)
  int core_memory_limit = agent::kDefaultCoreMemoryLimit;
  AgentDescription description;
};

struct AgentUpdate {
  std::optional<std::string> name;
  std::optional<store::AgentLlmConfig> llm_config;  // as the caller checked it
  std::optional<std::string> system_prompt;
  AgentDescription description;
};

struct TurnInput {
  enum class Kind { kUser, kSystem, kFirstMessage };
  Kind kind = Kind::kUser;
  std::string text;
};

// Totals over the turns of one send().
struct TurnTotals {
  int steps = 0;
  llm::Usage usage;
  std::vector<std::string> message_ids;  // messages added, in order
  void add(const agent::TurnResult& turn);
};

class AgentService;

// An agent opened for use; its lock is held until this is destroyed. The loaded agent stays
// cached for the next open only after keep_cached(): a failed or cancelled operation may leave
// the in-memory agent different from the store, so by default it is dropped.
class OpenAgent {
 public:
  OpenAgent() = default;
  OpenAgent(OpenAgent&& other) noexcept;
  OpenAgent& operator=(OpenAgent&& other) noexcept;
  ~OpenAgent();

  agent::Agent& agent() { return *agent_; }
  const std::string& id() const { return id_; }
  void keep_cached() { keep_ = true; }

 private:
  friend class AgentService;
  struct Loaded;
  void release();

  AgentService* service_ = nullptr;
  std::string id_;
  AgentLocks::Guard guard_;
  std::shared_ptr<Loaded> loaded_;
  agent::Agent* agent_ = nullptr;
  bool keep_ = false;
};

class AgentService {
 public:
  // `ctx` and `archival` must outlive the service.
  AgentService(AppContext& ctx, Archival& archival, AgentServiceOptions options);
  ~AgentService();

  // Creates an agent (kAlreadyExists for a taken name; the model must be reachable first).
  Result<store::AgentRecord> create(const NewAgent& request);
  // Locks and loads an agent. `with_model`: the model must be connected (kFailedPrecondition
  // and the like otherwise). `on_wait` is called once if the agent is busy and the open waits.
  Result<OpenAgent> open(const std::string& agent_id, bool with_model, const std::function<void()>& on_wait = nullptr);
  // Renames (kAlreadyExists for a taken name), changes the model, the system prompt and the
  // descriptive fields, under the agent's lock.
  Result<store::AgentRecord> update(const std::string& agent_id, const AgentUpdate& update);
  // Deletes the agent: its archival passages, then its messages and record in one transaction.
  Status remove(const std::string& agent_id);
  // Copies a source's passages into the agent's archival memory and links them (the source must
  // have been embedded by the agent's embedder: kFailedPrecondition naming both and the fix);
  // returns the passages copied.
  Result<int64_t> attach_source(const std::string& agent_id, const store::SourceRecord& source,
                                const std::function<void(int64_t done, int64_t total)>& progress = nullptr);
  // Unlinks the source and removes its copies from the agent; returns the passages removed
  // (kNotFound when it was not attached).
  Result<int64_t> detach_source(const std::string& agent_id, const store::SourceRecord& source);

  // Runs one turn per input, in order, streaming the agent's events to `sink`.
  Result<TurnTotals> send(OpenAgent& open, const std::vector<TurnInput>& inputs, const agent::EventSink& sink,
                          const agent::TurnOptions& options);
  Result<CommandOutcome> run_command(OpenAgent& open, const AgentCommand& command, const agent::EventSink& sink,
                                     const agent::TurnOptions& options = {});

  // The embedding settings new agents get (the configured embedder).
  store::AgentEmbeddingConfig embedding_config() const;
  // The agent's archival memory: the passage store on the agent's vector space.
  sources::PassageStore archival_of(const store::AgentRecord& agent) const;
  // Holds the agent's lock (as a step does) for work beside the agent, e.g. a re-embed;
  // kFailedPrecondition ("busy") after the lock wait.
  Result<AgentLocks::Guard> hold(const std::string& agent_id) { return lock(agent_id, nullptr); }
  store::RecallStore& recall() { return recall_; }
  const AgentServiceOptions& options() const { return options_; }

 private:
  friend class OpenAgent;
  Result<std::unique_ptr<llm::ChatModel>> connect(const store::AgentLlmConfig& llm_config) const;
  agent::AgentDeps deps_of(OpenAgent::Loaded& loaded);
  Result<AgentLocks::Guard> lock(const std::string& agent_id, const std::function<void()>& on_wait);
  void release(OpenAgent& open);

  AppContext& ctx_;
  Archival& archival_;
  AgentServiceOptions options_;
  store::RecallStore recall_;
  AgentLocks locks_;
  std::mutex cache_mu_;
  std::unordered_map<std::string, std::shared_ptr<OpenAgent::Loaded>> cache_;
};

}  // namespace memgpt::runtime
