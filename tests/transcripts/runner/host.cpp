// The seam of host.h on the runtime services (AgentService, the slash-command table,
// SourcesService): the code paths of `memgpt run` and the server. Everything product-specific
// the transcripts need is here: building the parts, turning agent events and stored messages
// into views, and mapping steps onto service calls.
#include "host.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <stdexcept>

#include "agent/agent.h"
#include "embed/embedder.h"
#include "llm/llm_config.h"
#include "runtime/agent_commands.h"
#include "runtime/agent_service.h"
#include "runtime/runtime.h"
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

// The agent lives in the runtime services, as it does for `memgpt run` and the server: every
// step opens it through AgentService (its lock, its cache) and runs there.
class ServiceHost final : public Host {
 public:
  ServiceHost(const AgentSetup& setup, const std::string& base_url, int64_t start_ms)
      : clock_(start_ms) {
    ctx_.config.metadata_storage.type = "sqlite";
    ctx_.config.metadata_storage.path = dir_.file("sqlite.db");
    ctx_.config.archival_storage.type = "milvus";
    ctx_.config.archival_storage.uri = dir_.file("milvus.db");
    ctx_.user_id = kUser;
    ctx_.store = need(store::MetadataStore::open_sqlite_file(dir_.file("sqlite.db"), clock_), "stores");
    need(ctx_.store->ensure_user(kUser).status(), "user");
    archival_.store = need(vector::open_vector_store(dir_.file("milvus.db")), "archival store");
    archival_.embedder = need(embed::make_builtin_embedder(), "embedder");
    archival_.passages = std::make_unique<sources::PassageStore>(archival_.store.get(), archival_.embedder.get());

    runtime::AgentServiceOptions options;
    options.verify_first_message = setup.verify_first_message;
    options.clock = &clock_;
    // The scripted server plays each reply once: a failure is not retried.
    options.connect_model = [](const store::AgentLlmConfig& llm_config) {
      llm::LlmConfig c = runtime::llm_config_of(llm_config, Credentials{});
      c.api_key = "sk-test";
      c.max_attempts = 1;
      c.timeout_ms = 30000;
      return llm::make_chat_model(c);
    };
    service_ = std::make_unique<runtime::AgentService>(ctx_, archival_, options);

    for (auto [kind, text] : {std::pair{store::ProfileKind::kPersona, setup.persona},
                              std::pair{store::ProfileKind::kHuman, setup.human}}) {
      store::ProfileRecord profile;
      profile.user_id = kUser;
      profile.name = "transcript";
      profile.text = text;
      need(ctx_.store->add_profile(kind, profile).status(), "profile");
    }
    runtime::NewAgent n;
    n.user_id = kUser;
    n.name = "Transcript";
    n.persona = "transcript";
    n.human = "transcript";
    n.system_prompt = setup.system;
    n.core_memory_limit = setup.core_memory_limit;
    n.llm_config = {.model = setup.model,
                    .model_endpoint_type = "openai",
                    .model_endpoint = base_url,
                    .context_window = setup.context_window};
    agent_id_ = need(service_->create(n), "agent").id;
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
    runtime::SourcesService sources(*ctx_.store, *archival_.passages, dir_.file("sqlite.db"));
    need(sources.load(req).status(), "load source " + name);
  }

  Outcome user_message(const std::string& text, bool stream) override {
    agent::TurnOptions options;
    options.stream = stream;
    return send({runtime::TurnInput::Kind::kUser, text}, options);
  }

  Outcome first_message() override { return send({runtime::TurnInput::Kind::kFirstMessage, ""}, {}); }

  Outcome command(const std::string& line) override {
    Outcome out;
    std::string verb = line.substr(0, line.find(' '));
    size_t rest = line.find_first_not_of(' ', verb.size());
    std::string arg = rest == std::string::npos ? "" : line.substr(rest);
    Status s;
    if (verb == "/attach" || verb == "/detach") {
      s = source_command(verb, arg, out);
    } else {
      s = agent_command(line, out);
    }
    out.ok = s.ok();
    out.error = s.message();
    return out;
  }

  void set_time(int64_t epoch_ms) override { clock_.set(epoch_ms); }

