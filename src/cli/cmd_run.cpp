// `memgpt run`: create or resume an agent and chat with it in a REPL (MemGPT's console lines,
// slash commands, /attach of data sources). On a terminal it asks questions and edits lines
// with readline; from a pipe, flags answer the questions and each input line is a message or a
// slash command (the form scripts and tests use).
#include <fmt/format.h>
#include <readline/history.h>
#include <readline/readline.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <csignal>
#include <iostream>

#include "agent/agent.h"
#include "agent/functions.h"
#include "agent/passage_archival.h"
#include "agent/protocol.h"
#include "cli/commands.h"
#include "cli/context.h"
#include "cli/printer.h"
#include "cli/wait_indicator.h"
#include "cli/progress.h"
#include "cli/prompt.h"
#include "cli/term.h"
#include "llm/llm_config.h"
#include "sources/ingest.h"
#include "store/builtin_assets.h"
#include "store/recall_store.h"
#include "tokenizer/tokenizer.h"
#include "util/files.h"

namespace memgpt::cli {
namespace {

void run_repl();

struct RunFlags {
  std::string persona, human, agent, model, endpoint, endpoint_type, wrapper, system, system_file;
  int context_window = 0;
  int core_memory_limit = agent::kDefaultCoreMemoryLimit;
  bool first = false, strip_ui = false, debug = false, no_verify = false, yes = false, stream = false;
};
RunFlags g_flags;
std::atomic<bool> g_cancel{false};
std::atomic<bool> g_in_step{false};

// Ctrl-C during a step cancels the step; at the prompt it leaves (everything is saved after
// each step, so there is nothing left to save).
void on_sigint(int) {
  if (g_in_step) {
    g_cancel = true;
    return;
  }
  if (stdin_is_tty()) ::rl_cleanup_after_signal();
  const char nl = '\n';
  (void)!::write(STDOUT_FILENO, &nl, 1);
  std::_Exit(0);
}

class Session {
 public:
  Session(AppContext& ctx, Archival& archival, bool interactive)
      : ctx_(ctx), archival_(archival), interactive_(interactive), printer_(g_flags.debug),
        recall_(ctx.store->shared_db()) {
    printer_.set_streaming(g_flags.stream);
  }

  Status open_agent();
  int loop();

 private:
  agent::AgentDeps deps();
  Json new_llm_config() const;
  Status create_agent(const std::string& name, const Json& llm);
  void apply_overrides(Json& cfg);
  Status connect_model(const Json& llm);
  void run_turn(const std::function<Result<agent::TurnResult>(const agent::EventSink&, const agent::TurnOptions&)>& turn);
  bool command(const std::string& line);  // false: leave the REPL
  void attach(const std::string& name);
  void detach(const std::string& name);
  void show_memory();
  void help();

