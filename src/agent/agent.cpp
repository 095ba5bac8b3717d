#include "agent/agent.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>

#include "agent/functions.h"
#include "agent/message_records.h"
#include "agent/protocol.h"

namespace memgpt::agent {

// ---- construction ---------------------------------------------------------------------------

namespace {

// The window the agent budgets with: the configured one, unless the model has less (a local
// model clamps a window larger than it was trained for), so summaries start in time.
int usable_window(const AgentDeps& deps, int configured) {
  int real = deps.model ? deps.model->context_window() : 0;
  return real > 0 && (configured <= 0 || real < configured) ? real : configured;
}

}  // namespace

Agent::Agent(const AgentDeps& deps, store::AgentRecord record, AgentState state)
    : conversation_(deps, std::move(record), std::move(state)),
      budget_(deps.tokenizer, conversation_.record().llm_config.model,
              usable_window(deps, conversation_.record().llm_config.context_window)),
      summarizer_(conversation_, budget_),
      loop_(conversation_, budget_, summarizer_) {}

Result<std::unique_ptr<Agent>> Agent::create(const AgentDeps& deps,
                                             const AgentCreateOptions& options) {
  if (!deps.meta || !deps.recall) return internal_error("agent created without its stores");
  AgentState state;
  state.system_prompt = options.system_prompt;
  state.functions = options.functions.empty() ? builtin_function_names() : options.functions;
  for (const auto& f : state.functions) {
    if (!is_builtin_function(f)) return invalid_argument(fmt::format("unknown function '{}'", f));
  }
  if (options.blocks.empty()) {
    MEMGPT_RETURN_IF_ERROR(state.memory.add_block({"persona", options.persona_text, options.core_memory_limit})
                               .with_context("the persona does not fit in core memory"));
    MEMGPT_RETURN_IF_ERROR(state.memory.add_block({"human", options.human_text, options.core_memory_limit})
                               .with_context("the human profile does not fit in core memory"));
  }
  for (const auto& block : options.blocks) {
    MEMGPT_RETURN_IF_ERROR(
        state.memory.add_block(block).with_context(fmt::format("memory block '{}'", block.label)));
  }
  state.inner_thoughts_in_args = options.inner_thoughts_in_args;
  state.memory_edited_at = deps.clock->now_ms();

  store::AgentRecord rec;
  rec.user_id = options.user_id;
  rec.name = options.name.empty() ? random_agent_name() : options.name;
  rec.persona = options.persona_name;
  rec.human = options.human_name;
  rec.preset = options.preset;
  rec.llm_config = options.llm_config;
  rec.embedding_config = options.embedding_config;
  rec.description = options.description;
  rec.tags = options.tags;
  rec.metadata = options.metadata;
  rec.state = state.saved();
  MEMGPT_ASSIGN_OR_RETURN(rec, deps.meta->create_agent(rec));
  std::unique_ptr<Agent> agent(new Agent(deps, std::move(rec), std::move(state)));

  // Boot sequence: a send_message the model "made", its OK result, then the login event.
  Conversation& c = agent->conversation_;
  std::string call_id = new_uuid();
  store::MessageRecord boot = c.make_message("assistant", kBootThought);
  boot.tool_calls =
      Json::array({tool_call_json({call_id, "send_message", Json({{"message", kBootMessage}}).dump()})});
  store::MessageRecord boot_result =
      c.make_message("tool", package_function_result(true, std::nullopt, now_text(*deps.clock)));
  boot_result.name = "send_message";
  boot_result.tool_call_id = call_id;
  store::MessageRecord login = c.make_message("user", package_login("Never (first login)", now_text(*deps.clock)));
  std::vector<store::MessageRecord> boot_messages{boot, boot_result, login};
  Status s = c.append(boot_messages);
  if (!s.ok()) {
    (void)deps.meta->delete_agent(agent->id());
    return s;
  }
  return agent;
}

Result<std::unique_ptr<Agent>> Agent::load(const AgentDeps& deps, const std::string& agent_id) {
  MEMGPT_ASSIGN_OR_RETURN(store::AgentRecord rec, deps.meta->get_agent(agent_id));
  if (!rec.state_problem.empty()) return store::unreadable_agent_state(rec);
  AgentState state = AgentState::from_saved(rec.state);
  return std::unique_ptr<Agent>(new Agent(deps, std::move(rec), std::move(state)));
}

// ---- settings and core memory -----------------------------------------------------------------

Status Agent::update_llm_config(const store::AgentLlmConfig& llm_config) {
  conversation_.record().llm_config = llm_config;
  // A new model may count tokens differently and have another window.
  budget_ = ContextBudget(conversation_.deps().tokenizer, llm_config.model, llm_config.context_window);
  return conversation_.save();
}

Status Agent::set_core_memory(const std::string& label, const std::string& value) {
  MEMGPT_RETURN_IF_ERROR(conversation_.state().memory.set_value(label, value));
  return save_memory();
}

Status Agent::set_core_memory_limit(const std::string& label, int limit) {
  MEMGPT_RETURN_IF_ERROR(conversation_.state().memory.set_limit(label, limit));
  return save_memory();
}

Status Agent::save_memory() {
  conversation_.state().memory_edited_at = conversation_.deps().clock->now_ms();
  return conversation_.save();
}

// ---- turns ------------------------------------------------------------------------------------

Result<TurnResult> Agent::send_user_message(const std::string& text, const EventSink& sink,
                                            const TurnOptions& options) {
  if (sink) sink({AgentEvent::Kind::kUserMessage, text});
  const Clock& clock = *conversation_.deps().clock;
  return loop_.run_turn(conversation_.make_message("user", package_user_message(text, now_text(clock))), sink,
                        options);
}

Result<TurnResult> Agent::send_first_message(const EventSink& sink, const TurnOptions& options) {
  return loop_.run_turn(std::nullopt, sink, options);
}

Result<TurnResult> Agent::send_system_alert(const std::string& text, const EventSink& sink,
                                            const TurnOptions& options) {
  if (sink) sink({AgentEvent::Kind::kSystemAlert, text});
  const Clock& clock = *conversation_.deps().clock;
  return loop_.run_turn(conversation_.make_message("user", package_system_alert(text, now_text(clock))), sink,
                        options);
}

Result<TurnResult> Agent::send_heartbeat(const std::string& reason, const EventSink& sink,
                                         const TurnOptions& options) {
  if (sink) sink({AgentEvent::Kind::kHeartbeat, reason});
  const Clock& clock = *conversation_.deps().clock;
  return loop_.run_turn(conversation_.make_message("user", package_heartbeat(reason, now_text(clock))), sink,
                        options);
}

Status Agent::summarize(const EventSink& sink) { return summarizer_.summarize(sink, 0, 0); }

// ---- conversation editing (/pop, /retry, /rethink, /rewrite, /systemswap, /wipe) ---------------

Status Agent::pop(int count) {
  if (count <= 0) return invalid_argument("pop needs a positive number of messages");
  const auto& ids = conversation_.state().message_ids;
  // Keep at least one message after the system message.
  if (ids.size() <= 1) return failed_precondition("there is nothing to pop");
  size_t n = std::min<size_t>(static_cast<size_t>(count), ids.size() - 1);
  MEMGPT_ASSIGN_OR_RETURN(auto history, conversation_.history());
  // Never leave a function call without its result: if the cut falls between a call and its
  // result, keep the result too.
  size_t keep = history.size() - n;
  while (keep < history.size() && keep > 0 && history[keep].role == "tool") ++keep;
  if (keep >= history.size()) {
    return failed_precondition("there is nothing to pop without splitting a function call from its result");
  }
  store::MessageChanges changes;
  changes.removed.assign(ids.begin() + static_cast<ptrdiff_t>(keep), ids.end());
  return conversation_.commit({ids.begin(), ids.begin() + static_cast<ptrdiff_t>(keep)}, changes);
}

Result<TurnResult> Agent::retry(const EventSink& sink, const TurnOptions& options) {
  MEMGPT_ASSIGN_OR_RETURN(auto history, conversation_.history());
  for (size_t i = history.size(); i-- > 0;) {
    auto text = history[i].role == "user" ? unpack_user_message(history[i].text) : std::nullopt;
    if (!text) continue;
    MEMGPT_RETURN_IF_ERROR(pop(static_cast<int>(history.size() - i)));
    return send_user_message(*text, sink, options);
  }
  return failed_precondition("there is no user message to retry");
}

Status Agent::store_rewritten(store::MessageRecord message) {
  store::MessageChanges changes;
  changes.updated.push_back(std::move(message));
  return conversation_.commit(conversation_.state().message_ids, changes);
}

Status Agent::rethink(const std::string& thoughts) {
  MEMGPT_ASSIGN_OR_RETURN(auto history, conversation_.history());
  for (auto it = history.rbegin(); it != history.rend(); ++it) {
    if (it->role != "assistant") continue;
    it->text = thoughts;
    return store_rewritten(std::move(*it));
  }
  return failed_precondition("there is no inner monologue to rethink yet");
}

Status Agent::rewrite(const std::string& message) {
  MEMGPT_ASSIGN_OR_RETURN(auto history, conversation_.history());
  for (auto it = history.rbegin(); it != history.rend(); ++it) {
    if (it->role != "assistant") continue;
    for (auto& tc : it->tool_calls) {
      if (tc.value("/function/name"_json_pointer, "") != "send_message") continue;
      Json args = parse_json_or_discarded(tc.value("/function/arguments"_json_pointer, "{}"));
      if (!args.is_object()) args = Json::object();
      args["message"] = message;
      tc["function"]["arguments"] = args.dump();
      return store_rewritten(std::move(*it));
    }
  }
  return failed_precondition("there is no send_message to rewrite yet");
}

Status Agent::swap_system_prompt(const std::string& system_prompt) {
  if (system_prompt.empty()) return invalid_argument("the new system prompt is empty");
  conversation_.state().system_prompt = system_prompt;
  return conversation_.save();
}

Status Agent::wipe() {
  conversation_.state().alerted_memory_pressure = false;
  store::MessageChanges none;
  return conversation_.commit({}, none);
}

// ---- helpers ----------------------------------------------------------------------------------

std::string random_agent_name() {
  static const char* kAdjectives[] = {
      "Polite",  "Curious", "Gentle", "Bright",  "Clever", "Quiet",   "Brave",  "Witty",
      "Calm",    "Eager",   "Happy",  "Kind",    "Lively", "Merry",   "Nimble", "Patient",
      "Plucky",  "Proud",   "Silly",  "Steady",  "Swift",  "Tender",  "Vivid",  "Warm",
      "Wise",    "Zesty",   "Bold",   "Cosmic",  "Dapper", "Fancy",   "Jolly",  "Mellow"};
  static const char* kNouns[] = {
      "Butterfly", "Otter",   "Falcon",  "Lantern", "Meadow", "Comet",  "Harbor", "Willow",
      "Panda",     "Fox",     "Heron",   "Maple",   "Pebble", "Rocket", "Sparrow", "Tiger",
      "Walrus",    "Zebra",   "Badger",  "Cactus",  "Dolphin", "Ember", "Garnet", "Hedgehog",
      "Iris",      "Jaguar",  "Koala",   "Lynx",    "Nebula", "Orchid", "Quokka", "Raven"};
  thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_int_distribution<size_t> a(0, std::size(kAdjectives) - 1);
  std::uniform_int_distribution<size_t> n(0, std::size(kNouns) - 1);
  return std::string(kAdjectives[a(rng)]) + kNouns[n(rng)];
}

Result<ContextOverview> Agent::context_overview() {
  ContextOverview o;
  MEMGPT_ASSIGN_OR_RETURN(auto request, conversation_.request_messages({}));
  o.functions_json = loop_.tools();
  o.window = budget_.window();
  o.total = budget_.request_tokens(request, o.functions_json);
  o.functions = o.functions_json.empty() ? 0 : budget_.tokens(o.functions_json.dump());
  o.system_prompt = conversation_.state().system_prompt;
  o.core_memory_text = memory().compile();
  o.system = budget_.tokens(o.system_prompt);
  o.core_memory = budget_.tokens(o.core_memory_text);
  if (!request.empty()) {
    o.memory_header = std::max<int64_t>(0, budget_.message_tokens(request.front()) - o.system - o.core_memory);
  }
  for (size_t i = 1; i < request.size(); ++i) {
    const llm::ChatMessage& m = request[i];
    // A summary note is the first message after the system message (Summarizer).
    if (i == 1 && m.role == "user" && packed_type(m.content) == "system_alert" &&
        m.content.find(kSummaryAlertStart) != std::string::npos) {
      o.summary = budget_.message_tokens(m);
      o.summary_text = m.content;
    } else {
      o.messages += budget_.message_tokens(m);
    }
  }
  o.num_messages = static_cast<int64_t>(request.size());
  MEMGPT_ASSIGN_OR_RETURN(o.recall, recall_count());
  MEMGPT_ASSIGN_OR_RETURN(o.archival, archival_count());
  return o;
}

}  // namespace memgpt::agent