  int64_t context_tokens() override {
    runtime::OpenAgent open = need(service_->open(agent_id_, false), "open");
    int64_t tokens = need(open.agent().context_tokens(), "context tokens");
    open.keep_cached();
    return tokens;
  }

  void set_context_window(int tokens) override {
    runtime::AgentUpdate update;
    store::AgentLlmConfig c = need(ctx_.store->get_agent(agent_id_), "agent").llm_config;
    c.context_window = tokens;
    update.llm_config = c;
    need(service_->update(agent_id_, update).status(), "context window");
  }

  Json memory() override {
    runtime::OpenAgent open = need(service_->open(agent_id_, false), "open");
    agent::Agent& a = open.agent();
    Json core = Json::object();
    for (const auto& b : a.memory().blocks()) core[b.label] = b.value;
    Json context = Json::array();
    for (const auto& m : need(a.context_messages(), "context")) context.push_back(view_of(m));
    Json recall = Json::array();
    for (const auto& m : need(service_->recall().list(agent_id_, 0, 0, -1, false), "recall")) {
      recall.push_back(view_of(m));
    }
    Json archival = Json::array();
    need(archival_.passages->for_each_page(true, "agent_id", agent_id_, 1000, false, [&](auto& page) -> Status {
      for (const auto& p : page) archival.push_back(p.text);
      return {};
    }), "archival");
    std::sort(archival.begin(), archival.end());
    open.keep_cached();
    return {{"core", core}, {"context", context}, {"recall", recall}, {"archival", archival}};
  }

 private:
  static constexpr const char* kUser = "transcript-user";

  // Opens the agent for one step; kept in the service's cache only when the step succeeded, as
  // the server and `memgpt run` keep it.
  template <typename Run>
  Status with_agent(bool with_model, Run run) {
    MEMGPT_ASSIGN_OR_RETURN(runtime::OpenAgent open, service_->open(agent_id_, with_model));
    Status s = run(open);
    if (s.ok()) open.keep_cached();
    return s;
  }

  Outcome send(const runtime::TurnInput& input, const agent::TurnOptions& options) {
    Outcome out;
    auto sink = [&](const agent::AgentEvent& e) { add_event(e, out); };
    Status s = with_agent(true, [&](runtime::OpenAgent& open) -> Status {
      MEMGPT_ASSIGN_OR_RETURN(runtime::TurnTotals totals, service_->send(open, {input}, sink, options));
      out.steps = totals.steps;
      return {};
    });
    out.ok = s.ok();
    out.error = s.message();
    return out;
  }

  Status agent_command(const std::string& line, Outcome& out) {
    MEMGPT_ASSIGN_OR_RETURN(runtime::AgentCommand command, runtime::parse_agent_command(line));
    auto sink = [&](const agent::AgentEvent& e) { add_event(e, out); };
    return with_agent(runtime::command_needs_model(command), [&](runtime::OpenAgent& open) -> Status {
      MEMGPT_ASSIGN_OR_RETURN(runtime::CommandOutcome outcome, service_->run_command(open, command, sink));
      if (command.verb == "pop") out.result = {{"popped", outcome.popped}};
      if (outcome.turn) out.steps = outcome.turn->steps;
      return {};
    });
  }

  Status source_command(const std::string& verb, const std::string& name, Outcome& out) {
    MEMGPT_ASSIGN_OR_RETURN(store::SourceRecord source, ctx_.store->get_source_by_name(kUser, name));
    if (verb == "/attach") {
      MEMGPT_ASSIGN_OR_RETURN(int64_t copied, service_->attach_source(agent_id_, source));
      out.result = {{"copied", copied}};
    } else {
      MEMGPT_ASSIGN_OR_RETURN(int64_t removed, service_->detach_source(agent_id_, source));
      out.result = {{"removed", removed}};
    }
    return {};
  }

  testing::TempDir dir_;
  SetClock clock_;
  runtime::AppContext ctx_;
  runtime::Archival archival_;
  std::unique_ptr<runtime::AgentService> service_;
  std::string agent_id_;
};

}  // namespace

std::unique_ptr<Host> Host::open(const AgentSetup& setup, const std::string& base_url,
                                 int64_t start_ms) {
  return std::make_unique<ServiceHost>(setup, base_url, start_ms);
}

}  // namespace memgpt::transcripts
