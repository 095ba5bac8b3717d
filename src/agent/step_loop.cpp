#include "agent/step_loop.h"

#include <fmt/format.h>

#include <algorithm>

#include "agent/external_functions.h"
#include "agent/functions.h"
#include "agent/message_records.h"
#include "agent/protocol.h"
#include "agent/reply.h"
#include "config/providers.h"

namespace memgpt::agent {
namespace {

constexpr int kFirstMessageAttempts = 10;  // MemGPT's retry budget for the first reply
constexpr int kModelCallAttempts = 3;      // the last one without making room first
constexpr double kRoomTargetFraction = 0.5;  // of the window, after making room

bool cancelled(const TurnOptions& options) { return options.cancel && options.cancel->load(); }

bool is_attached(const ExternalFunctions& external, const std::string& agent_id, const std::string& name) {
  auto attached = external.attached(agent_id);
  return std::any_of(attached.begin(), attached.end(), [&](const ExternalFunction& f) { return f.name == name; });
}

Status cancelled_status() { return Status(ErrorCode::kCancelled, "the step was cancelled"); }

}  // namespace

Result<llm::ChatResponse> complete_with_events(llm::ChatModel& model, llm::ChatRequest& request,
                                               const char* purpose, const EventSink& sink) {
  if (sink) {
    request.on_retry = [&sink](int attempt, const std::string& why) {
      sink({AgentEvent::Kind::kModelRetry, fmt::format("attempt {} after: {}", attempt, why)});
    };
    sink({AgentEvent::Kind::kModelCallStarted, purpose});
  }
  auto resp = model.complete(request);
  if (sink) sink({AgentEvent::Kind::kModelCallEnded, purpose, "", Json::object(), resp.ok()});
  return resp;
}

bool verify_first_reply(const llm::ChatMessage& reply, const std::string& thoughts) {
  if (reply.tool_calls.empty()) return false;
  const std::string& name = reply.tool_calls[0].name;
  if (name != "send_message" && name != "archival_memory_search") return false;
  // A monologue that itself "calls" send_message means the model confused the two channels.
  return thoughts.find("send_message") == std::string::npos;
}

bool StepLoop::uses_inner_thoughts_kwarg() const {
  const auto& state = conversation_.state();
  if (state.inner_thoughts_in_args) return *state.inner_thoughts_in_args;
  // Reasoning models and prompt-wrapped local models leave the content empty when they call a
  // function, so the monologue has to travel inside the call.
  const store::AgentLlmConfig& llm = conversation_.record().llm_config;
  for (const char* prefix : {"o1", "o3", "o4", "gpt-5"}) {
    if (llm.model.rfind(prefix, 0) == 0) return true;
  }
  const Provider* provider = find_provider(llm.model_endpoint_type);
  return provider && provider->inner_thoughts_in_args;
}

Json StepLoop::tools() const {
  bool kwarg = uses_inner_thoughts_kwarg();
  Json offered = function_tools(conversation_.state().functions, kwarg);
  if (ExternalFunctions* external = conversation_.deps().external) {
    for (auto& tool : external_function_tools(external->attached(conversation_.record().id), kwarg)) {
      offered.push_back(std::move(tool));
    }
  }
  return offered;
}

Result<int64_t> StepLoop::context_tokens() {
  MEMGPT_ASSIGN_OR_RETURN(auto messages, conversation_.request_messages({}));
  return budget_.request_tokens(messages, tools());
}

// ---- the model call ---------------------------------------------------------------------------

Status StepLoop::make_room(const std::vector<llm::ChatMessage>& request, const Json& tools,
                           const EventSink& sink, const TurnOptions& options) {
  // What the prompt takes besides the conversation: the system message and the tools.
  int64_t fixed = budget_.request_tokens({request.front()}, tools);
  auto target = static_cast<int64_t>(static_cast<double>(budget_.window()) * kRoomTargetFraction);
  return summarizer_.summarize(sink, fixed, target, options.cancel);
}

Result<llm::ChatResponse> StepLoop::call_model(const std::vector<store::MessageRecord>& pending,
                                               const EventSink& sink, const TurnOptions& options) {
  llm::ChatModel* model = conversation_.deps().model;
  if (!model) {
    return failed_precondition(
        "no LLM is configured: run `memgpt configure` (or set OPENAI_API_KEY) to connect one");
  }
  Json offered = tools();
  std::string tool_choice = "auto";
  if (!options.first_function.empty()) {
    bool known = std::any_of(offered.begin(), offered.end(), [&](const Json& tool) {
      return tool.value("/function/name"_json_pointer, "") == options.first_function;
    });
    if (!known) {
      return invalid_argument(fmt::format("'{}' is not a function of this agent", options.first_function));
    }
    tool_choice = options.first_function;
  }
  for (int attempt = 0; attempt < kModelCallAttempts; ++attempt) {
    bool last = attempt + 1 == kModelCallAttempts;
    MEMGPT_ASSIGN_OR_RETURN(auto messages, conversation_.request_messages(pending));
    const int64_t request_tokens = budget_.request_tokens(messages, offered);
    if (request_tokens > budget_.window() && !last) {
      // Overflow before sending: summarise the oldest messages, then rebuild.
      MEMGPT_RETURN_IF_ERROR(make_room(messages, offered, sink, options));
      continue;
    }
    last_request_ = {request_tokens, budget_.message_tokens(messages.front()), pending.size()};
    llm::ChatRequest req;
    req.messages = std::move(messages);
    req.tools = offered;
    req.tool_choice = tool_choice;
    req.cancel = options.cancel;
    if (options.stream && sink) {
      req.on_delta = [&sink](const llm::StreamDelta& d) {
        if (!d.content.empty()) sink({AgentEvent::Kind::kStreamDelta, d.content});
      };
    }
    auto resp = complete_with_events(*model, req, "reply", sink);
    if (!resp.ok() && llm::is_context_overflow(resp.status()) && !last) {
      MEMGPT_RETURN_IF_ERROR(make_room(req.messages, offered, sink, options));
      continue;
    }
    return resp;
  }
  return llm::llm_failure(ErrorCode::kResourceExhausted,
                          "the conversation does not fit in the context window even after summarising",
                          llm::LlmError::kContextWindowExceeded);
}

Result<StepLoop::Reply> StepLoop::verified_reply(const std::vector<store::MessageRecord>& pending,
                                                 bool verify, const EventSink& sink,
                                                 const TurnOptions& options, llm::Usage& usage) {
  bool kwarg = uses_inner_thoughts_kwarg();
  for (int attempt = 1;; ++attempt) {
    Reply reply;
    MEMGPT_ASSIGN_OR_RETURN(reply.response, call_model(pending, sink, options));
    if (cancelled(options)) return cancelled_status();
    usage += reply.response.usage;
    reply.thoughts = inner_thoughts(reply.response.message, kwarg);
    if (!verify || verify_first_reply(reply.response.message, reply.thoughts)) return reply;
    if (attempt >= kFirstMessageAttempts) {
      return llm::llm_failure(ErrorCode::kUnavailable,
                              fmt::format("the model's first reply failed verification {} times (it "
                                          "must call send_message); try another model or run with "
                                          "--no-verify",
                                          kFirstMessageAttempts),
                              llm::LlmError::kBadResponse);
    }
  }
}

// ---- one step ---------------------------------------------------------------------------------

Result<std::vector<store::MessageRecord>> StepLoop::run_call(store::MessageRecord assistant,
                                                             const llm::ChatResponse& response,
                                                             const EventSink& sink,
                                                             const TurnOptions& options, StepOutcome& out) {
  ParsedCall parsed = parse_first_call(response.message, response.finish_reason);
  const std::string& name = parsed.call.name;
  // The assistant message keeps only the call we execute, so every call in the history has its
  // result right after it (the APIs reject anything else).
  assistant.tool_calls = Json::array({tool_call_json({parsed.call.id, name, parsed.stored_arguments})});
  if (sink) sink({AgentEvent::Kind::kFunctionCall, "", name, parsed.args});
  if (cancelled(options)) return cancelled_status();  // shown, but not run

  FunctionResult result{false, parsed.failure};
  if (parsed.runnable) {
    AgentState& state = conversation_.state();
    const AgentDeps& deps = conversation_.deps();
    bool builtin = std::find(state.functions.begin(), state.functions.end(), name) != state.functions.end();
    if (!builtin && deps.external && is_attached(*deps.external, conversation_.record().id, name)) {
      result = deps.external->call(conversation_.record().id, name, parsed.args);
    } else if (!builtin) {
      result = {false, fmt::format("No function named '{}'.", name)};
    } else {
      FunctionContext fctx;
      fctx.memory = &state.memory;
      fctx.recall = deps.recall;
      fctx.archival = deps.archival;
      fctx.agent_id = conversation_.record().id;
      fctx.clock = deps.clock;
      result = call_function(name, parsed.args, fctx);
      if (fctx.memory_changed) state.memory_edited_at = deps.clock->now_ms();
    }
  }
  if (result.ok && name == "send_message" && sink) {
    sink({AgentEvent::Kind::kAssistantMessage, parsed.args.value("message", "")});
  }
  // Results are cut to MemGPT's limit; searches page instead, and are cut only to what the
  // context window can hold (checked before the next call).
  std::optional<std::string> text = result.message;
  if (text) *text = cut_result(*text, result_char_limit(name, budget_.window()));
  if (sink) sink({AgentEvent::Kind::kFunctionResult, text.value_or(""), name, Json::object(), result.ok});
  store::MessageRecord tool_msg = conversation_.make_message(
      "tool", package_function_result(result.ok, text, now_text(*conversation_.deps().clock)));
  tool_msg.name = name;
  tool_msg.tool_call_id = parsed.call.id;
  out.function_failed = !result.ok;
  out.heartbeat_request = parsed.heartbeat && takes_heartbeat_argument(name);
  return std::vector<store::MessageRecord>{std::move(assistant), std::move(tool_msg)};
}

Result<int64_t> StepLoop::count_after_step(const std::vector<store::MessageRecord>& stored) {
  // Exactly what context_tokens() counts, without rebuilding the whole context: only the system
  // message (its counts and memory may have changed) and the messages added since the request.
  MEMGPT_ASSIGN_OR_RETURN(std::string system, conversation_.system_message());
  int64_t n = last_request_.total - last_request_.system +
              budget_.message_tokens({.role = "system", .content = std::move(system)});
  for (size_t i = last_request_.pending; i < stored.size(); ++i) n += budget_.message_tokens(to_chat(stored[i]));
  return n;
}

Status StepLoop::note_memory_pressure(StepOutcome& out, const std::vector<store::MessageRecord>& stored) {
  // Warn once when the next prompt passes the threshold (no need to count after that).
  tokens_after_step_ = -1;
  AgentState& state = conversation_.state();
  if (state.alerted_memory_pressure) return {};
  auto tokens = count_after_step(stored);
  if (tokens.ok()) tokens_after_step_ = *tokens;
  if (!tokens.ok() || !budget_.past_warning(*tokens)) return {};
  state.alerted_memory_pressure = true;
  out.memory_warning = true;
  return conversation_.save();
}

Result<StepLoop::StepOutcome> StepLoop::step(const store::MessageRecord* input, const EventSink& sink,
                                             const TurnOptions& options) {
  StepOutcome out;
  std::vector<store::MessageRecord> pending;
  if (input) pending.push_back(*input);
  // MemGPT checks the agent's first reply (to the login event or the first user message).
  bool verify = verify_first_ && !conversation_.state().first_message_verified;
  MEMGPT_ASSIGN_OR_RETURN(Reply reply, verified_reply(pending, verify, sink, options, out.usage));
  const llm::ChatResponse& resp = reply.response;
  if (sink) sink({AgentEvent::Kind::kUsage, "", "", Json::object(), true, resp.usage});
  if (resp.finish_reason == "length" && resp.message.tool_calls.empty() && reply.thoughts.empty()) {
    return llm::llm_failure(ErrorCode::kResourceExhausted,
                            "the model stopped at its output token limit before replying",
                            llm::LlmError::kOutputTruncated);
  }

  store::MessageRecord assistant = conversation_.make_message("assistant", reply.thoughts);
  assistant.model = resp.model;
  if (!reply.thoughts.empty() && sink) sink({AgentEvent::Kind::kInnerThoughts, reply.thoughts});
  if (resp.message.tool_calls.empty()) {
    pending.push_back(std::move(assistant));
  } else {
    MEMGPT_ASSIGN_OR_RETURN(auto produced, run_call(std::move(assistant), resp, sink, options, out));
    for (auto& m : produced) pending.push_back(std::move(m));
  }

  if (verify || !verify_first_) conversation_.state().first_message_verified = true;
  MEMGPT_RETURN_IF_ERROR(conversation_.append(pending));
  for (const auto& m : pending) out.new_ids.push_back(m.id);
  MEMGPT_RETURN_IF_ERROR(note_memory_pressure(out, pending));
  return out;
}

// ---- the turn ---------------------------------------------------------------------------------

constexpr const char* kHeartbeatFirstFunction =
    "[This is an automated system message hidden from the user] Function called as the first step "
    "of this turn, returning control";

Result<TurnResult> StepLoop::run_turn(std::optional<store::MessageRecord> input, const EventSink& sink,
                                      const TurnOptions& options) {
  TurnResult turn;
  // The first function binds the first step only. The last step a chain may take must answer the
  // user (when the agent can), so a turn cut at max_steps does not end in silence.
  const auto& functions = conversation_.state().functions;
  bool can_reply = std::find(functions.begin(), functions.end(), "send_message") != functions.end();
  auto options_for_step = [&](int taken) {
    TurnOptions o = options;
    if (taken > 0) o.first_function = taken + 1 >= options.max_steps && can_reply ? "send_message" : "";
    return o;
  };
  for (;;) {
    if (cancelled(options)) break;
    auto stepped = step(input ? &*input : nullptr, sink, options_for_step(turn.steps));
    if (!stepped.ok()) {
      // Nothing is lost: when the model call fails or is cancelled before the first step is
      // stored, the user's message is still stored (unanswered), so /retry can send it again.
      bool kept = false;
      if (turn.steps == 0 && input && unpack_user_message(input->text)) {
        std::vector<store::MessageRecord> message{*input};
        kept = conversation_.append(message).ok();
      }
      if (stepped.status().code() == ErrorCode::kCancelled) {
        return Status(ErrorCode::kCancelled, kept ? "your message is kept, unanswered: /retry sends it again"
                                                  : "the agent is as it was before the step");
      }
      return stepped.status();
    }
    StepOutcome out = std::move(*stepped);
    ++turn.steps;
    turn.usage += out.usage;
    turn.message_ids.insert(turn.message_ids.end(), out.new_ids.begin(), out.new_ids.end());
    std::string time = now_text(*conversation_.deps().clock);
    if (out.memory_warning) {
      if (sink) sink({AgentEvent::Kind::kSystemAlert, memory_warning_text()});
      input = conversation_.make_message("user", package_system_alert(memory_warning_text(), time));
    } else if (out.function_failed) {
      if (sink) sink({AgentEvent::Kind::kHeartbeat, kHeartbeatFunctionFailed});
      input = conversation_.make_message("user", package_heartbeat(kHeartbeatFunctionFailed, time));
    } else if (out.heartbeat_request) {
      if (sink) sink({AgentEvent::Kind::kHeartbeat, kHeartbeatRequested});
      input = conversation_.make_message("user", package_heartbeat(kHeartbeatRequested, time));
    } else if (turn.steps == 1 && !options.first_function.empty() && options.first_function != "send_message") {
      // The system chose the first call, not the model: the model gets to read its result
      // (a small model that forgets request_heartbeat would otherwise end the turn unanswered).
      if (sink) sink({AgentEvent::Kind::kHeartbeat, kHeartbeatFirstFunction});
      input = conversation_.make_message("user", package_heartbeat(kHeartbeatFirstFunction, time));
    } else {
      break;
    }
    if (turn.steps >= options.max_steps) {
      if (sink) {
        sink({AgentEvent::Kind::kSystemAlert,
              fmt::format("stopped after {} chained steps without a reply to the user", turn.steps)});
      }
      break;
    }
  }
  return turn;
}

}  // namespace memgpt::agent
