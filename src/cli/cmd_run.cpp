// `memgpt run`: create or resume an agent and chat with it in a REPL (MemGPT's console lines,
// slash commands, /attach of data sources, /mcp for other MCP servers' tools). On a terminal it asks questions and edits lines
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
#include "agent/protocol.h"
#include "cli/commands.h"
#include "cli/context.h"
#include "cli/mcp_agent_tools.h"
#include "cli/printer.h"
#include "cli/wait_indicator.h"
#include "cli/progress.h"
#include "cli/prompt.h"
#include "cli/term.h"
#include "llm/llm_config.h"
#include "mcp/agent_tools.h"
#include "runtime/agent_service.h"
#include "runtime/embedder_records.h"
#include "tokenizer/tokenizer.h"
#include "util/files.h"

namespace memgpt::cli {
namespace {

void run_repl();

struct RunFlags {
  std::string persona, human, agent, model, endpoint, endpoint_type, wrapper, system, system_file, first_function;
  int context_window = 0;
  int core_memory_limit = agent::kDefaultCoreMemoryLimit;
  int max_steps = agent::TurnOptions{}.max_steps;
  double lock_wait = 120;  // seconds to wait for an agent busy in another process
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

// One chat with one agent. Each step and command opens the agent through the agent service, as
// the server does: it holds the agent's lock (so a step here and one in another `memgpt run` or
// a `memgpt server` never interleave; a busy agent is waited for, with a line saying so) and
// reloads the agent when another process changed it since.
class Session {
 public:
  Session(AppContext& ctx, Archival& archival, bool interactive)
      : ctx_(ctx), archival_(archival), interactive_(interactive), printer_(g_flags.debug),
        service_(ctx, archival, service_options()) {
    printer_.set_streaming(g_flags.stream);
  }

  Status open_agent();
  int loop();

 private:
  static runtime::AgentServiceOptions service_options() {
    runtime::AgentServiceOptions o;
    o.cache_capacity = 1;
    o.lock_wait = std::chrono::milliseconds(static_cast<int64_t>(g_flags.lock_wait * 1000));
    o.verify_first_message = !g_flags.no_verify;
    o.external_functions = &mcp_tools();
    return o;
  }
  // Tools of other MCP servers attached to agents (`memgpt mcp attach`, /mcp attach).
  static mcp::McpAgentTools& mcp_tools() {
    static mcp::McpAgentTools tools;
    return tools;
  }
  store::AgentLlmConfig new_llm_config() const;
  Status create_agent(const std::string& name, const store::AgentLlmConfig& llm);
  void apply_overrides(store::AgentLlmConfig& cfg);
  // Opens the agent, saying so when it has to wait for another process's step.
  Result<runtime::OpenAgent> open(bool with_model);
  using Turn = std::function<Status(runtime::OpenAgent&, const agent::EventSink&, const agent::TurnOptions&)>;
  void run_turn(const Turn& turn);
  void agent_command(const std::string& line);
  bool command(const std::string& line);  // false: leave the REPL
  void attach(const std::string& name);
  void detach(const std::string& name);
  void show_memory();
  void help();
  void report(const Status& s, const std::string& ok) {
    if (s.ok()) {
      if (!ok.empty()) fmt::print("{}\n", ok);
    } else {
      fmt::print(stderr, "error: {}\n", s.message());
    }
  }

