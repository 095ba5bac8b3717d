// The messages MemGPT exchanges with its model, as JSON strings in the user and tool roles:
// user messages, heartbeats, the login event, system alerts and function results.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace memgpt::agent {

// Prefix of messages the system (not the user) sends, so the model does not answer them as if
// the user had spoken.
inline constexpr const char* kNonUserPrefix = "[This is an automated system message hidden from the user] ";
inline constexpr const char* kHeartbeatRequested =
    "[This is an automated system message hidden from the user] Function called using "
    "request_heartbeat=true, returning control";
inline constexpr const char* kHeartbeatFunctionFailed =
    "[This is an automated system message hidden from the user] Function call failed, "
    "returning control";
inline constexpr const char* kBootThought =
    "Bootup sequence complete. Persona activated. Testing messaging functionality.";
inline constexpr const char* kBootMessage = "More human than human is our motto.";
inline constexpr int kFunctionResultCharLimit = 3000;
inline constexpr int kSearchPageSize = 5;
inline constexpr int kMaxPauseHeartbeatMinutes = 360;

// {"type":"user_message","message":...,"time":...}
std::string package_user_message(const std::string& message, const std::string& time);
// {"type":"heartbeat","reason":...,"time":...}
std::string package_heartbeat(const std::string& reason, const std::string& time);
// {"type":"login","last_login":...,"time":...}
std::string package_login(const std::string& last_login, const std::string& time);
// {"type":"system_alert","message":...,"time":...}
std::string package_system_alert(const std::string& message, const std::string& time);
// {"status":"OK"|"Failed","message":...,"time":...}; a null message when `message` is empty
// and `null_when_empty`.
std::string package_function_result(bool ok, const std::optional<std::string>& message,
                                    const std::string& time);
// The memory-pressure warning (system alert text).
std::string memory_warning_text();
// The summary alert inserted after eviction; its text starts with kSummaryAlertStart.
inline constexpr std::string_view kSummaryAlertStart = "Note: prior messages (";
std::string summary_alert_text(int64_t hidden, int64_t total, int64_t summarised,
                               const std::string& summary);

// If `text` is a packed user message, its "message" field; otherwise nullopt.
std::optional<std::string> unpack_user_message(const std::string& text);
// The "type" of a packed message ("user_message", "heartbeat", ...), or "" when not packed.
std::string packed_type(const std::string& text);

}  // namespace memgpt::agent
