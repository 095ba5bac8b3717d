#include "agent/agent.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>

#include "agent/functions.h"
#include "agent/protocol.h"
#include "llm/json_repair.h"

namespace memgpt::agent {
namespace {

constexpr double kWarningFraction = 0.75;   // memory-pressure warning threshold
constexpr double kEvictFraction = 0.75;     // share of message tokens a summary replaces
constexpr size_t kKeepLastMessages = 3;     // never evicted
constexpr int kFirstMessageAttempts = 10;   // MemGPT's retry budget for the first reply
constexpr int kPerMessageTokens = 4;        // role and separators per chat message

constexpr const char* kSummarySystemPrompt =
    "You summarise conversations. Below is a part of a conversation between an AI persona and "
    "a human, including the AI's private inner monologue, its function calls and their "
    "results. Write a summary of it in the first person, from the AI's point of view, in fewer "
    "than 100 words. Keep facts about the human, promises made and open questions. Output only "
    "the summary.";

std::string now_text(const Clock& clock) { return format_memgpt_time(clock.now_ms()); }

// The human-readable part of a message, for text search and summaries.
std::string searchable_text(const store::MessageRecord& m) {
  if (m.role == "user") {
    if (auto u = unpack_user_message(m.text)) return *u;
    return "";  // heartbeats, alerts and login events are not conversation
  }
  if (m.role == "assistant") {
    std::string out = m.text;
    for (const auto& tc : m.tool_calls) {
      if (tc.value("/function/name"_json_pointer, "") != "send_message") continue;
      Json args = parse_json_or_discarded(tc.value("/function/arguments"_json_pointer, ""));
      if (args.is_object() && args.contains("message") && args["message"].is_string()) {
        out += (out.empty() ? "" : "\n") + args["message"].get<std::string>();
      }
    }
    return out;
  }
  return "";
}

llm::ChatMessage to_chat(const store::MessageRecord& m) {
  llm::ChatMessage c;
  c.role = m.role;
  c.content = m.text;
  c.tool_call_id = m.tool_call_id;
  c.name = m.name;
  for (const auto& tc : m.tool_calls) {
    c.tool_calls.push_back({tc.value("id", ""), tc.value("/function/name"_json_pointer, ""),
                            tc.value("/function/arguments"_json_pointer, "")});
  }
  return c;
}

Json tool_call_json(const llm::ToolCall& tc) {
  return {{"id", tc.id},
          {"type", "function"},
          {"function", {{"name", tc.name}, {"arguments", tc.arguments}}}};
}

}  // namespace

// ---- construction and state ------------------------------------------------------------------

Agent::Agent(const AgentDeps& deps, store::AgentRecord record)
    : deps_(deps), record_(std::move(record)) {}

Result<std::unique_ptr<Agent>> Agent::create(const AgentDeps& deps,
                                             const AgentCreateOptions& options) {
  if (!deps.meta || !deps.recall) return internal_error("agent created without its stores");
  store::AgentRecord rec;
  rec.user_id = options.user_id;
  rec.name = options.name.empty() ? random_agent_name() : options.name;
  rec.persona = options.persona_name;
  rec.human = options.human_name;
  rec.preset = options.preset;
  rec.llm_config = options.llm_config;
  rec.embedding_config = options.embedding_config;
  std::unique_ptr<Agent> agent(new Agent(deps, rec));
  agent->system_prompt_ = options.system_prompt;
  agent->functions_ = options.functions.empty() ? builtin_function_names() : options.functions;
  for (const auto& f : agent->functions_) {
    if (!is_builtin_function(f)) return invalid_argument(fmt::format("unknown function '{}'", f));
  }
  if (options.blocks.empty()) {
    MEMGPT_RETURN_IF_ERROR(
        agent->memory_.add_block({"persona", options.persona_text, options.core_memory_limit})
            .with_context("the persona does not fit in core memory"));
    MEMGPT_RETURN_IF_ERROR(
        agent->memory_.add_block({"human", options.human_text, options.core_memory_limit})
            .with_context("the human profile does not fit in core memory"));
  }
  for (const auto& block : options.blocks) {
    MEMGPT_RETURN_IF_ERROR(agent->memory_.add_block(block).with_context(
        fmt::format("memory block '{}'", block.label)));
  }
  agent->inner_thoughts_in_args_ = options.inner_thoughts_in_args;
  agent->memory_edited_at_ = deps.clock->now_ms();
  agent->record_.state = agent->state_json();
  MEMGPT_ASSIGN_OR_RETURN(agent->record_, deps.meta->create_agent(agent->record_));

  // Boot sequence: a send_message the model "made", its OK result, then the login event.
  std::string call_id = new_uuid();
  store::MessageRecord boot = agent->make_message("assistant", kBootThought);
  boot.tool_calls = Json::array(
      {tool_call_json({call_id, "send_message",
                       Json({{"message", kBootMessage}}).dump()})});
  store::MessageRecord boot_result = agent->make_message(
      "tool", package_function_result(true, std::nullopt, now_text(*deps.clock)));
  boot_result.name = "send_message";
  boot_result.tool_call_id = call_id;
  store::MessageRecord login = agent->make_message(
      "user", package_login("Never (first login)", now_text(*deps.clock)));
  std::vector<store::MessageRecord> boot_messages{boot, boot_result, login};
  Status s = agent->commit(boot_messages);
  if (!s.ok()) {
    (void)deps.meta->delete_agent(agent->record_.id);
    return s;
  }
  return agent;
}

Result<std::unique_ptr<Agent>> Agent::load(const AgentDeps& deps, const std::string& agent_id) {
  MEMGPT_ASSIGN_OR_RETURN(store::AgentRecord rec, deps.meta->get_agent(agent_id));
  std::unique_ptr<Agent> agent(new Agent(deps, std::move(rec)));
  MEMGPT_RETURN_IF_ERROR(agent->load_state());
  return agent;
}

Status Agent::load_state() {
  const Json& st = record_.state;
  MEMGPT_ASSIGN_OR_RETURN(memory_, CoreMemory::from_json(st.value("memory", Json::array())));
  system_prompt_ = st.value("system", "");
  functions_.clear();
  for (const auto& f : st.value("functions", Json::array())) functions_.push_back(f);
  if (functions_.empty()) functions_ = builtin_function_names();
  message_ids_.clear();
  for (const auto& id : st.value("message_ids", Json::array())) message_ids_.push_back(id);
  memory_edited_at_ = st.value("memory_edited_at", int64_t{0});
  alerted_memory_pressure_ = st.value("alerted_memory_pressure", false);
  first_message_verified_ = st.value("first_message_verified", false);
  if (st.contains("inner_thoughts_in_args") && st["inner_thoughts_in_args"].is_boolean()) {
    inner_thoughts_in_args_ = st["inner_thoughts_in_args"].get<bool>();
  }
  return {};
}

Json Agent::state_json() const {
  Json st = {{"system", system_prompt_},
             {"memory", memory_.to_json()},
             {"functions", functions_},
             {"message_ids", message_ids_},
             {"memory_edited_at", memory_edited_at_},
             {"alerted_memory_pressure", alerted_memory_pressure_},
             {"first_message_verified", first_message_verified_}};
  if (inner_thoughts_in_args_) st["inner_thoughts_in_args"] = *inner_thoughts_in_args_;
  return st;
}

store::MessageRecord Agent::make_message(const std::string& role, const std::string& text) {
  store::MessageRecord m;
  m.id = new_uuid();
  m.user_id = record_.user_id;
  m.agent_id = record_.id;
  m.role = role;
  m.text = text;
  m.created_at = deps_.clock->now_ms();
  return m;
}

// Appends the messages to recall and to the context, and saves the agent state: one
// transaction, so a crash leaves the agent as before or after.
Status Agent::commit(std::vector<store::MessageRecord>& new_messages) {
  auto saved_ids = message_ids_;
  for (auto& m : new_messages) {
    m.search_text = searchable_text(m);
    message_ids_.push_back(m.id);
  }
  record_.state = state_json();
  Status s = deps_.meta->db().transaction([&]() -> Status {
    MEMGPT_RETURN_IF_ERROR(deps_.recall->append(new_messages));
    return deps_.meta->update_agent(record_);
  });
  if (!s.ok()) {
    message_ids_ = saved_ids;
    record_.state = state_json();
    return s;
  }
  for (const auto& m : new_messages) record_cache_[m.id] = m;
  return s;
}

int Agent::context_window() const {
  int w = record_.llm_config.value("context_window", 8192);
  return w > 0 ? w : 8192;
}

bool Agent::uses_inner_thoughts_kwarg() const {
  if (inner_thoughts_in_args_) return *inner_thoughts_in_args_;
  // Reasoning models and prompt-wrapped local models leave the content empty when they call a
  // function, so the monologue has to travel inside the call.
  std::string model = record_.llm_config.value("model", "");
  std::string type = record_.llm_config.value("model_endpoint_type", "openai");
  for (const char* prefix : {"o1", "o3", "o4", "gpt-5"}) {
    if (model.rfind(prefix, 0) == 0) return true;
  }
  return type == "ollama" || type == "llamacpp" || type == "koboldcpp" || type == "webui" ||
         type == "lmstudio" || type == "vllm";
}

Status Agent::update_llm_config(const Json& llm_config) {
  record_.llm_config = llm_config;
  return deps_.meta->update_agent(record_);
}

Status Agent::set_core_memory(const std::string& label, const std::string& value) {
  MEMGPT_RETURN_IF_ERROR(memory_.set_value(label, value));
  return save_memory();
}

Status Agent::set_core_memory_limit(const std::string& label, int limit) {
  MEMGPT_RETURN_IF_ERROR(memory_.set_limit(label, limit));
  return save_memory();
}

Status Agent::save_memory() {
  memory_edited_at_ = deps_.clock->now_ms();
  record_.state = state_json();
  return deps_.meta->update_agent(record_);
}

// ---- prompt assembly --------------------------------------------------------------------------

Result<int64_t> Agent::recall_count() { return deps_.recall->count(record_.id); }

Result<int64_t> Agent::archival_count() {
  if (!deps_.archival) return int64_t{0};
  return deps_.archival->count();
}

Result<std::string> Agent::system_message() {
  MEMGPT_ASSIGN_OR_RETURN(int64_t recall, recall_count());
  MEMGPT_ASSIGN_OR_RETURN(int64_t archival, archival_count());
  return fmt::format(
      "{}\n\n### Memory [last modified: {}]\n{} previous messages between you and the user are "
      "stored in recall memory (use functions to access them)\n{} total memories you created "
      "are stored in archival memory (use functions to access them)\n\nCore memory shown below "
      "(limited in size, additional information stored in archival / recall memory):\n{}",
      system_prompt_, format_memgpt_time(memory_edited_at_), recall, archival, memory_.compile());
}

Result<std::vector<store::MessageRecord>> Agent::context_messages() {
  MEMGPT_ASSIGN_OR_RETURN(std::string system, system_message());
  store::MessageRecord sys;
  sys.id = "system";
  sys.role = "system";
  sys.text = system;
  sys.agent_id = record_.id;
  std::vector<std::string> missing;
  for (const auto& id : message_ids_) {
    if (!record_cache_.count(id)) missing.push_back(id);
  }
  if (!missing.empty()) {
    MEMGPT_ASSIGN_OR_RETURN(auto fetched, deps_.recall->get(missing));
    for (auto& m : fetched) record_cache_.emplace(m.id, std::move(m));
  }
  std::vector<store::MessageRecord> rest;
  rest.reserve(message_ids_.size() + 1);
  rest.push_back(std::move(sys));
  for (const auto& id : message_ids_) rest.push_back(record_cache_.at(id));
  return rest;
}

Result<std::vector<llm::ChatMessage>> Agent::build_request_messages(
    const std::vector<store::MessageRecord>& extra) {
  MEMGPT_ASSIGN_OR_RETURN(auto records, context_messages());
  std::vector<llm::ChatMessage> out;
  out.reserve(records.size() + extra.size());
  for (const auto& r : records) out.push_back(to_chat(r));
  for (const auto& r : extra) out.push_back(to_chat(r));
  return out;
}

int64_t Agent::tokens_of(const std::string& text) const {
  auto it = token_cache_.find(text);
  if (it != token_cache_.end()) return it->second;
  const tokenizer::Tokenizer* tok = deps_.tokenizer
                                        ? deps_.tokenizer
                                        : tokenizer::tokenizer_for_model(
                                              record_.llm_config.value("model", "")).tokenizer;
  int64_t n = static_cast<int64_t>(tok->count(text));
  if (token_cache_.size() > 50000) token_cache_.clear();
  token_cache_.emplace(text, n);
  return n;
}

int64_t Agent::count_message_tokens(const std::vector<llm::ChatMessage>& messages) const {
  int64_t n = 3;  // every reply is primed with a few tokens
  for (const auto& m : messages) {
    n += kPerMessageTokens + tokens_of(m.content);
    for (const auto& tc : m.tool_calls) n += 3 + tokens_of(tc.name) + tokens_of(tc.arguments);
  }
  return n;
}

Result<int64_t> Agent::context_tokens() {
  MEMGPT_ASSIGN_OR_RETURN(auto messages, build_request_messages({}));
  const tokenizer::Tokenizer* tok = deps_.tokenizer
                                        ? deps_.tokenizer
                                        : tokenizer::tokenizer_for_model(
                                              record_.llm_config.value("model", "")).tokenizer;
  (void)tok;
  return count_message_tokens(messages) + tokens_of(function_tools(functions_, uses_inner_thoughts_kwarg()).dump());
}

// ---- the model call ---------------------------------------------------------------------------

Result<llm::ChatResponse> Agent::complete_with_events(llm::ChatRequest& request, const char* purpose,
                                                      const EventSink& sink) {
  if (sink) {
    request.on_retry = [&sink](int attempt, const std::string& why) {
      sink({AgentEvent::Kind::kModelRetry, fmt::format("attempt {} after: {}", attempt, why)});
    };
    sink({AgentEvent::Kind::kModelCallStarted, purpose});
  }
  auto resp = deps_.model->complete(request);
  if (sink) sink({AgentEvent::Kind::kModelCallEnded, purpose, "", Json::object(), resp.ok()});
  return resp;
}

Result<llm::ChatResponse> Agent::call_model(const std::vector<store::MessageRecord>& extra,
                                            const EventSink& sink, const TurnOptions& options) {
  if (!deps_.model) {
    return failed_precondition(
        "no LLM is configured: run `memgpt configure` (or set OPENAI_API_KEY) to connect one");
  }
  bool kwarg = uses_inner_thoughts_kwarg();
  Json tools = function_tools(functions_, kwarg);
  const tokenizer::Tokenizer* tok = deps_.tokenizer
                                        ? deps_.tokenizer
                                        : tokenizer::tokenizer_for_model(
                                              record_.llm_config.value("model", "")).tokenizer;
  (void)tok;
  int64_t tools_tokens = tokens_of(tools.dump());
  int64_t window = context_window();
  for (int attempt = 0; attempt < 3; ++attempt) {
    MEMGPT_ASSIGN_OR_RETURN(auto messages, build_request_messages(extra));
    int64_t tokens = count_message_tokens(messages) + tools_tokens;
    if (tokens > window && attempt < 2) {
      // Overflow before sending: summarise the oldest messages, then rebuild.
      MEMGPT_RETURN_IF_ERROR(summarize_locked(sink, static_cast<int64_t>(window * 0.5)));
      continue;
    }
    llm::ChatRequest req;
    req.messages = std::move(messages);
    req.tools = tools;
    req.cancel = options.cancel;
    if (options.stream && sink) {
      req.on_delta = [&sink](const llm::StreamDelta& d) {
        if (!d.content.empty()) sink({AgentEvent::Kind::kStreamDelta, d.content});
      };
    }
    auto resp = complete_with_events(req, "reply", sink);
    if (!resp.ok() && llm::is_context_overflow(resp.status()) && attempt < 2) {
      MEMGPT_RETURN_IF_ERROR(summarize_locked(sink, static_cast<int64_t>(window * 0.5)));
      continue;
    }
    return resp;
  }
  return Status(ErrorCode::kResourceExhausted,
                "the conversation does not fit in the context window even after summarising",
                static_cast<int>(llm::LlmError::kContextWindowExceeded));
}

// ---- one step ---------------------------------------------------------------------------------

Result<Agent::StepOutcome> Agent::step(const store::MessageRecord* input, const EventSink& sink,
                                       const TurnOptions& options) {
  StepOutcome out;
  std::vector<store::MessageRecord> pending;
  if (input) pending.push_back(*input);
  bool kwarg = uses_inner_thoughts_kwarg();
  // MemGPT checks the agent's first reply (to the login event or the first user message).
  bool verify = verify_first_ && !first_message_verified_;

  llm::ChatResponse resp;
  std::string thoughts;
  auto cancelled = [&] { return options.cancel && options.cancel->load(); };
  for (int attempt = 0;; ++attempt) {
    MEMGPT_ASSIGN_OR_RETURN(resp, call_model(pending, sink, options));
    if (cancelled()) return Status(ErrorCode::kCancelled, "the step was cancelled");
    out.usage.prompt_tokens += resp.usage.prompt_tokens;
    out.usage.completion_tokens += resp.usage.completion_tokens;
    out.usage.total_tokens += resp.usage.total_tokens;
    thoughts = resp.message.content;
    if (kwarg && !resp.message.tool_calls.empty()) {
      Json args = parse_json_or_discarded(resp.message.tool_calls[0].arguments);
      if (args.is_object() && args.contains("inner_thoughts") && args["inner_thoughts"].is_string()) {
        if (thoughts.empty()) thoughts = args["inner_thoughts"].get<std::string>();
      }
    }
    if (!verify || verify_first_reply(resp.message, thoughts)) break;
    if (attempt + 1 >= kFirstMessageAttempts) {
      return Status(ErrorCode::kUnavailable,
                    fmt::format("the model's first reply failed verification {} times (it must "
                                "call send_message); try another model or run with --no-verify",
                                kFirstMessageAttempts));
    }
  }
  if (sink) sink({AgentEvent::Kind::kUsage, "", "", Json::object(), true, resp.usage});
  if (resp.finish_reason == "length" && resp.message.tool_calls.empty() && thoughts.empty()) {
    return Status(ErrorCode::kResourceExhausted,
                  "the model stopped at its output token limit before replying",
                  static_cast<int>(llm::LlmError::kOutputTruncated));
  }

  // The assistant message keeps only the call we execute, so every call in the history has its
  // result right after it (the APIs reject anything else).
  store::MessageRecord assistant = make_message("assistant", thoughts);
  assistant.model = resp.model;
  if (!thoughts.empty() && sink) sink({AgentEvent::Kind::kInnerThoughts, thoughts});
  if (resp.message.tool_calls.empty()) {
    pending.push_back(std::move(assistant));
  } else {
    llm::ToolCall call = resp.message.tool_calls[0];
    if (call.id.empty()) call.id = "call_" + new_uuid().substr(0, 8);
    // Local models often write almost-JSON: repair what can be repaired before giving up. Not
    // when the reply hit the token limit: a "repaired" cut-off call would run on half its text.
    Json raw_args = parse_json_or_discarded(call.arguments);
    bool cut_off = resp.finish_reason == "length" && !raw_args.is_object();
    if (!raw_args.is_object() && !cut_off) {
      if (auto repaired = llm::parse_json_leniently(call.arguments)) raw_args = *repaired;
    }
    FunctionResult result;
    Json args = Json::object();
    bool heartbeat = false;
    if (cut_off) {
      result = {false, fmt::format("Your reply was cut off at the output token limit in the middle of "
                                   "the call to {}, so it did not run. Call it again with shorter "
                                   "arguments.",
                                   call.name)};
    } else if (raw_args.is_discarded() || !raw_args.is_object()) {
      result = {false, fmt::format("Error parsing the arguments of {}: they are not a JSON object "
                                   "({}). Call the function again with valid JSON arguments.",
                                   call.name, call.arguments.substr(0, 200))};
    } else {
      args = raw_args;
      if (args.contains("request_heartbeat")) {
        const Json& hb = args["request_heartbeat"];
        heartbeat = hb.is_boolean() ? hb.get<bool>()
                                    : (hb.is_string() && (hb == "true" || hb == "True"));
        args.erase("request_heartbeat");
      }
      args.erase("inner_thoughts");
    }
    // Store the call with the arguments the model wrote, minus the monologue we moved out.
    Json stored_args = raw_args.is_object() ? raw_args : Json();
    if (stored_args.is_object()) stored_args.erase("inner_thoughts");
    assistant.tool_calls = Json::array(
        {tool_call_json({call.id, call.name,
                         stored_args.is_object() ? stored_args.dump() : call.arguments})});
    if (sink) sink({AgentEvent::Kind::kFunctionCall, "", call.name, args});

    if (cancelled()) return Status(ErrorCode::kCancelled, "the step was cancelled");
    if (raw_args.is_object()) {
      if (std::find(functions_.begin(), functions_.end(), call.name) == functions_.end()) {
        result = {false, fmt::format("No function named '{}'.", call.name)};
      } else {
        FunctionContext fctx;
        fctx.memory = &memory_;
        fctx.recall = deps_.recall;
        fctx.archival = deps_.archival;
        fctx.agent_id = record_.id;
        fctx.clock = deps_.clock;
        result = call_function(call.name, args, fctx);
        if (fctx.memory_changed) memory_edited_at_ = deps_.clock->now_ms();
      }
    }
    if (result.ok && call.name == "send_message" && sink) {
      sink({AgentEvent::Kind::kAssistantMessage, args.value("message", "")});
    }
    // Results are cut to MemGPT's limit; searches page instead, and are cut only to what the
    // context window can hold (checked before the next call).
    std::optional<std::string> text = result.message;
    bool is_search = call.name == "conversation_search" || call.name == "conversation_search_date" ||
                     call.name == "archival_memory_search";
    int64_t limit = is_search ? std::max<int64_t>(kFunctionResultCharLimit, context_window())
                              : kFunctionResultCharLimit;
    if (text && static_cast<int64_t>(text->size()) > limit) {
      size_t cut = static_cast<size_t>(limit);
      while (cut > 0 && (static_cast<unsigned char>((*text)[cut]) & 0xc0) == 0x80) --cut;
      *text = text->substr(0, cut) +
              fmt::format("... [NOTE: function output was truncated since it exceeded the "
                          "character limit ({} > {})]",
                          result.message->size(), limit);
    }
    if (sink) {
      sink({AgentEvent::Kind::kFunctionResult, text.value_or(""), call.name, Json::object(),
            result.ok});
    }
    store::MessageRecord tool_msg =
        make_message("tool", package_function_result(result.ok, text, now_text(*deps_.clock)));
    tool_msg.name = call.name;
    tool_msg.tool_call_id = call.id;
    out.function_failed = !result.ok;
    out.heartbeat_request = heartbeat && takes_heartbeat_argument(call.name);
    pending.push_back(std::move(assistant));
    pending.push_back(std::move(tool_msg));
  }

  if (verify || !verify_first_) first_message_verified_ = true;
  MEMGPT_RETURN_IF_ERROR(commit(pending));
  for (const auto& m : pending) out.new_ids.push_back(m.id);

  // Memory pressure: warn once when the next prompt passes the threshold.
  if (!alerted_memory_pressure_) {
    auto tokens = context_tokens();
    if (tokens.ok() && *tokens > static_cast<int64_t>(context_window() * kWarningFraction)) {
      alerted_memory_pressure_ = true;
      out.memory_warning = true;
      record_.state = state_json();
      MEMGPT_RETURN_IF_ERROR(deps_.meta->update_agent(record_));
    }
  }
  return out;
}

Result<TurnResult> Agent::run_turn(std::optional<store::MessageRecord> input, const EventSink& sink,
                                   const TurnOptions& options) {
  TurnResult turn;
  for (;;) {
    if (options.cancel && options.cancel->load()) break;
    auto stepped = step(input ? &*input : nullptr, sink, options);
    if (!stepped.ok()) {
      // Nothing is lost: when the model call fails or is cancelled before the first step is
      // stored, the user's message is still stored (unanswered), so /retry can send it again.
      bool kept = false;
      if (turn.steps == 0 && input && unpack_user_message(input->text)) {
        std::vector<store::MessageRecord> message{*input};
        kept = commit(message).ok();
      }
      if (stepped.status().code() == ErrorCode::kCancelled) {
        return Status(ErrorCode::kCancelled,
                      kept ? "your message is kept, unanswered: /retry sends it again"
                           : "the agent is as it was before the step");
      }
      return stepped.status();
    }
    StepOutcome out = std::move(*stepped);
    ++turn.steps;
    turn.usage.prompt_tokens += out.usage.prompt_tokens;
    turn.usage.completion_tokens += out.usage.completion_tokens;
    turn.usage.total_tokens += out.usage.total_tokens;
    turn.message_ids.insert(turn.message_ids.end(), out.new_ids.begin(), out.new_ids.end());
    std::string time = now_text(*deps_.clock);
    if (out.memory_warning) {
      if (sink) sink({AgentEvent::Kind::kSystemAlert, memory_warning_text()});
      input = make_message("user", package_system_alert(memory_warning_text(), time));
    } else if (out.function_failed) {
      if (sink) sink({AgentEvent::Kind::kHeartbeat, kHeartbeatFunctionFailed});
      input = make_message("user", package_heartbeat(kHeartbeatFunctionFailed, time));
    } else if (out.heartbeat_request) {
      if (sink) sink({AgentEvent::Kind::kHeartbeat, kHeartbeatRequested});
      input = make_message("user", package_heartbeat(kHeartbeatRequested, time));
    } else {
      break;
    }
    if (turn.steps >= options.max_steps) {
      if (sink) {
        sink({AgentEvent::Kind::kSystemAlert,
              fmt::format("stopped after {} chained steps without a reply to the user",
                          turn.steps)});
      }
      break;
    }
  }
  return turn;
}

Result<TurnResult> Agent::send_user_message(const std::string& text, const EventSink& sink,
                                            const TurnOptions& options) {
  if (sink) sink({AgentEvent::Kind::kUserMessage, text});
  return run_turn(make_message("user", package_user_message(text, now_text(*deps_.clock))), sink,
                  options);
}

Result<TurnResult> Agent::send_first_message(const EventSink& sink, const TurnOptions& options) {
  return run_turn(std::nullopt, sink, options);
}

Result<TurnResult> Agent::send_system_alert(const std::string& text, const EventSink& sink,
                                            const TurnOptions& options) {
  if (sink) sink({AgentEvent::Kind::kSystemAlert, text});
  return run_turn(make_message("user", package_system_alert(text, now_text(*deps_.clock))), sink,
                  options);
}

Result<TurnResult> Agent::send_heartbeat(const std::string& reason, const EventSink& sink,
                                         const TurnOptions& options) {
  if (sink) sink({AgentEvent::Kind::kHeartbeat, reason});
  return run_turn(make_message("user", package_heartbeat(reason, now_text(*deps_.clock))), sink,
                  options);
}

// ---- summarisation ----------------------------------------------------------------------------

Status Agent::summarize(const EventSink& sink) {
  return summarize_locked(sink, 0);
}

Result<std::string> Agent::summarize_text(const std::vector<store::MessageRecord>& messages,
                                          int depth, const EventSink& sink) {
  std::string transcript;
  for (const auto& m : messages) {
    std::string line = m.role + ": " + m.text;
    for (const auto& tc : m.tool_calls) {
      line += fmt::format(" [calls {}({})]", tc.value("/function/name"_json_pointer, ""),
                          tc.value("/function/arguments"_json_pointer, ""));
    }
    transcript += line + "\n";
  }
  const tokenizer::Tokenizer* tok = deps_.tokenizer
                                        ? deps_.tokenizer
                                        : tokenizer::tokenizer_for_model(
                                              record_.llm_config.value("model", "")).tokenizer;
  int64_t budget = static_cast<int64_t>(context_window() * 0.6);
  if (static_cast<int64_t>(tok->count(transcript)) > budget && messages.size() > 1 && depth < 8) {
    // Too long to summarise in one call: summarise the first half, then the summary + the rest.
    size_t half = messages.size() / 2;
    std::vector<store::MessageRecord> first(messages.begin(), messages.begin() + half);
    MEMGPT_ASSIGN_OR_RETURN(std::string partial, summarize_text(first, depth + 1, sink));
    store::MessageRecord carry;
    carry.role = "system";
    carry.text = "Summary of the earlier part: " + partial;
    std::vector<store::MessageRecord> rest{carry};
    rest.insert(rest.end(), messages.begin() + half, messages.end());
    return summarize_text(rest, depth + 1, sink);
  }
  if (static_cast<int64_t>(tok->count(transcript)) > budget) {
    // A single message larger than the budget: keep its beginning.
    auto ids = tok->encode(transcript);
    ids.resize(static_cast<size_t>(budget));
    transcript = tok->decode(ids) + "\n[... cut to fit]";
  }
  llm::ChatRequest req;
  req.messages = {{"system", kSummarySystemPrompt, {}, "", ""}, {"user", transcript, {}, "", ""}};
  req.tool_choice = "none";
  MEMGPT_ASSIGN_OR_RETURN(llm::ChatResponse resp, complete_with_events(req, "summary", sink));
  if (resp.message.content.empty()) {
    return Status(ErrorCode::kUnavailable, "the model returned an empty summary",
                  static_cast<int>(llm::LlmError::kBadResponse));
  }
  return resp.message.content;
}

Status Agent::summarize_locked(const EventSink& sink, int64_t /*target_tokens*/) {
  if (!deps_.model) return failed_precondition("no LLM is configured to write the summary");
  MEMGPT_ASSIGN_OR_RETURN(auto records, deps_.recall->get(message_ids_));
  if (records.size() <= kKeepLastMessages) {
    return failed_precondition("there are too few messages in the context to summarise");
  }
  const tokenizer::Tokenizer* tok = deps_.tokenizer
                                        ? deps_.tokenizer
                                        : tokenizer::tokenizer_for_model(
                                              record_.llm_config.value("model", "")).tokenizer;
  std::vector<int64_t> tokens;
  int64_t total = 0;
  for (const auto& r : records) {
    int64_t t = kPerMessageTokens + static_cast<int64_t>(tok->count(r.text));
    for (const auto& tc : r.tool_calls) t += static_cast<int64_t>(tok->count(tc.dump()));
    tokens.push_back(t);
    total += t;
  }
  // Evict the oldest ~75% of the message tokens, never the last few messages, and never
  // separate a function call from its result (the cut moves past tool messages).
  size_t max_cut = records.size() - kKeepLastMessages;
  size_t cut = 0;
  int64_t acc = 0;
  while (cut < max_cut && acc < static_cast<int64_t>(total * kEvictFraction)) acc += tokens[cut++];
  while (cut < max_cut && records[cut].role == "tool") ++cut;
  while (cut > 0 && cut < records.size() && records[cut].role == "tool") --cut;
  if (cut == 0) return failed_precondition("nothing can be evicted without splitting a call");

  std::vector<store::MessageRecord> evicted(records.begin(), records.begin() + cut);
  MEMGPT_ASSIGN_OR_RETURN(std::string summary, summarize_text(evicted, 0, sink));
  MEMGPT_ASSIGN_OR_RETURN(int64_t in_recall, recall_count());
  std::string alert = summary_alert_text(static_cast<int64_t>(cut), in_recall,
                                         static_cast<int64_t>(cut), summary);
  store::MessageRecord note =
      make_message("user", package_system_alert(alert, now_text(*deps_.clock)));
  note.search_text = "";
  // The note replaces the evicted messages at the front of the context; they stay in recall.
  auto saved = message_ids_;
  std::vector<std::string> kept(message_ids_.begin() + static_cast<ptrdiff_t>(cut),
                                message_ids_.end());
  message_ids_ = {note.id};
  message_ids_.insert(message_ids_.end(), kept.begin(), kept.end());
  alerted_memory_pressure_ = false;
  record_.state = state_json();
  std::vector<store::MessageRecord> note_batch{note};
  Status s = deps_.meta->db().transaction([&]() -> Status {
    MEMGPT_RETURN_IF_ERROR(deps_.recall->append(note_batch));
    return deps_.meta->update_agent(record_);
  });
  if (!s.ok()) {
    message_ids_ = saved;
    record_.state = state_json();
    return s;
  }
  if (sink) sink({AgentEvent::Kind::kSystemAlert, alert});
  return {};
}

// ---- conversation editing (/pop, /retry, /rethink, /rewrite, /systemswap, /wipe) ---------------

Status Agent::pop(int count) {
  if (count <= 0) return invalid_argument("pop needs a positive number of messages");
  // Keep at least one message after the system message.
  if (message_ids_.size() <= 1) return failed_precondition("there is nothing to pop");
  size_t n = std::min<size_t>(static_cast<size_t>(count), message_ids_.size() - 1);
  MEMGPT_ASSIGN_OR_RETURN(auto records, deps_.recall->get(message_ids_));
  // Never leave a function call without its result: if the cut falls between a call and its
  // result, keep the result too.
  size_t keep = records.size() - n;
  while (keep < records.size() && keep > 0 && records[keep].role == "tool") ++keep;
  if (keep >= records.size()) return failed_precondition("there is nothing to pop without splitting a function call from its result");
  std::vector<std::string> removed(message_ids_.begin() + static_cast<ptrdiff_t>(keep), message_ids_.end());
  auto saved = message_ids_;
  message_ids_.resize(keep);
  record_.state = state_json();
  Status s = deps_.meta->db().transaction([&]() -> Status {
    MEMGPT_RETURN_IF_ERROR(deps_.recall->remove(removed));
    return deps_.meta->update_agent(record_);
  });
  if (!s.ok()) {
    message_ids_ = saved;
    record_.state = state_json();
  }
  for (const auto& id : removed) record_cache_.erase(id);
  return s;
}

Result<TurnResult> Agent::retry(const EventSink& sink, const TurnOptions& options) {
  MEMGPT_ASSIGN_OR_RETURN(auto records, deps_.recall->get(message_ids_));
  int last_user = -1;
  for (int i = static_cast<int>(records.size()) - 1; i >= 0; --i) {
    if (records[i].role == "user" && unpack_user_message(records[i].text)) {
      last_user = i;
      break;
    }
  }
  if (last_user < 0) return failed_precondition("there is no user message to retry");
  std::string text = *unpack_user_message(records[static_cast<size_t>(last_user)].text);
  MEMGPT_RETURN_IF_ERROR(pop(static_cast<int>(records.size()) - last_user));
  return send_user_message(text, sink, options);
}

Status Agent::rethink(const std::string& thoughts) {
  MEMGPT_ASSIGN_OR_RETURN(auto records, deps_.recall->get(message_ids_));
  for (auto it = records.rbegin(); it != records.rend(); ++it) {
    if (it->role != "assistant") continue;
    it->text = thoughts;
    record_cache_.erase(it->id);
    MEMGPT_RETURN_IF_ERROR(deps_.recall->update_text(it->id, it->text, searchable_text(*it), it->tool_calls));
    return deps_.meta->update_agent(record_);  // bumps last_updated: other holders reload
  }
  return failed_precondition("there is no inner monologue to rethink yet");
}

Status Agent::rewrite(const std::string& message) {
  MEMGPT_ASSIGN_OR_RETURN(auto records, deps_.recall->get(message_ids_));
  for (auto it = records.rbegin(); it != records.rend(); ++it) {
    if (it->role != "assistant") continue;
    for (auto& tc : it->tool_calls) {
      if (tc.value("/function/name"_json_pointer, "") != "send_message") continue;
      Json args = parse_json_or_discarded(tc.value("/function/arguments"_json_pointer, "{}"));
      if (!args.is_object()) args = Json::object();
      args["message"] = message;
      tc["function"]["arguments"] = args.dump();
      record_cache_.erase(it->id);
      MEMGPT_RETURN_IF_ERROR(deps_.recall->update_text(it->id, it->text, searchable_text(*it), it->tool_calls));
      return deps_.meta->update_agent(record_);  // bumps last_updated: other holders reload
    }
  }
  return failed_precondition("there is no send_message to rewrite yet");
}

Status Agent::swap_system_prompt(const std::string& system_prompt) {
  if (system_prompt.empty()) return invalid_argument("the new system prompt is empty");
  system_prompt_ = system_prompt;
  record_.state = state_json();
  return deps_.meta->update_agent(record_);
}

Status Agent::wipe() {
  message_ids_.clear();
  alerted_memory_pressure_ = false;
  record_.state = state_json();
  return deps_.meta->update_agent(record_);
}

// ---- helpers ----------------------------------------------------------------------------------

bool verify_first_reply(const llm::ChatMessage& reply, const std::string& thoughts) {
  if (reply.tool_calls.empty()) return false;
  const std::string& name = reply.tool_calls[0].name;
  if (name != "send_message" && name != "archival_memory_search") return false;
  // A monologue that itself "calls" send_message means the model confused the two channels.
  return thoughts.find("send_message") == std::string::npos;
}

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

}  // namespace memgpt::agent