  AppContext& ctx_;
  Archival& archival_;
  bool interactive_;
  Printer printer_;
  store::RecallStore recall_;
  std::unique_ptr<llm::ChatModel> model_;
  std::unique_ptr<agent::PassageArchival> archival_memory_;
  std::unique_ptr<agent::Agent> agent_;
  bool created_ = false;
  bool failed_ = false;
};

agent::AgentDeps Session::deps() {
  agent::AgentDeps d;
  d.meta = ctx_.store.get();
  d.recall = &recall_;
  d.archival = archival_memory_.get();
  d.model = model_.get();
  return d;
}

Status Session::connect_model(const Json& llm) {
  MEMGPT_ASSIGN_OR_RETURN(model_, runtime::connect_model(llm, ctx_.credentials, ctx_.config.model_timeout));
  return {};
}

Json Session::new_llm_config() const {
  const MemgptConfig& c = ctx_.config;
  std::string model = g_flags.model.empty() ? c.model : g_flags.model;
  int window = g_flags.context_window > 0 ? g_flags.context_window : c.context_window;
  if (g_flags.context_window <= 0 && !g_flags.model.empty() && llm::known_context_window(model) > 0) {
    window = llm::known_context_window(model);
  }
  return {{"model", model},
          {"model_endpoint", g_flags.endpoint.empty() ? c.model_endpoint : g_flags.endpoint},
          {"model_endpoint_type", g_flags.endpoint_type.empty() ? c.model_endpoint_type : g_flags.endpoint_type},
          {"model_wrapper", g_flags.wrapper.empty() ? c.model_wrapper : g_flags.wrapper},
          {"context_window", window}};
}

Status Session::create_agent(const std::string& name, const Json& llm) {
  fmt::print("🧬 Creating new agent...\n");
  std::string persona = g_flags.persona.empty() ? ctx_.config.persona : g_flags.persona;
  std::string human = g_flags.human.empty() ? ctx_.config.human : g_flags.human;
  MEMGPT_ASSIGN_OR_RETURN(auto p, ctx_.store->get_profile(store::ProfileKind::kPersona, ctx_.user_id, persona));
  MEMGPT_ASSIGN_OR_RETURN(auto h, ctx_.store->get_profile(store::ProfileKind::kHuman, ctx_.user_id, human));
  // The document persona works best with the document-analysis preset.
  std::string preset_name = persona == "memgpt_doc" && ctx_.config.preset == "memgpt_chat" ? "memgpt_docs" : ctx_.config.preset;
  MEMGPT_ASSIGN_OR_RETURN(auto preset, ctx_.store->get_preset(ctx_.user_id, preset_name));
  fmt::print("->  🤖 Using persona profile: '{}'\n", persona);
  fmt::print("->  🧑 Using human profile: '{}'\n", human);
  agent::AgentCreateOptions o;
  o.user_id = ctx_.user_id;
  o.name = name;
  o.persona_name = persona;
  o.persona_text = p.text;
  o.human_name = human;
  o.human_text = h.text;
  o.preset = preset.name;
  o.functions = preset.functions;
  o.core_memory_limit = g_flags.core_memory_limit;
  o.system_prompt = runtime::system_prompt_for(preset);
  if (!g_flags.system.empty()) o.system_prompt = g_flags.system;
  if (!g_flags.system_file.empty()) {
    MEMGPT_ASSIGN_OR_RETURN(o.system_prompt, read_file(expand_user(g_flags.system_file)));
  }
  const MemgptConfig& c = ctx_.config;
  o.llm_config = llm;
  o.embedding_config = {{"embedding_endpoint_type", c.embedding_endpoint_type},
                        {"embedding_endpoint", c.embedding_endpoint},
                        {"embedding_model", archival_.embedder->model()},
                        {"embedding_dim", archival_.embedder->dim()},
                        {"embedding_chunk_size", c.embedding_chunk_size}};
  archival_memory_ = std::make_unique<agent::PassageArchival>(archival_.passages.get(), ctx_.user_id, "",
                                                              c.embedding_chunk_size);
  MEMGPT_ASSIGN_OR_RETURN(agent_, agent::Agent::create(deps(), o));
  archival_memory_->set_agent(agent_->id());
  created_ = true;
  fmt::print("🎉 Created new agent '{}' (id={})\n", agent_->name(), agent_->id());
  return {};
}

void Session::apply_overrides(Json& cfg) {
  auto override_field = [&](const char* key, const std::string& value) {
    if (value.empty() || cfg.value(key, "") == value) return;
    fmt::print("Warning: overriding existing {} ({}) with {}\n", key, cfg.value(key, ""), value);
    cfg[key] = value;
  };
  override_field("model", g_flags.model);
  override_field("model_endpoint", g_flags.endpoint);
  override_field("model_endpoint_type", g_flags.endpoint_type);
  override_field("model_wrapper", g_flags.wrapper);
  if (g_flags.context_window > 0 && cfg.value("context_window", 0) != g_flags.context_window) {
    fmt::print("Warning: overriding existing context_window ({}) with {}\n", cfg.value("context_window", 0),
               g_flags.context_window);
    cfg["context_window"] = g_flags.context_window;
  }
}

Status Session::open_agent() {
  MEMGPT_RETURN_IF_ERROR(archival_.passages->ensure_collections());
  std::string name = g_flags.agent;
  if (name.empty()) {
    MEMGPT_ASSIGN_OR_RETURN(auto agents, ctx_.store->list_agents(ctx_.user_id));
    if (!agents.empty() && !g_flags.yes && interactive_ &&
        confirm("Would you like to select an existing agent?", false, true)) {
      std::vector<std::string> names;
      for (const auto& a : agents) names.push_back(a.name);
      auto pick = choose("Select agent:", names);
      if (pick) name = names[*pick];
    }
  }
  std::optional<store::AgentRecord> existing;
  if (!name.empty()) {
    auto found = ctx_.store->get_agent_by_name(ctx_.user_id, name);
    if (found.ok()) existing = *found;
    else if (found.status().code() != ErrorCode::kNotFound) return found.status();
  }
  // Connect the model first: a missing key or an unknown backend stops here, before anything
  // is created.
  Json llm = existing ? existing->llm_config : new_llm_config();
  if (existing) apply_overrides(llm);
  MEMGPT_RETURN_IF_ERROR(connect_model(llm));
  if (existing) {
    fmt::print("🔁 Using existing agent {}\n", name);
    const Json& emb = existing->embedding_config;
    if (emb.value("embedding_dim", archival_.embedder->dim()) != archival_.embedder->dim() ||
        emb.value("embedding_model", archival_.embedder->model()) != archival_.embedder->model()) {
      return failed_precondition(fmt::format(
          "agent '{}' uses the embedding model {} ({} dims) but {} ({} dims) is configured; "
          "configure the agent's embedding model to open it",
          name, emb.value("embedding_model", ""), emb.value("embedding_dim", 0),
          archival_.embedder->model(), archival_.embedder->dim()));
    }
    archival_memory_ = std::make_unique<agent::PassageArchival>(
        archival_.passages.get(), ctx_.user_id, existing->id, ctx_.config.embedding_chunk_size);
    MEMGPT_ASSIGN_OR_RETURN(agent_, agent::Agent::load(deps(), existing->id));
    if (llm != existing->llm_config) MEMGPT_RETURN_IF_ERROR(agent_->update_llm_config(llm));
    if (!g_flags.persona.empty() || !g_flags.human.empty()) {
      fmt::print("Warning: --persona/--human apply to new agents; '{}' keeps its memory\n", name);
    }
  } else {
    MEMGPT_RETURN_IF_ERROR(create_agent(name, llm));
  }
  agent_->set_verify_first_message(!g_flags.no_verify);
  if (g_flags.debug) {
    std::string model = agent_->record().llm_config.value("model", "");
    auto choice = tokenizer::tokenizer_for_model(model);
    fmt::print("[debug] token counting with {}{}\n", choice.tokenizer->name(),
               choice.exact ? "" : fmt::format(" (an estimate: the tokenizer of '{}' is not known)", model));
  }
  return {};
}

void Session::run_turn(
    const std::function<Result<agent::TurnResult>(const agent::EventSink&, const agent::TurnOptions&)>& turn) {
  agent::TurnOptions opts;
  opts.stream = g_flags.stream;
  opts.cancel = &g_cancel;
  g_cancel = false;
  g_in_step = true;
  WaitIndicator waiting;  // "waiting for the model…" on the terminal while a call is out
  auto r = turn([&](const agent::AgentEvent& e) {
    waiting.on_event(e);
    printer_.print(e);
  }, opts);
  waiting.stop();
  g_in_step = false;
  if (g_cancel) {
    // A cancelled model call keeps the user's message (stored, unanswered), as a failed one does.
    if (r.ok()) {
      fmt::print("Step cancelled (the steps already taken are kept).\n");
    } else {
      fmt::print("Step cancelled: {}.\n", r.status().message());
    }
    // Reload: whatever the cancelled step held in memory is dropped; the store has the truth.
    auto again = agent::Agent::load(deps(), agent_->id());
    if (again.ok()) {
      bool verify = agent_->verify_first_message();
      agent_ = std::move(*again);
      agent_->set_verify_first_message(verify);
    }
    g_cancel = false;
    return;
  }
  if (!r.ok()) {
    std::fflush(stdout);
    fmt::print(stderr, "error: {}\n", r.status().message());
    failed_ = true;
  }
}

void Session::show_memory() {
  fmt::print("\nDumping memory contents:\n\n");
  for (const auto& b : agent_->memory().blocks()) {
    fmt::print("### CORE MEMORY ###\n=== {} ({}/{} characters) ===\n{}\n\n", b.label,
               agent::utf8_chars(b.value), b.limit, b.value);
  }
  auto recall = agent_->recall_count();
  fmt::print("=== Recall memory ===\n{} messages ({} in the context window)\n\n",
             recall.ok() ? *recall : 0, agent_->context_messages().ok() ? agent_->context_messages()->size() : 0);
  auto count = archival_.passages->count_archival(agent_->id());
  fmt::print("=== Archival memory ===\n{} passages\n", count.ok() ? *count : 0);
  auto first = archival_.passages->list_archival(agent_->id(), 0, 3);
  if (first.ok()) {
    for (const auto& p : *first) fmt::print("- [{}] {}\n", p.doc_id.empty() ? "note" : p.doc_id, truncate_cell(p.text, 120));
  }
  fmt::print("\n");
}

void Session::attach(const std::string& requested) {
  auto sources = ctx_.store->list_sources(ctx_.user_id);
  if (!sources.ok()) {
    fmt::print(stderr, "error: {}\n", sources.status().message());
    return;
  }
  const Json& emb = agent_->record().embedding_config;
  std::string model = emb.value("embedding_model", "");
  int dim = emb.value("embedding_dim", 0);
  std::vector<store::SourceRecord> compatible;
  for (const auto& s : *sources) {
    if (s.embedding_model == model && s.embedding_dim == dim) {
      compatible.push_back(s);
    } else if (requested.empty() || requested == s.name) {
      fmt::print("  (not available: '{}' was embedded with {} ({} dims); this agent uses {} ({} dims))\n",
                 s.name, s.embedding_model, s.embedding_dim, model, dim);
    }
  }
  if (sources->empty() && requested.empty()) {
    fmt::print("No data sources yet: load one first, e.g. `memgpt load directory --name mydocs --input-files paper.pdf`\n");
    return;
  }
  const store::SourceRecord* chosen = nullptr;
  if (!requested.empty()) {
    for (const auto& s : compatible) {
      if (s.name == requested) chosen = &s;
    }
    if (!chosen) {
      bool exists = std::any_of(sources->begin(), sources->end(), [&](const auto& s) { return s.name == requested; });
      if (!exists) {
        fmt::print(stderr, "error: no data source named '{}' (load one with `memgpt load directory`; see `memgpt list sources`)\n",
                   requested);
      }
      failed_ = !exists && !interactive_;
      return;
    }
  } else if (compatible.empty()) {
    fmt::print("No data source is compatible with this agent's embedding model.\n");
    return;
  } else if (interactive_) {
    std::vector<std::string> names;
    for (const auto& s : compatible) names.push_back(s.name);
    auto pick = choose("Select data source:", names);
    if (!pick) return;
    chosen = &compatible[*pick];
  } else {
    fmt::print(stderr, "error: /attach needs a source name when input is not a terminal (/attach NAME)\n");
    failed_ = true;
    return;
  }
  ProgressBar bar("Attaching passages");
  auto copied = archival_.passages->attach_source(chosen->id, agent_->id(), ctx_.user_id,
                                                 [&](int64_t done, int64_t total) { bar.update(done, total); });
  bar.finish();
  if (!copied.ok()) {
    fmt::print(stderr, "error: {}\n", copied.status().message());
    return;
  }
  Status s = ctx_.store->attach_source(agent_->id(), chosen->id);
  if (!s.ok()) {
    fmt::print(stderr, "error: {}\n", s.message());
    return;
  }
  auto total = archival_.passages->count_archival(agent_->id());
  fmt::print("Attached data source {} to agent {}, consisting of {} passages. Agent now has {} passages in archival memory.\n",
             chosen->name, agent_->name(), *copied, total.ok() ? *total : *copied);
}

void Session::detach(const std::string& name) {
  auto src = ctx_.store->get_source_by_name(ctx_.user_id, name);
  if (!src.ok()) {
    fmt::print(stderr, "error: {}\n", src.status().message());
    return;
  }
  Status s = ctx_.store->detach_source(agent_->id(), src->id);
  if (!s.ok()) {
    fmt::print(stderr, "error: {}\n", s.message());
    return;
  }
  auto removed = archival_.passages->detach_source(src->id, agent_->id());
  fmt::print("Detached data source {} from agent {} ({} passages removed from archival memory).\n", name,
             agent_->name(), removed.ok() ? *removed : 0);
}

void Session::help() {
  fmt::print(
      "Commands:\n"
      "  /exit            save and exit\n"
      "  /save            save the agent now (it is also saved after every step)\n"
      "  /attach [NAME]   copy a data source into archival memory\n"
      "  /detach NAME     remove an attached data source\n"
      "  /dump [N]        print the last N messages in the context (all by default)\n"
      "  /dumpraw         print the context as raw JSON\n"
      "  /memory          print core memory and archival/recall sizes\n"
      "  /pop [N]         undo the last N messages (default 3)\n"
      "  /retry           send the last user message again\n"
      "  /rethink TEXT    replace the last inner monologue\n"
      "  /rewrite TEXT    replace the last message the agent sent\n"
      "  /summarize       summarise the older messages now\n"
      "  /wipe            clear the context window (recall memory keeps everything)\n"
      "  /heartbeat       send a heartbeat to the agent\n"
      "  /memorywarning   send the memory-pressure warning\n"
      "  /systemswap TEXT replace the system prompt\n"
      "  //               toggle multi-line input (end with a line holding //)\n"
      "  /help            this list\n");
}

bool Session::command(const std::string& line) {
  std::string cmd = line, arg;
  if (auto sp = line.find(' '); sp != std::string::npos) {
    cmd = line.substr(0, sp);
    arg = line.substr(sp + 1);
    while (!arg.empty() && arg.front() == ' ') arg.erase(0, 1);
  }
  auto report = [&](const Status& s, const std::string& ok) {
    if (s.ok()) {
      if (!ok.empty()) fmt::print("{}\n", ok);
    } else {
      fmt::print(stderr, "error: {}\n", s.message());
    }
  };
  if (cmd == "/exit") return false;
  if (cmd == "/save") {
    fmt::print("💾 Saved agent '{}' (agents are also saved after every step)\n", agent_->name());
  } else if (cmd == "/attach") {
    attach(arg);
  } else if (cmd == "/detach") {
    if (arg.empty()) fmt::print(stderr, "error: /detach needs a source name\n");
    else detach(arg);
  } else if (cmd == "/dump") {
    auto msgs = agent_->context_messages();
    if (!msgs.ok()) {
      report(msgs.status(), "");
    } else {
      size_t n = msgs->size();
      if (!arg.empty()) n = std::min<size_t>(n, static_cast<size_t>(std::max(1, std::atoi(arg.c_str()))));
      for (size_t i = msgs->size() - n; i < msgs->size(); ++i) printer_.print_message((*msgs)[i]);
    }
  } else if (cmd == "/dumpraw") {
    auto msgs = agent_->context_messages();
    if (msgs.ok()) {
      Json out = Json::array();
      for (const auto& m : *msgs) {
        Json j = {{"role", m.role}, {"content", m.text}};
        if (!m.tool_calls.empty()) j["tool_calls"] = m.tool_calls;
        if (!m.tool_call_id.empty()) j["tool_call_id"] = m.tool_call_id;
        out.push_back(j);
      }
      fmt::print("{}\n", out.dump(2));
    }
  } else if (cmd == "/memory") {
    show_memory();
  } else if (cmd == "/pop") {
    int n = arg.empty() ? 3 : std::atoi(arg.c_str());
    auto before = agent_->context_messages();
    Status s = agent_->pop(n);
    auto after = agent_->context_messages();
    size_t popped = before.ok() && after.ok() ? before->size() - after->size() : 0;
    report(s, fmt::format("Popped {} messages", popped));
  } else if (cmd == "/retry") {
    run_turn([&](const agent::EventSink& sink, const agent::TurnOptions& o) { return agent_->retry(sink, o); });
  } else if (cmd == "/rethink") {
    if (arg.empty()) fmt::print(stderr, "error: /rethink needs the new inner monologue\n");
    else report(agent_->rethink(arg), "Rewrote the last inner monologue");
  } else if (cmd == "/rewrite") {
    if (arg.empty()) fmt::print(stderr, "error: /rewrite needs the new message\n");
    else report(agent_->rewrite(arg), "Rewrote the last message");
  } else if (cmd == "/summarize") {
    report(agent_->summarize([this](const agent::AgentEvent& e) { printer_.print(e); }), "Summarised the older messages");
  } else if (cmd == "/wipe") {
    report(agent_->wipe(), "Wiped the context window (recall memory keeps every message)");
  } else if (cmd == "/heartbeat") {
    run_turn([&](const agent::EventSink& sink, const agent::TurnOptions& o) {
      return agent_->send_heartbeat(agent::kHeartbeatRequested, sink, o);
    });
  } else if (cmd == "/memorywarning") {
    run_turn([&](const agent::EventSink& sink, const agent::TurnOptions& o) {
      return agent_->send_system_alert(agent::memory_warning_text(), sink, o);
    });
  } else if (cmd == "/systemswap") {
    if (arg.empty()) fmt::print(stderr, "error: /systemswap needs the new system prompt\n");
    else report(agent_->swap_system_prompt(arg), "Replaced the system prompt");
  } else if (cmd == "/help") {
    help();
  } else {
    fmt::print(stderr, "Unknown command: {} (type /help for the list)\n", cmd);
  }
  return true;
}

int Session::loop() {
  if (created_ && !g_flags.first) {
    if (interactive_) {
      read_line("Hit enter to begin (will request first MemGPT message)\n", true);
    }
    run_turn([&](const agent::EventSink& sink, const agent::TurnOptions& o) {
      return agent_->send_first_message(sink, o);
    });
    if (failed_ && !interactive_) return kExitFailure;
  }
  bool multiline = false;
  std::string buffer;
  for (;;) {
    auto line = read_line(multiline ? "" : "> Enter your message: ", interactive_);
    if (!line) {
      if (interactive_) fmt::print("\n");
      break;
    }
    if (*line == "//") {
      multiline = !multiline;
      if (multiline) {
        buffer.clear();
        fmt::print("(multi-line input: finish with a line holding //)\n");
        continue;
      }
      line = buffer;
    } else if (multiline) {
      buffer += (buffer.empty() ? "" : "\n") + *line;
      continue;
    }
    std::string text = *line;
    if (text.find_first_not_of(" \t") == std::string::npos) {
      fmt::print("Empty input received. Try again!\n");
      continue;
    }
    if (text[0] == '/' && text.rfind("//", 0) != 0) {
      if (!command(text)) break;
    } else {
      run_turn([&](const agent::EventSink& sink, const agent::TurnOptions& o) {
        return agent_->send_user_message(text, sink, o);
      });
    }
    // From a script, a failure ends the run (with everything up to it saved).
    if (failed_ && !interactive_) return kExitFailure;
  }
  return failed_ && !interactive_ ? kExitFailure : 0;
}

void run_repl() {
  set_strip_ui(g_flags.strip_ui);
  bool interactive = stdin_is_tty() && stdout_is_tty();
  bool first_run = !path_exists(config_path());
  if (first_run && interactive && !g_flags.yes) {
    fmt::print("No configuration found at {}.\n", display_path(config_path()));
    if (confirm("Would you like to set up memgpt with the quick start?", true, true)) {
      static const std::vector<std::string> kBackends = {"openai", "ollama", "llamacpp", "vllm", "lmstudio", "groq"};
      auto pick = choose("Select the LLM backend:", kBackends, 0);
      if (pick) run_quickstart(kBackends[*pick], "", true);
    }
  }
  AppContext ctx = check(open_context());
  Archival archival = check(open_archival(ctx));
  Session session(ctx, archival, interactive);
  check(session.open_agent());
  if (interactive) {
    std::string history = memgpt_home() + "/history";
    ::read_history(history.c_str());
    ::stifle_history(1000);
    std::signal(SIGINT, on_sigint);
    int code = session.loop();
    ::write_history(history.c_str());
    std::signal(SIGINT, SIG_DFL);
    if (code != 0) throw CLI::RuntimeError(code);
    return;
  }
  std::signal(SIGINT, on_sigint);
  int code = session.loop();
  std::signal(SIGINT, SIG_DFL);
  if (code != 0) throw CLI::RuntimeError(code);
}

}  // namespace

void register_run_commands(CLI::App& app) {
  auto* run = app.add_subcommand("run", "Start chatting with a MemGPT agent");
  RunFlags& f = g_flags;
  run->add_option("--persona", f.persona, "Persona to create the agent with");
  run->add_option("--human", f.human, "Human profile to create the agent with");
  run->add_option("--agent", f.agent, "Name of the agent to create or resume");
  run->add_option("--model", f.model, "LLM model name");
  run->add_option("--model-endpoint", f.endpoint, "LLM endpoint URL");
  run->add_option("--model-endpoint-type", f.endpoint_type, "LLM backend type (openai, ollama, ...)");
  run->add_option("--model-wrapper", f.wrapper, "Prompt wrapper for local models (chatml, ...)");
  run->add_option("--context-window", f.context_window, "Context window of the model in tokens");
  run->add_flag("--first", f.first, "Let the user send the first message");
  run->add_flag("--strip-ui", f.strip_ui, "No colours or decorations");
  run->add_flag("--debug", f.debug, "Show debug output");
  run->add_flag("--no-verify", f.no_verify, "Skip verification of the first message");
  run->add_flag("-y,--yes", f.yes, "Answer yes to all questions (create a new agent)");
  run->add_flag("--stream", f.stream, "Print tokens as they arrive");
  run->add_option("--system", f.system, "System prompt text for a new agent");
  run->add_option("--system-file", f.system_file, "File holding the system prompt");
  run->add_option("--core-memory-limit", f.core_memory_limit, "Character limit of each core memory block")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  run->callback([] { run_repl(); });
}

}  // namespace memgpt::cli
