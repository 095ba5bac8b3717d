#include "cli/printer.h"

#include <fmt/format.h>

#include "agent/protocol.h"
#include "cli/term.h"

namespace memgpt::cli {
namespace {
constexpr const char* kGrey = "\x1b[90m";
constexpr const char* kYellow = "\x1b[1;33m";
constexpr const char* kRed = "\x1b[31m";
constexpr const char* kGreen = "\x1b[32m";
constexpr const char* kMagenta = "\x1b[35m";
constexpr const char* kCyan = "\x1b[36m";
constexpr const char* kNone = "";

std::string str_arg(const Json& args, const char* key) {
  auto it = args.find(key);
  if (it == args.end()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}
}  // namespace

void Printer::line(const char* color, const std::string& text, bool italic) {
  if (mid_stream_) {
    std::fputc('\n', out_);
    mid_stream_ = false;
  }
  if (use_color() && *color) {
    fmt::print(out_, "{}{}{}\x1b[0m\n", italic ? "\x1b[3m" : "", color, text);
  } else {
    fmt::print(out_, "{}\n", text);
  }
  std::fflush(out_);
}

void Printer::print(const agent::AgentEvent& e) {
  using K = agent::AgentEvent::Kind;
  switch (e.kind) {
    case K::kUserMessage:
      break;  // the user just typed it
    case K::kStreamDelta:
      if (!streaming_) break;
      if (!mid_stream_) {
        fmt::print(out_, "💭 ");
        mid_stream_ = true;
      }
      fmt::print(out_, "{}", e.text);
      std::fflush(out_);
      break;
    case K::kInnerThoughts:
      if (streaming_ && mid_stream_) {  // already shown as it streamed
        fmt::print(out_, "\n");
        mid_stream_ = false;
        break;
      }
      line(kGrey, "💭 " + e.text, true);
      break;
    case K::kAssistantMessage:
      line(kYellow, "🤖 " + e.text);
      break;
    case K::kFunctionCall: {
      const std::string& f = e.function_name;
      if (f == "send_message") break;
      if (f == "core_memory_append" || f == "core_memory_replace" ||
          f == "archival_memory_insert") {
        line(kMagenta, "⚡🧠 [function] updating memory with " + f);
        if (f == "core_memory_append") line(kNone, "        → " + str_arg(e.arguments, "content"));
        if (f == "archival_memory_insert") line(kNone, "        → " + str_arg(e.arguments, "content"));
        if (f == "core_memory_replace") {
          line(kNone, "        " + str_arg(e.arguments, "old_content") + " → " +
                          str_arg(e.arguments, "new_content"));
        }
      } else if (f == "archival_memory_search" || f == "conversation_search" ||
                 f == "conversation_search_date") {
        line(kMagenta, "⚡🧠 [function] searching memory with " + f);
        std::string page = e.arguments.contains("page") ? str_arg(e.arguments, "page") : "0";
        if (f == "conversation_search_date") {
          line(kNone, fmt::format("        start_date: {}, end_date: {}, page: {}",
                                  str_arg(e.arguments, "start_date"),
                                  str_arg(e.arguments, "end_date"), page));
        } else {
          line(kNone, fmt::format("        query: {}, page: {}", str_arg(e.arguments, "query"), page));
        }
      } else {
        line(kMagenta, fmt::format("⚡ [function] {}({})", f, e.arguments.dump()));
      }
      break;
    }
    case K::kFunctionResult:
      if (!e.ok) {
        line(kRed, "⚡🔴 [function] Error: " + e.text);
      } else if (debug_) {
        line(kGreen, "⚡🟢 [function] Success: " + (e.text.empty() ? "None" : e.text));
      }
      break;
    case K::kSystemAlert:
      line(kCyan, "🖥️ [system] " + e.text);
      break;
    case K::kHeartbeat:
      if (debug_) line(kGrey, "💓 " + e.text);
      break;
    case K::kModelCallStarted:
    case K::kModelCallEnded:
      break;  // the wait indicator shows these on the terminal
    case K::kModelRetry:
      if (debug_) line(kGrey, "[model] retrying: " + e.text);
      break;
    case K::kUsage:
      if (debug_) {
        line(kGrey, fmt::format("[usage] prompt {} + completion {} = {} tokens",
                                e.usage.prompt_tokens, e.usage.completion_tokens,
                                e.usage.total_tokens));
      }
      break;
  }
}

void Printer::print_message(const store::MessageRecord& m) {
  if (m.role == "system") {
    line(kCyan, "🖥️ [system] " + m.text);
  } else if (m.role == "user") {
    std::string type = agent::packed_type(m.text);
    Json j = parse_json_or_discarded(m.text);
    if (type == "user_message") {
      line(kNone, "🧑 " + j.value("message", ""));
    } else if (type == "heartbeat") {
      line(kGrey, "💓 " + j.value("reason", ""));
    } else if (type == "system_alert" || type == "login") {
      line(kCyan, "🖥️ [system] " + (type == "login" ? m.text : j.value("message", "")));
    } else {
      line(kNone, "🧑 " + m.text);
    }
  } else if (m.role == "assistant") {
    if (!m.text.empty()) line(kGrey, "💭 " + m.text, true);
    for (const auto& tc : m.tool_calls) {
      std::string name = tc.value("/function/name"_json_pointer, "");
      Json args = parse_json_or_discarded(tc.value("/function/arguments"_json_pointer, ""));
      if (name == "send_message" && args.is_object()) {
        line(kYellow, "🤖 " + args.value("message", ""));
      } else {
        print({agent::AgentEvent::Kind::kFunctionCall, "", name,
               args.is_object() ? args : Json::object()});
      }
    }
  } else if (m.role == "tool") {
    Json j = parse_json_or_discarded(m.text);
    bool ok = j.is_object() && j.value("status", "") == "OK";
    std::string msg = j.is_object() && j["message"].is_string() ? j["message"].get<std::string>() : "None";
    if (ok) line(kGreen, "⚡🟢 [function] Success: " + msg);
    else line(kRed, "⚡🔴 [function] Error: " + msg);
  }
}

}  // namespace memgpt::cli
