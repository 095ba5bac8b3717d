#include "agent/protocol.h"

#include <fmt/format.h>

#include "util/json.h"

namespace memgpt::agent {
namespace {
// Keep non-ASCII text readable for the model (MemGPT used ensure_ascii=False).
std::string dump(const OrderedJson& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}
}  // namespace

std::string package_user_message(const std::string& message, const std::string& time) {
  return dump({{"type", "user_message"}, {"message", message}, {"time", time}});
}

std::string package_heartbeat(const std::string& reason, const std::string& time) {
  return dump({{"type", "heartbeat"}, {"reason", reason}, {"time", time}});
}

std::string package_login(const std::string& last_login, const std::string& time) {
  return dump({{"type", "login"}, {"last_login", last_login}, {"time", time}});
}

std::string package_system_alert(const std::string& message, const std::string& time) {
  return dump({{"type", "system_alert"}, {"message", message}, {"time", time}});
}

std::string package_function_result(bool ok, const std::optional<std::string>& message,
                                    const std::string& time) {
  OrderedJson j = {{"status", ok ? "OK" : "Failed"}};
  j["message"] = message ? OrderedJson(*message) : OrderedJson(nullptr);
  j["time"] = time;
  return dump(j);
}

std::string memory_warning_text() {
  return std::string(kNonUserPrefix) +
         "The conversation history will soon reach its maximum length and be trimmed. Do not "
         "tell the user about this alert. If there is new information about you or the user, "
         "or memories you want to keep, save them now with core_memory_append, "
         "core_memory_replace or archival_memory_insert.";
}

std::string summary_alert_text(int64_t hidden, int64_t total, int64_t summarised,
                               const std::string& summary) {
  return fmt::format(
      "{}{} of {} total messages) have been hidden from view due to "
      "conversation memory constraints.\nThe following is a summary of the previous {} "
      "messages:\n {}",
      kSummaryAlertStart, hidden, total, summarised, summary);
}

std::optional<std::string> unpack_user_message(const std::string& text) {
  if (text.empty() || text[0] != '{') return std::nullopt;
  Json j = parse_json_or_discarded(text);
  if (!j.is_object() || j.value("type", "") != "user_message") return std::nullopt;
  auto it = j.find("message");
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::string packed_type(const std::string& text) {
  if (text.empty() || text[0] != '{') return "";
  Json j = parse_json_or_discarded(text);
  if (!j.is_object()) return "";
  auto it = j.find("type");
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace memgpt::agent
