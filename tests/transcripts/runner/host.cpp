// The seam of host.h on the Agent class. Everything product-specific the transcripts need is
// here: building the parts, turning agent events and stored messages into views, and running
// slash commands.
#include "host.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <stdexcept>

#include "agent/agent.h"
#include "agent/passage_archival.h"
#include "agent/protocol.h"
#include "embed/embedder.h"
#include "llm/llm_config.h"
#include "runtime/sources_service.h"
#include "sources/ingest.h"
#include "sources/passage_store.h"
#include "support/test_env.h"
#include "vector/vector_store.h"
#include "views.h"

namespace memgpt::transcripts {
namespace {

class SetClock : public Clock {
 public:
  explicit SetClock(int64_t ms) : now_(ms) {}
  int64_t now_ms() const override { return now_.load(); }
  void set(int64_t ms) { now_ = ms; }

 private:
  std::atomic<int64_t> now_;
};

template <typename T>
T need(Result<T> r, const std::string& what) {
  if (!r.ok()) throw std::runtime_error(what + ": " + r.status().message());
  return std::move(*r);
}

void need(const Status& s, const std::string& what) {
  if (!s.ok()) throw std::runtime_error(what + ": " + s.message());
}

Json view_of(const store::MessageRecord& m) {
  std::string name, args;
  if (!m.tool_calls.empty()) {
    name = m.tool_calls[0].value("/function/name"_json_pointer, "");
    args = m.tool_calls[0].value("/function/arguments"_json_pointer, "");
  }
  return message_view(m.role, m.text, name, args, m.name);
}

// What the user is shown, as the README names it; bookkeeping events are left out.
void add_event(const agent::AgentEvent& e, Outcome& out) {
  using Kind = agent::AgentEvent::Kind;
  switch (e.kind) {
    case Kind::kInnerThoughts:
      out.events.push_back({{"thought", e.text}});
      break;
    case Kind::kFunctionCall:
      out.events.push_back({{"call", e.function_name}, {"args", e.arguments}});
      break;
    case Kind::kFunctionResult:
      out.events.push_back({{"result", e.function_name}, {"ok", e.ok}, {"message", e.text}});
      break;
    case Kind::kAssistantMessage:
      out.events.push_back({{"say", e.text}});
      break;
    case Kind::kSystemAlert:
      out.events.push_back({{"alert", e.text}});
      break;
    case Kind::kHeartbeat:
      out.events.push_back({{"heartbeat", e.text}});
      break;
    case Kind::kStreamDelta:
      out.streamed += e.text;
      break;
    default:  // the user's own message, usage, ...
      break;
  }
}

class AgentHost final : public Host {
 public:
  AgentHost(const AgentSetup& setup, const std::string& base_url, int64_t start_ms)
      : clock_(start_ms) {
    meta_ = need(store::MetadataStore::open_sqlite_file(dir_.file("sqlite.db"), clock_), "stores");
    need(meta_->ensure_user(kUser).status(), "user");
    recall_ = std::make_unique<store::RecallStore>(meta_->shared_db());
    vectors_ = need(vector::open_vector_store(dir_.file("milvus.db")), "archival store");
    embedder_ = need(embed::make_builtin_embedder(), "embedder");
    passages_ = std::make_unique<sources::PassageStore>(vectors_.get(), embedder_.get());
    need(passages_->ensure_collections(), "archival collections");
    archival_ = std::make_unique<agent::PassageArchival>(passages_.get(), kUser, "");

    llm::LlmConfig c;
    c.model = setup.model;
    c.model_endpoint = base_url;
    c.model_endpoint_type = "openai";
    c.api_key = "sk-test";
    c.max_attempts = 1;
    c.timeout_ms = 30000;
    model_ = need(llm::make_chat_model(c), "model");

    agent::AgentDeps deps;
    deps.meta = meta_.get();
    deps.recall = recall_.get();
    deps.archival = archival_.get();
    deps.model = model_.get();
    deps.clock = &clock_;
    agent::AgentCreateOptions o;
    o.user_id = kUser;
    o.name = "Transcript";
    o.persona_text = setup.persona;
    o.human_text = setup.human;
    o.system_prompt = setup.system;
    o.core_memory_limit = setup.core_memory_limit;
    o.llm_config = {.model = setup.model,
                    .model_endpoint_type = "openai",
                    .model_endpoint = base_url,
                    .context_window = setup.context_window};
    o.embedding_config.embedding_model = embedder_->model();
    o.embedding_config.embedding_dim = embedder_->dim();
    agent_ = need(agent::Agent::create(deps, o), "agent");
    agent_->set_verify_first_message(setup.verify_first_message);
    archival_->set_agent(agent_->id());
  }

  void load_source(const std::string& name, const Json& files) override {
    std::string folder = dir_.file("source-" + name);
    std::filesystem::create_directories(folder);
    sources::LoadRequest req;
    req.user_id = kUser;
    req.name = name;
    for (const auto& [file, text] : files.items()) {
      testing::write_text(folder + "/" + file, text.get<std::string>());
      req.input_files.push_back(folder + "/" + file);
    }
    runtime::SourcesService service(*meta_, *passages_, dir_.file("sqlite.db"));
    need(service.load(req).status(), "load source " + name);
  }

