#include "runtime/agent_service.h"

#include <algorithm>

#include <fmt/format.h>

#include "runtime/embedder_records.h"
#include "runtime/memory_access.h"
#include "store/agent_commit.h"

namespace memgpt::runtime {

// A loaded agent with what it stands on. Valid while the stored record is exactly what this
// process last left (another process's step changes last_updated and the state: reloaded).
struct OpenAgent::Loaded {
  std::unique_ptr<llm::ChatModel> model;  // null when it could not be connected
  std::unique_ptr<agent::PassageArchival> archival;
  std::unique_ptr<agent::Agent> agent;
  store::AgentLlmConfig llm_config;
  int64_t stored_last_updated = 0;
};

void TurnTotals::add(const agent::TurnResult& turn) {
  steps += turn.steps;
  usage.prompt_tokens += turn.usage.prompt_tokens;
  usage.completion_tokens += turn.usage.completion_tokens;
  usage.total_tokens += turn.usage.total_tokens;
  message_ids.insert(message_ids.end(), turn.message_ids.begin(), turn.message_ids.end());
}

// ---- OpenAgent -----------------------------------------------------------------------------------

OpenAgent::OpenAgent(OpenAgent&& other) noexcept { *this = std::move(other); }

OpenAgent& OpenAgent::operator=(OpenAgent&& other) noexcept {
  if (this != &other) {
    release();
    service_ = std::exchange(other.service_, nullptr);
    id_ = std::move(other.id_);
    guard_ = std::move(other.guard_);
    loaded_ = std::move(other.loaded_);
    agent_ = std::exchange(other.agent_, nullptr);
    keep_ = std::exchange(other.keep_, false);
  }
  return *this;
}

OpenAgent::~OpenAgent() { release(); }

void OpenAgent::release() {
  if (service_ && loaded_) service_->release(*this);  // decided while the lock is still held
  guard_.release();
  service_ = nullptr;
  loaded_.reset();
  agent_ = nullptr;
}

// ---- AgentService --------------------------------------------------------------------------------

AgentService::AgentService(AppContext& ctx, Archival& archival, AgentServiceOptions options)
    : ctx_(ctx), archival_(archival), options_(options), recall_(ctx.store->shared_db()),
      locks_(ctx.store->shared_db(), ctx.config.metadata_storage.type == "sqlite" ? ctx.config.sqlite_path() : "") {}

AgentService::~AgentService() = default;

store::AgentEmbeddingConfig AgentService::embedding_config() const {
  const MemgptConfig& c = ctx_.config;
  return {c.embedding_endpoint_type, c.embedding_endpoint, archival_.embedder->model(), archival_.embedder->dim(),
          c.embedding_chunk_size};
}

namespace {

void apply(const AgentDescription& d, store::AgentRecord& rec) {
  if (d.description) rec.description = *d.description;
  if (d.tags) rec.tags = *d.tags;
  if (d.metadata) rec.metadata = *d.metadata;
}

}  // namespace

Result<std::unique_ptr<llm::ChatModel>> AgentService::connect(const store::AgentLlmConfig& llm_config) const {
  if (options_.connect_model) return options_.connect_model(llm_config);
  return options_.operator_keys_only ? connect_model_with_operator_keys(llm_config, ctx_.config, ctx_.credentials)
                                     : connect_model(llm_config, ctx_.credentials, model_call_settings(ctx_.config));
}

agent::AgentDeps AgentService::deps_of(OpenAgent::Loaded& loaded) {
  agent::AgentDeps d;
  d.meta = ctx_.store.get();
  d.recall = &recall_;
  d.archival = loaded.archival.get();
  d.model = loaded.model.get();
  if (options_.clock) d.clock = options_.clock;
  d.external = options_.external_functions;
  return d;
}

Result<AgentLocks::Guard> AgentService::lock(const std::string& agent_id, const std::function<void()>& on_wait) {
  if (on_wait && options_.lock_wait.count() > 0) {
    auto now = locks_.acquire(agent_id, std::chrono::milliseconds(0));
    if (now.ok() || now.status().code() != ErrorCode::kFailedPrecondition) return now;
    on_wait();
  }
  return locks_.acquire(agent_id, options_.lock_wait);
}

Result<store::AgentRecord> AgentService::create(const NewAgent& request) {
  const MemgptConfig& cfg = ctx_.config;
  std::string name = request.name.empty() ? agent::random_agent_name() : request.name;
  if (ctx_.store->get_agent_by_name(request.user_id, name).ok()) {
    return already_exists(fmt::format("an agent named '{}' already exists", name));
  }
  auto loaded = std::make_shared<OpenAgent::Loaded>();
  // The model must be reachable as configured before anything is stored.
  MEMGPT_ASSIGN_OR_RETURN(loaded->model, connect(request.llm_config));
  loaded->llm_config = request.llm_config;

  std::string persona = request.persona.empty() ? cfg.persona : request.persona;
  std::string human = request.human.empty() ? cfg.human : request.human;
  // The document persona works best with the document-analysis preset.
  bool doc_persona = request.blocks.empty() && persona == "memgpt_doc" && cfg.preset == "memgpt_chat";
  MEMGPT_ASSIGN_OR_RETURN(store::PresetRecord preset,
                          ctx_.store->get_preset(request.user_id, doc_persona ? "memgpt_docs" : cfg.preset));
  agent::AgentCreateOptions o;
  o.user_id = request.user_id;
  o.name = name;
  o.preset = preset.name;
  o.functions = preset.functions;
  for (const auto& tool : request.tools) {
    if (std::find(o.functions.begin(), o.functions.end(), tool) == o.functions.end()) o.functions.push_back(tool);
  }
  o.system_prompt = request.system_prompt.value_or(system_prompt_for(preset));
  o.core_memory_limit = request.core_memory_limit;
  o.llm_config = request.llm_config;
  o.embedding_config = embedding_config();
  o.description = request.description.description;
  o.tags = request.description.tags.value_or(std::vector<std::string>{});
  o.metadata = request.description.metadata.value_or(Json::object());
  if (request.blocks.empty()) {
    MEMGPT_ASSIGN_OR_RETURN(auto p, ctx_.store->get_profile(store::ProfileKind::kPersona, request.user_id, persona));
    MEMGPT_ASSIGN_OR_RETURN(auto h, ctx_.store->get_profile(store::ProfileKind::kHuman, request.user_id, human));
    o.persona_name = persona;
    o.persona_text = p.text;
    o.human_name = human;
    o.human_text = h.text;
  } else {
    o.blocks = request.blocks;
  }
  MEMGPT_RETURN_IF_ERROR(archival_.passages->ensure_collections());
  loaded->archival = std::make_unique<agent::PassageArchival>(*archival_.passages, request.user_id, "",
                                                              cfg.embedding_chunk_size);
  MEMGPT_ASSIGN_OR_RETURN(loaded->agent, agent::Agent::create(deps_of(*loaded), o));
  loaded->archival->set_agent(loaded->agent->id());
  loaded->agent->set_verify_first_message(options_.verify_first_message);
  MEMGPT_ASSIGN_OR_RETURN(store::AgentRecord rec, ctx_.store->get_agent(loaded->agent->id()));
  loaded->stored_last_updated = rec.last_updated;
  std::lock_guard lock(cache_mu_);
  if (options_.cache_capacity > 0) {
    if (cache_.size() >= options_.cache_capacity) cache_.erase(cache_.begin());
    cache_[rec.id] = std::move(loaded);
  }
  return rec;
}

Result<OpenAgent> AgentService::open(const std::string& agent_id, bool with_model,
                                     const std::function<void()>& on_wait) {
  MEMGPT_ASSIGN_OR_RETURN(AgentLocks::Guard guard, lock(agent_id, on_wait));
  MEMGPT_ASSIGN_OR_RETURN(store::AgentRecord rec, ctx_.store->get_agent(agent_id));  // under the lock: the truth
  std::shared_ptr<OpenAgent::Loaded> loaded;
  {
    std::lock_guard lock(cache_mu_);
    auto it = cache_.find(agent_id);
    if (it != cache_.end()) loaded = it->second;
  }
  bool fresh = loaded && loaded->stored_last_updated == rec.last_updated && loaded->llm_config == rec.llm_config &&
               loaded->agent->record().state == rec.state && (loaded->model || !with_model);
  // A step searches and writes archival memory with the configured embedder.
  if (with_model) MEMGPT_RETURN_IF_ERROR(check_agent_embedder(rec, *archival_.embedder));
  if (!fresh) {
    loaded = std::make_shared<OpenAgent::Loaded>();
    auto model = connect(rec.llm_config);
    if (model.ok()) loaded->model = std::move(*model);
    else if (with_model) return model.status();
    loaded->archival = std::make_unique<agent::PassageArchival>(archival_of(rec), rec.user_id, rec.id,
                                                                ctx_.config.embedding_chunk_size);
    loaded->llm_config = rec.llm_config;
    MEMGPT_ASSIGN_OR_RETURN(loaded->agent, agent::Agent::load(deps_of(*loaded), agent_id));
    loaded->agent->set_verify_first_message(options_.verify_first_message);
  }
  OpenAgent open;
  open.service_ = this;
  open.id_ = agent_id;
  open.guard_ = std::move(guard);
  open.agent_ = loaded->agent.get();
  open.loaded_ = std::move(loaded);
  return open;
}

void AgentService::release(OpenAgent& open) {
  std::lock_guard lock(cache_mu_);
  if (open.keep_ && options_.cache_capacity > 0) {
    auto rec = ctx_.store->get_agent(open.id_);
    if (rec.ok()) {
      open.loaded_->stored_last_updated = rec->last_updated;
      if (cache_.size() >= options_.cache_capacity && !cache_.count(open.id_)) cache_.erase(cache_.begin());
      cache_[open.id_] = open.loaded_;
      return;
    }
  }
  cache_.erase(open.id_);
}

Result<store::AgentRecord> AgentService::update(const std::string& agent_id, const AgentUpdate& update) {
  MEMGPT_ASSIGN_OR_RETURN(OpenAgent open, this->open(agent_id, false));  // dropped after: the record changes beside it
  store::AgentRecord rec = open.agent().record();
  if (update.name) {
    if (update.name->empty()) return invalid_argument("an agent's name cannot be empty");
    auto other = ctx_.store->get_agent_by_name(rec.user_id, *update.name);
    if (other.ok() && other->id != agent_id) {
      return already_exists(fmt::format("an agent named '{}' already exists", *update.name));
    }
  }
  if (update.llm_config) {
    MEMGPT_RETURN_IF_ERROR(connect(*update.llm_config).status());
    MEMGPT_RETURN_IF_ERROR(open.agent().update_llm_config(*update.llm_config));
  }
  if (update.system_prompt) MEMGPT_RETURN_IF_ERROR(open.agent().swap_system_prompt(*update.system_prompt));
  MEMGPT_ASSIGN_OR_RETURN(rec, ctx_.store->get_agent(agent_id));
  if (update.name) rec.name = *update.name;
  apply(update.description, rec);
  MEMGPT_RETURN_IF_ERROR(ctx_.store->update_agent(rec));
  return ctx_.store->get_agent(agent_id);
}

Status AgentService::remove(const std::string& agent_id) {
  MEMGPT_ASSIGN_OR_RETURN(AgentLocks::Guard guard, lock(agent_id, nullptr));
  {
    std::lock_guard lock(cache_mu_);
    cache_.erase(agent_id);
  }
  MEMGPT_ASSIGN_OR_RETURN(store::AgentRecord rec, ctx_.store->get_agent(agent_id));
  // New vectors an interrupted re-embed left beside the old ones go too.
  if (auto pending = ctx_.store->get_reembed(agent_id); pending.ok()) {
    sources::PassageStore staged = archival_.passages->in(sources::space_of(pending->to, archival_.passages->dim()));
    MEMGPT_RETURN_IF_ERROR(staged.remove_owner(true, "agent_id", agent_id).status());
    MEMGPT_RETURN_IF_ERROR(ctx_.store->delete_reembed(agent_id));
  }
  MEMGPT_RETURN_IF_ERROR(archival_of(rec).delete_agent_archival(agent_id).status());
  return store::delete_agent_and_messages(*ctx_.store, recall_, agent_id);
}

sources::PassageStore AgentService::archival_of(const store::AgentRecord& agent) const {
  return runtime::archival_of(archival_, agent);
}

Result<int64_t> AgentService::attach_source(const std::string& agent_id, const store::SourceRecord& requested,
                                            const std::function<void(int64_t, int64_t)>& progress) {
  MEMGPT_ASSIGN_OR_RETURN(AgentLocks::Guard guard, lock(agent_id, nullptr));
  MEMGPT_ASSIGN_OR_RETURN(store::AgentRecord rec, ctx_.store->get_agent(agent_id));
  // As stored now: a re-embed may have moved its passages since the caller read it.
  MEMGPT_ASSIGN_OR_RETURN(const store::SourceRecord source, ctx_.store->get_source(requested.id));
  // The copies keep the source's vectors: they must be the agent's embedder's.
  store::AgentEmbeddingConfig agent_embedder = effective_embedder(rec.embedding_config, *archival_.embedder);
  if (!same_embedder(source_embedder(source), agent_embedder)) {
    return failed_precondition(fmt::format(
        "cannot attach source '{}' to agent '{}': the source was embedded with {} but the agent uses {}; re-embed "
        "the source with `memgpt reembed source {} --embedding-model {}` (or the agent with `memgpt reembed agent {} "
        "--embedding-model {}`)",
        source.name, rec.name, embedder_label(source.embedding_model, source.embedding_dim),
        embedder_label(agent_embedder.embedding_model, agent_embedder.embedding_dim), source.name,
        agent_embedder.embedding_model, rec.name, source.embedding_model));
  }
  sources::PassageStore archival = archival_of(rec);
  MEMGPT_RETURN_IF_ERROR(archival.ensure_collections());
  MEMGPT_ASSIGN_OR_RETURN(int64_t copied, archival.attach_source(sources::space_of(source), source.id, agent_id,
                                                                 source.user_id, progress));
  MEMGPT_RETURN_IF_ERROR(ctx_.store->attach_source(agent_id, source.id));
  return copied;
}

Result<int64_t> AgentService::detach_source(const std::string& agent_id, const store::SourceRecord& source) {
  MEMGPT_ASSIGN_OR_RETURN(AgentLocks::Guard guard, lock(agent_id, nullptr));
  Status unlinked = ctx_.store->detach_source(agent_id, source.id);
  if (!unlinked.ok() && unlinked.code() != ErrorCode::kNotFound) return unlinked;
  // Copies go even when the link is already gone (a crash between the two steps).
  MEMGPT_ASSIGN_OR_RETURN(store::AgentRecord rec, ctx_.store->get_agent(agent_id));
  MEMGPT_ASSIGN_OR_RETURN(int64_t removed, archival_of(rec).detach_source(source.id, agent_id));
  if (!unlinked.ok()) return unlinked;  // kNotFound: it was not attached
  return removed;
}

Result<TurnTotals> AgentService::send(OpenAgent& open, const std::vector<TurnInput>& inputs,
                                      const agent::EventSink& sink, const agent::TurnOptions& options) {
  TurnTotals totals;
  agent::Agent& a = open.agent();
  for (const auto& in : inputs) {
    Result<agent::TurnResult> r = in.kind == TurnInput::Kind::kSystem       ? a.send_system_alert(in.text, sink, options)
                                  : in.kind == TurnInput::Kind::kFirstMessage ? a.send_first_message(sink, options)
                                                                              : a.send_user_message(in.text, sink, options);
    if (!r.ok()) return r.status();
    totals.add(*r);
  }
  return totals;
}

Result<CommandOutcome> AgentService::run_command(OpenAgent& open, const AgentCommand& command,
                                                 const agent::EventSink& sink, const agent::TurnOptions& options) {
  return run_agent_command(open.agent(), command, sink, options);
}

}  // namespace memgpt::runtime