  AppContext& ctx_;
  Archival& archival_;
  bool interactive_;
  Printer printer_;
  runtime::AgentService service_;
  std::unique_ptr<llm::ChatModel> checked_model_;  // connected once at the start (see open_agent)
  store::AgentRecord record_;  // the agent as opened at the start (id, name, embedding)
  bool created_ = false;
  bool failed_ = false;
};

store::AgentLlmConfig Session::new_llm_config() const {
  const MemgptConfig& c = ctx_.config;
  std::string model = g_flags.model.empty() ? c.model : g_flags.model;
  int window = g_flags.context_window > 0 ? g_flags.context_window : c.context_window;
  if (g_flags.context_window <= 0 && !g_flags.model.empty() && llm::known_context_window(model) > 0) {
    window = llm::known_context_window(model);
  }
  store::AgentLlmConfig llm;
  llm.model = model;
  llm.model_endpoint = g_flags.endpoint.empty() ? c.model_endpoint : g_flags.endpoint;
  llm.model_endpoint_type = g_flags.endpoint_type.empty() ? c.model_endpoint_type : g_flags.endpoint_type;
  llm.model_wrapper = g_flags.wrapper.empty() ? c.model_wrapper : g_flags.wrapper;
  llm.context_window = window;
  return llm;
}

Status Session::create_agent(const std::string& name, const store::AgentLlmConfig& llm) {
  fmt::print("🧬 Creating new agent...\n");
  runtime::NewAgent n;
  n.user_id = ctx_.user_id;
  n.name = name;
  n.persona = g_flags.persona.empty() ? ctx_.config.persona : g_flags.persona;
  n.human = g_flags.human.empty() ? ctx_.config.human : g_flags.human;
  // Unknown profiles stop here, before anything is printed about them.
  MEMGPT_RETURN_IF_ERROR(ctx_.store->get_profile(store::ProfileKind::kPersona, ctx_.user_id, n.persona).status());
  MEMGPT_RETURN_IF_ERROR(ctx_.store->get_profile(store::ProfileKind::kHuman, ctx_.user_id, n.human).status());
  fmt::print("->  🤖 Using persona profile: '{}'\n", n.persona);
  fmt::print("->  🧑 Using human profile: '{}'\n", n.human);
  n.core_memory_limit = g_flags.core_memory_limit;
  if (!g_flags.system.empty()) n.system_prompt = g_flags.system;
  if (!g_flags.system_file.empty()) {
    MEMGPT_ASSIGN_OR_RETURN(n.system_prompt, read_file(expand_user(g_flags.system_file)));
  }
  n.llm_config = llm;
  MEMGPT_ASSIGN_OR_RETURN(record_, service_.create(n));
  created_ = true;
  fmt::print("🎉 Created new agent '{}' (id={})\n", record_.name, record_.id);
  return {};
}

void Session::apply_overrides(store::AgentLlmConfig& cfg) {
  auto override_field = [&](const char* key, std::string& field, const std::string& value) {
    if (value.empty() || field == value) return;
    fmt::print("Warning: overriding existing {} ({}) with {}\n", key, field, value);
    field = value;
  };
  override_field("model", cfg.model, g_flags.model);
  override_field("model_endpoint", cfg.model_endpoint, g_flags.endpoint);
  override_field("model_endpoint_type", cfg.model_endpoint_type, g_flags.endpoint_type);
  override_field("model_wrapper", cfg.model_wrapper, g_flags.wrapper);
  if (g_flags.context_window > 0 && cfg.context_window != g_flags.context_window) {
    fmt::print("Warning: overriding existing context_window ({}) with {}\n", cfg.context_window,
               g_flags.context_window);
    cfg.context_window = g_flags.context_window;
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
  store::AgentLlmConfig llm = existing ? existing->llm_config : new_llm_config();
  if (existing) apply_overrides(llm);
  // Kept until the run ends: an in-process model's weights stay loaded for the agent service,
  // which shares them (llm/llama_models.h) instead of loading the file a second time.
  MEMGPT_ASSIGN_OR_RETURN(checked_model_, runtime::connect_model(llm, ctx_.credentials,
                                                                  runtime::model_call_settings(ctx_.config)));
  if (existing) {
    fmt::print("🔁 Using existing agent {}\n", name);
    MEMGPT_RETURN_IF_ERROR(runtime::check_agent_embedder(*existing, *archival_.embedder));
    record_ = *existing;
    if (llm != existing->llm_config) {
      runtime::AgentUpdate u;
      u.llm_config = llm;
      MEMGPT_ASSIGN_OR_RETURN(record_, service_.update(record_.id, u));
    }
    if (!g_flags.persona.empty() || !g_flags.human.empty()) {
      fmt::print("Warning: --persona/--human apply to new agents; '{}' keeps its memory\n", name);
    }
  } else {
    MEMGPT_RETURN_IF_ERROR(create_agent(name, llm));
  }
  if (g_flags.debug) {
    const std::string& model = record_.llm_config.model;
    auto choice = tokenizer::tokenizer_for_model(model);
    fmt::print("[debug] token counting with {}{}\n", choice.tokenizer->name(),
               choice.exact ? "" : fmt::format(" (an estimate: the tokenizer of '{}' is not known)", model));
  }
  return {};
}

Result<runtime::OpenAgent> Session::open(bool with_model) {
  return service_.open(record_.id, with_model, [&] {
    std::fflush(stdout);
    fmt::print(stderr, "⏳ agent '{}' is busy with a step of another memgpt process; waiting (up to {} s)...\n",
               record_.name, std::chrono::duration_cast<std::chrono::seconds>(service_.options().lock_wait).count());
  });
}

void Session::run_turn(const Turn& turn) {
  auto open = this->open(true);
  if (!open.ok()) {
    std::fflush(stdout);
    fmt::print(stderr, "error: {}\n", open.status().message());
    failed_ = true;
    return;
  }
  agent::TurnOptions opts;
  opts.stream = g_flags.stream;
  opts.cancel = &g_cancel;
  opts.first_function = g_flags.first_function;
  opts.max_steps = g_flags.max_steps;
  g_cancel = false;
  g_in_step = true;
  WaitIndicator waiting;  // "waiting for the model…" on the terminal while a call is out
  Status s = turn(*open, [&](const agent::AgentEvent& e) {
    waiting.on_event(e);
    printer_.print(e);
  }, opts);
  waiting.stop();
  g_in_step = false;
  if (g_cancel) {
    // A cancelled model call keeps the user's message (stored, unanswered), as a failed one does.
    // Whatever the step held in memory is dropped (not kept cached): the next step reloads the
    // agent from the store, which has the truth.
    if (s.ok()) {
      fmt::print("Step cancelled (the steps already taken are kept).\n");
    } else {
      fmt::print("Step cancelled: {}.\n", s.message());
    }
    g_cancel = false;
    return;
  }
  if (!s.ok()) {
    std::fflush(stdout);
    fmt::print(stderr, "error: {}\n", s.message());
    failed_ = true;
    return;
  }
  open->keep_cached();
}

void Session::show_memory() {
  auto open = this->open(false);
  if (!open.ok()) return report(open.status(), "");
  agent::Agent& a = open->agent();
  fmt::print("\nDumping memory contents:\n\n");
  for (const auto& b : a.memory().blocks()) {
    fmt::print("### CORE MEMORY ###\n=== {} ({}/{} characters) ===\n{}\n\n", b.label,
               agent::utf8_chars(b.value), b.limit, b.value);
  }
  auto recall = a.recall_count();
  fmt::print("=== Recall memory ===\n{} messages ({} in the context window)\n\n",
             recall.ok() ? *recall : 0, a.context_messages().ok() ? a.context_messages()->size() : 0);
  sources::PassageStore archival = service_.archival_of(a.record());
  auto count = archival.count_archival(a.id());
  fmt::print("=== Archival memory ===\n{} passages\n", count.ok() ? *count : 0);
  auto first = archival.list_archival(a.id(), 3);
  if (first.ok()) {
    for (const auto& p : *first) fmt::print("- [{}] {}\n", p.doc_id.empty() ? "note" : p.doc_id, truncate_cell(p.text, 120));
  }
  fmt::print("\n");
  open->keep_cached();
}

void Session::attach(const std::string& requested) {
  auto sources = ctx_.store->list_sources(ctx_.user_id);
  if (!sources.ok()) return report(sources.status(), "");
  if (sources->empty() && requested.empty()) {
    fmt::print("No data sources yet: load one first, e.g. `memgpt load directory --name mydocs --input-files paper.pdf`\n");
    return;
  }
  const store::SourceRecord* chosen = nullptr;
  if (!requested.empty()) {
    for (const auto& s : *sources) {
      if (s.name == requested) chosen = &s;
    }
    if (!chosen) {
      fmt::print(stderr, "error: no data source named '{}' (load one with `memgpt load directory`; see `memgpt list sources`)\n",
                 requested);
      failed_ = !interactive_;
      return;
    }
    // A source of another embedder is refused by the service, naming both and the fix.
  } else {
    store::AgentEmbeddingConfig agent_embedder = runtime::effective_embedder(record_.embedding_config, *archival_.embedder);
    std::vector<const store::SourceRecord*> compatible;
    for (const auto& s : *sources) {
      if (runtime::same_embedder(runtime::source_embedder(s), agent_embedder)) {
        compatible.push_back(&s);
      } else {
        fmt::print("  (not available: '{}' was embedded with {}; this agent uses {}: `memgpt reembed source {}` makes it "
                   "available)\n",
                   s.name, runtime::embedder_label(s.embedding_model, s.embedding_dim),
                   runtime::embedder_label(agent_embedder.embedding_model, agent_embedder.embedding_dim), s.name);
      }
    }
    if (compatible.empty()) {
      fmt::print("No data source is compatible with this agent's embedding model.\n");
      return;
    }
    if (!interactive_) {
      fmt::print(stderr, "error: /attach needs a source name when input is not a terminal (/attach NAME)\n");
      failed_ = true;
      return;
    }
    std::vector<std::string> names;
    for (const auto* s : compatible) names.push_back(s->name);
    auto pick = choose("Select data source:", names);
    if (!pick) return;
    chosen = compatible[*pick];
  }
  ProgressBar bar("Attaching passages");
  auto copied = service_.attach_source(record_.id, *chosen, [&](int64_t done, int64_t total) { bar.update(done, total); });
  bar.finish();
  if (!copied.ok()) {
    failed_ = !interactive_;
    return report(copied.status(), "");
  }
  auto total = service_.archival_of(record_).count_archival(record_.id);
  fmt::print("Attached data source {} to agent {}, consisting of {} passages. Agent now has {} passages in archival memory.\n",
             chosen->name, record_.name, *copied, total.ok() ? *total : *copied);
}

void Session::detach(const std::string& name) {
  auto src = ctx_.store->get_source_by_name(ctx_.user_id, name);
  if (!src.ok()) return report(src.status(), "");
  auto removed = service_.detach_source(record_.id, *src);
  if (!removed.ok()) return report(removed.status(), "");
  fmt::print("Detached data source {} from agent {} ({} passages removed from archival memory).\n", name,
             record_.name, *removed);
}

void Session::help() {
  std::vector<std::pair<std::string, std::string>> lines = {
      {"/exit", "save and exit"},
      {"/save", "save the agent now (it is also saved after every step)"},
      {"/attach [NAME]", "copy a data source into archival memory"},
      {"/detach NAME", "remove an attached data source"},
      {"/dump [N]", "print the last N messages in the context (all by default)"},
      {"/dumpraw", "print the context as raw JSON"},
      {"/memory", "print core memory and archival/recall sizes"},
  };
  for (const auto& line : mcp_repl_help()) lines.push_back(line);
  for (const auto& [verb, text] : runtime::agent_command_help()) {
    std::string usage = "/" + verb;
    if (verb == "pop") usage += " [N]";
    else if (verb == "rethink" || verb == "rewrite" || verb == "systemswap") usage += " TEXT";
    lines.emplace_back(usage, text);
  }
  lines.emplace_back("//", "toggle multi-line input (end with a line holding //)");
  lines.emplace_back("/help", "this list");
  fmt::print("Commands:\n");
  for (const auto& [usage, text] : lines) fmt::print("  {:<22} {}\n", usage, text);
}

// A command that acts on the agent (shared with the server's command route).
void Session::agent_command(const std::string& line) {
  auto command = runtime::parse_agent_command(line);
  if (!command.ok()) return report(command.status(), "");
  const std::string& verb = command->verb;
  if (verb == "retry" || verb == "heartbeat" || verb == "memorywarning") {
    return run_turn([&](runtime::OpenAgent& open, const agent::EventSink& sink, const agent::TurnOptions& o) {
      return service_.run_command(open, *command, sink, o).status();
    });
  }
  auto open = this->open(runtime::command_needs_model(*command));
  if (!open.ok()) return report(open.status(), "");
  auto outcome = service_.run_command(*open, *command, [this](const agent::AgentEvent& e) { printer_.print(e); });
  if (!outcome.ok()) return report(outcome.status(), "");
  open->keep_cached();
  if (verb == "pop") report({}, fmt::format("Popped {} messages", outcome->popped));
  else if (verb == "rethink") report({}, "Rewrote the last inner monologue");
  else if (verb == "rewrite") report({}, "Rewrote the last message");
  else if (verb == "summarize") report({}, "Summarised the older messages");
  else if (verb == "wipe") report({}, "Wiped the context window (recall memory keeps every message)");
  else if (verb == "systemswap") report({}, "Replaced the system prompt");
}

bool Session::command(const std::string& line) {
  std::string cmd = line, arg;
  if (auto sp = line.find(' '); sp != std::string::npos) {
    cmd = line.substr(0, sp);
    arg = line.substr(sp + 1);
    while (!arg.empty() && arg.front() == ' ') arg.erase(0, 1);
  }
  if (cmd == "/exit") return false;
  if (cmd == "/save") {
    fmt::print("💾 Saved agent '{}' (agents are also saved after every step)\n", record_.name);
  } else if (cmd == "/attach") {
    attach(arg);
  } else if (cmd == "/detach") {
    if (arg.empty()) fmt::print(stderr, "error: /detach needs a source name\n");
    else detach(arg);
  } else if (cmd == "/dump" || cmd == "/dumpraw") {
    auto open = this->open(false);
    if (!open.ok()) {
      report(open.status(), "");
      return true;
    }
    auto msgs = open->agent().context_messages();
    if (!msgs.ok()) {
      report(msgs.status(), "");
    } else if (cmd == "/dump") {
      size_t n = msgs->size();
      if (!arg.empty()) n = std::min<size_t>(n, static_cast<size_t>(std::max(1, std::atoi(arg.c_str()))));
      for (size_t i = msgs->size() - n; i < msgs->size(); ++i) printer_.print_message((*msgs)[i]);
    } else {
      Json out = Json::array();
      for (const auto& m : *msgs) {
        Json j = {{"role", m.role}, {"content", m.text}};
        if (!m.tool_calls.empty()) j["tool_calls"] = m.tool_calls;
        if (!m.tool_call_id.empty()) j["tool_call_id"] = m.tool_call_id;
        out.push_back(j);
      }
      fmt::print("{}\n", out.dump(2));
    }
    open->keep_cached();
  } else if (cmd == "/memory") {
    show_memory();
  } else if (cmd == "/mcp") {
    Status done = run_mcp_repl_command(mcp_tools(), record_.id, record_.name, arg);
    if (!done.ok()) failed_ = !interactive_;
    report(done, "");
  } else if (runtime::is_agent_command(cmd.substr(1))) {
    agent_command(line);
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
    run_turn([&](runtime::OpenAgent& open, const agent::EventSink& sink, const agent::TurnOptions& o) {
      return service_.send(open, {{runtime::TurnInput::Kind::kFirstMessage, ""}}, sink, o).status();
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
      run_turn([&](runtime::OpenAgent& open, const agent::EventSink& sink, const agent::TurnOptions& o) {
        return service_.send(open, {{runtime::TurnInput::Kind::kUser, text}}, sink, o).status();
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
  run->add_option("--first-function", f.first_function,
                  "Each turn starts with a call of this function, e.g. archival_memory_search (for small "
                  "models that do not search on their own)");
  run->add_option("--max-steps", f.max_steps,
                  "Most steps a turn may chain; the last one answers the user (default 25)")
      ->check(CLI::Range(1, 100));
  run->add_option("--lock-wait", f.lock_wait,
                  "Seconds to wait when the agent is busy with a step of another memgpt process (run or server)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 86400.0));
  run->add_option("--system", f.system, "System prompt text for a new agent");
  run->add_option("--system-file", f.system_file, "File holding the system prompt");
  run->add_option("--core-memory-limit", f.core_memory_limit, "Character limit of each core memory block")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  run->callback([] { run_repl(); });
}

}  // namespace memgpt::cli
