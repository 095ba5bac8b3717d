#include "support/agent/agent_fixtures.h"

#include <algorithm>
#include <stdexcept>

namespace memgpt::testing {

AgentStores::AgentStores() {
  auto s = store::MetadataStore::open_sqlite_file(db_path());
  if (!s.ok()) throw std::runtime_error("cannot open the test stores: " + s.status().message());
  meta_ = std::move(*s);
  if (auto u = meta_->ensure_user(user_id_); !u.ok()) {
    throw std::runtime_error("cannot create the test user: " + u.status().message());
  }
  recall_ = std::make_unique<store::RecallStore>(meta_->shared_db());
}

agent::AgentDeps AgentStores::deps(llm::ChatModel* model, agent::ArchivalMemory* archival) {
  agent::AgentDeps d;
  d.meta = meta_.get();
  d.recall = recall_.get();
  d.archival = archival;
  d.model = model;
  return d;
}

agent::AgentCreateOptions sam_and_ann(const std::string& name, store::AgentLlmConfig llm_config,
                                      int core_memory_limit) {
  agent::AgentCreateOptions o;
  o.user_id = "u";
  o.name = name;
  o.persona_text = "I am Sam.";
  o.human_text = "Name: Ann";
  o.system_prompt = "You are MemGPT.";
  o.core_memory_limit = core_memory_limit;
  o.llm_config = std::move(llm_config);
  return o;
}

std::unique_ptr<agent::Agent> create_agent(const agent::AgentDeps& deps,
                                           const agent::AgentCreateOptions& options, bool verify) {
  auto a = agent::Agent::create(deps, options);
  if (!a.ok()) throw std::runtime_error("cannot create the agent: " + a.status().message());
  (*a)->set_verify_first_message(verify);
  return std::move(*a);
}

std::vector<std::string> EventLog::texts(agent::AgentEvent::Kind kind) const {
  std::vector<std::string> out;
  for (const auto& e : events) {
    if (e.kind == kind) out.push_back(e.text);
  }
  return out;
}

std::vector<std::string> EventLog::failures() const {
  std::vector<std::string> out;
  for (const auto& e : events) {
    if (e.kind == agent::AgentEvent::Kind::kFunctionResult && !e.ok) out.push_back(e.text);
  }
  return out;
}

Result<std::string> ListArchival::insert(const std::string& text) {
  rows.push_back({"p" + std::to_string(rows.size()), text,
                  1000 * static_cast<int64_t>(rows.size()), 0});
  return rows.back().id;
}

Result<agent::ArchivalPage> ListArchival::search(const std::string& query, int64_t offset,
                                                 int64_t limit) {
  agent::ArchivalPage page;
  page.total = static_cast<int64_t>(rows.size());
  auto ranked = rows;
  std::stable_sort(ranked.begin(), ranked.end(), [&](const auto& a, const auto& b) {
    return (a.text.find(query) != std::string::npos) > (b.text.find(query) != std::string::npos);
  });
  for (int64_t i = offset; i < offset + limit && i < page.total; ++i) {
    page.hits.push_back(ranked[static_cast<size_t>(i)]);
  }
  return page;
}

llm::LlmConfig scripted_llm_config(const ScriptedLlmServer& server, const std::string& type,
                                   const std::string& model) {
  llm::LlmConfig c;
  c.model = model;
  c.model_endpoint = server.base_url();
  c.model_endpoint_type = type;
  if (type == "anthropic") c.api_key = "sk-ant-test";
  else if (type == "openai") c.api_key = "sk-test";
  c.max_attempts = 1;
  c.timeout_ms = 5000;
  return c;
}

std::unique_ptr<llm::ChatModel> connect_model(const llm::LlmConfig& config) {
  auto m = llm::make_chat_model(config);
  if (!m.ok()) throw std::runtime_error("cannot make the chat model: " + m.status().message());
  return std::move(*m);
}

}  // namespace memgpt::testing