  Outcome user_message(const std::string& text, bool stream) override {
    agent::TurnOptions options;
    options.stream = stream;
    return turn([&](const agent::EventSink& sink) { return agent_->send_user_message(text, sink, options); });
  }

  Outcome first_message() override {
    return turn([&](const agent::EventSink& sink) { return agent_->send_first_message(sink); });
  }

  Outcome command(const std::string& line) override {
    std::string cmd = line, arg;
    if (auto sp = line.find(' '); sp != std::string::npos) {
      cmd = line.substr(0, sp);
      arg = line.substr(line.find_first_not_of(' ', sp));
    }
    if (cmd == "/retry") {
      return turn([&](const agent::EventSink& sink) { return agent_->retry(sink); });
    }
    if (cmd == "/heartbeat") {
      return turn([&](const agent::EventSink& sink) {
        return agent_->send_heartbeat(agent::kHeartbeatRequested, sink);
      });
    }
    if (cmd == "/memorywarning") {
      return turn([&](const agent::EventSink& sink) {
        return agent_->send_system_alert(agent::memory_warning_text(), sink);
      });
    }
    Outcome out;
    auto sink = [&](const agent::AgentEvent& e) { add_event(e, out); };
    Status s;
    if (cmd == "/pop") {
      size_t before = context_size();
      s = agent_->pop(arg.empty() ? 3 : std::atoi(arg.c_str()));
      out.result = {{"popped", before - context_size()}};
    } else if (cmd == "/rethink") {
      s = agent_->rethink(arg);
    } else if (cmd == "/rewrite") {
      s = agent_->rewrite(arg);
    } else if (cmd == "/summarize") {
      s = agent_->summarize(sink);
    } else if (cmd == "/wipe") {
      s = agent_->wipe();
    } else if (cmd == "/systemswap") {
      s = agent_->swap_system_prompt(arg);
    } else if (cmd == "/attach") {
      s = attach(arg, out);
    } else if (cmd == "/detach") {
      s = detach(arg, out);
    } else {
      s = invalid_argument("Unknown command: " + cmd);
    }
    out.ok = s.ok();
    out.error = s.message();
    return out;
  }

  void set_time(int64_t epoch_ms) override { clock_.set(epoch_ms); }
  int64_t context_tokens() override { return need(agent_->context_tokens(), "context tokens"); }
  void set_context_window(int tokens) override {
    store::AgentLlmConfig c = agent_->record().llm_config;
    c.context_window = tokens;
    need(agent_->update_llm_config(c), "context window");
  }

  Json memory() override {
    Json core = Json::object();
    for (const auto& b : agent_->memory().blocks()) core[b.label] = b.value;
    Json context = Json::array();
    for (const auto& m : need(agent_->context_messages(), "context")) context.push_back(view_of(m));
    Json recall = Json::array();
    for (const auto& m : need(recall_->list(agent_->id(), 0, 0, -1, false), "recall")) {
      recall.push_back(view_of(m));
    }
    Json archival = Json::array();
    for (const auto& p : need(passages_->list_archival(agent_->id(), 0, 100000), "archival")) {
      archival.push_back(p.text);
    }
    std::sort(archival.begin(), archival.end());
    return {{"core", core}, {"context", context}, {"recall", recall}, {"archival", archival}};
  }

 private:
  static constexpr const char* kUser = "transcript-user";

  template <typename Run>
  Outcome turn(Run run) {
    Outcome out;
    auto result = run([&](const agent::AgentEvent& e) { add_event(e, out); });
    out.ok = result.ok();
    if (result.ok()) out.steps = result->steps;
    else out.error = result.status().message();
    return out;
  }

  size_t context_size() { return need(agent_->context_messages(), "context").size(); }

  Status attach(const std::string& name, Outcome& out) {
    MEMGPT_ASSIGN_OR_RETURN(auto src, meta_->get_source_by_name(kUser, name));
    MEMGPT_ASSIGN_OR_RETURN(int64_t copied, passages_->attach_source(src.id, agent_->id(), kUser));
    MEMGPT_RETURN_IF_ERROR(meta_->attach_source(agent_->id(), src.id));
    out.result = {{"copied", copied}};
    return {};
  }

  Status detach(const std::string& name, Outcome& out) {
    MEMGPT_ASSIGN_OR_RETURN(auto src, meta_->get_source_by_name(kUser, name));
    MEMGPT_RETURN_IF_ERROR(meta_->detach_source(agent_->id(), src.id));
    MEMGPT_ASSIGN_OR_RETURN(int64_t removed, passages_->detach_source(src.id, agent_->id()));
    out.result = {{"removed", removed}};
    return {};
  }

  testing::TempDir dir_;
  SetClock clock_;
  std::unique_ptr<store::MetadataStore> meta_;
  std::unique_ptr<store::RecallStore> recall_;
  std::unique_ptr<vector::VectorStore> vectors_;
  std::unique_ptr<embed::Embedder> embedder_;
  std::unique_ptr<sources::PassageStore> passages_;
  std::unique_ptr<agent::PassageArchival> archival_;
  std::unique_ptr<llm::ChatModel> model_;
  std::unique_ptr<agent::Agent> agent_;
};

}  // namespace

std::unique_ptr<Host> Host::open(const AgentSetup& setup, const std::string& base_url,
                                 int64_t start_ms) {
  return std::make_unique<AgentHost>(setup, base_url, start_ms);
}

}  // namespace memgpt::transcripts
