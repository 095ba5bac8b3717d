#include "views.h"

#include <map>
#include <regex>

namespace memgpt::transcripts {
namespace {

Json args_view(const std::string& text) {
  Json args = parse_json_or_discarded(text);
  return args.is_object() ? args : Json(text);
}

std::string show(const Json& j) {
  std::string s = j.dump(-1, ' ', false, Json::error_handler_t::replace);
  return s.size() > 400 ? s.substr(0, 400) + "..." : s;
}

const char* kOperators[] = {"contains", "not_contains", "regex", "starts_with", "count", "any"};

bool is_operator(const std::string& key) {
  for (const char* op : kOperators) {
    if (key == op) return true;
  }
  return false;
}

// An object whose keys are all operators (each must hold).
bool is_operator(const Json& e) {
  if (!e.is_object() || e.empty()) return false;
  for (const auto& [key, value] : e.items()) {
    if (!is_operator(key)) return false;
  }
  return true;
}

std::string match_operator(const std::string& op, const Json& arg, const Json& actual,
                           const std::string& path) {
  auto fail = [&](const std::string& why) { return path + ": " + why + "; got " + show(actual); };
  if (op == "any") {
    if (arg == true) return actual.is_null() ? fail("expected a value") : "";
    return actual.is_null() ? "" : fail("expected no value");
  }
  if (op == "count") {
    if (!actual.is_array() || actual.size() != arg.get<size_t>()) {
      return fail("expected " + arg.dump() + " items");
    }
    return "";
  }
  if (actual.is_array() && (op == "contains" || op == "not_contains")) {
    for (const auto& want : arg.is_array() ? arg : Json::array({arg})) {
      bool found = false;
      for (const auto& item : actual) found = found || match(want, item).empty();
      if (found != (op == "contains")) {
        return fail(std::string(found ? "an element matches " : "no element matches ") + show(want));
      }
    }
    return "";
  }
  if (actual.is_array() && op == "starts_with") {
    if (!arg.is_array() || arg.size() > actual.size()) return fail("expected it to start with " + show(arg));
    for (size_t i = 0; i < arg.size(); ++i) {
      if (auto d = match(arg[i], actual[i], path + "[" + std::to_string(i) + "]"); !d.empty()) return d;
    }
    return "";
  }
  if (!actual.is_string()) return fail("expected a string");
  const std::string& text = actual.get_ref<const std::string&>();
  Json pieces = arg.is_array() ? arg : Json::array({arg});
  if (op == "contains" || op == "not_contains") {
    for (const auto& piece : pieces) {
      bool there = text.find(piece.get<std::string>()) != std::string::npos;
      if (there != (op == "contains")) {
        return fail(std::string(op == "contains" ? "lacks " : "has ") + show(piece));
      }
    }
    return "";
  }
  if (op == "starts_with") {
    return text.rfind(arg.get<std::string>(), 0) == 0 ? "" : fail("does not start with " + show(arg));
  }
  return std::regex_search(text, std::regex(arg.get<std::string>())) ? ""
                                                                      : fail("does not match /" + arg.get<std::string>() + "/");
}

}  // namespace

Json message_view(const std::string& role, const std::string& text, const std::string& call_name,
                  const std::string& call_args, const std::string& tool_name) {
  if (role == "system") return {{"system", text}};
  if (role == "assistant") {
    Json v = {{"assistant", text}};
    if (!call_name.empty()) {
      v["call"] = call_name;
      v["args"] = args_view(call_args);
    }
    return v;
  }
  Json packed = parse_json_or_discarded(text);
  if (role == "tool") {
    Json v = {{"tool", tool_name}};
    if (packed.is_object()) {
      v["status"] = packed.value("status", "");
      v["message"] = packed.value("message", Json());
    } else {
      v["raw"] = text;
    }
    return v;
  }
  std::string type = packed.is_object() ? packed.value("type", "") : "";
  if (type == "user_message") return {{"user", packed.value("message", "")}};
  if (type == "heartbeat") return {{"heartbeat", packed.value("reason", "")}};
  if (type == "login") return {{"login", packed.value("last_login", "")}};
  if (type == "system_alert") return {{"alert", packed.value("message", "")}};
  return {{"user_raw", text}};
}

Json request_view(const Json& request) {
  Json v = {{"model", request.value("model", "")},
            {"tools", request.value("tools", Json::array()).size()},
            {"tool_choice", request.value("tool_choice", Json())},
            {"stream", request.value("stream", false)},
            {"messages", Json::array()}};
  std::map<std::string, std::string> call_names;  // tool_call_id -> function
  for (const auto& m : request.value("messages", Json::array())) {
    std::string role = m.value("role", "");
    std::string text = m.contains("content") && m["content"].is_string() ? m["content"].get<std::string>() : "";
    std::string name, args;
    if (m.contains("tool_calls") && !m["tool_calls"].empty()) {
      const Json& fn = m["tool_calls"][0]["function"];
      name = fn.value("name", "");
      args = fn.value("arguments", "");
      for (const auto& tc : m["tool_calls"]) call_names[tc.value("id", "")] = tc["function"].value("name", "");
    }
    std::string tool = role == "tool" ? call_names[m.value("tool_call_id", "")] : "";
    v["messages"].push_back(message_view(role, text, name, args, tool));
  }
  if (!v["messages"].empty()) {
    v["system"] = v["messages"][0].value("system", "");
    v["last"] = v["messages"].back();
  }
  return v;
}

std::string match(const Json& expected, const Json& actual, const std::string& path) {
  std::string at = path.empty() ? "(top)" : path;
  if (is_operator(expected)) {
    for (const auto& [op, arg] : expected.items()) {
      if (auto d = match_operator(op, arg, actual, at); !d.empty()) return d;
    }
    return "";
  }
  if (expected.is_null()) return actual.is_null() ? "" : at + ": expected nothing; got " + show(actual);
  if (expected.is_object()) {
    if (!actual.is_object()) return at + ": expected an object; got " + show(actual);
    for (const auto& [key, want] : expected.items()) {
      std::string p = path + "." + key;
      if (!actual.contains(key)) {
        if (want.is_null()) continue;
        return p + ": missing (have " + show(actual) + ")";
      }
      if (auto d = match(want, actual[key], p); !d.empty()) return d;
    }
    return "";
  }
  if (expected.is_array()) {
    if (!actual.is_array()) return at + ": expected an array; got " + show(actual);
    for (size_t i = 0; i < std::min(expected.size(), actual.size()); ++i) {
      if (auto d = match(expected[i], actual[i], path + "[" + std::to_string(i) + "]"); !d.empty()) return d;
    }
    if (expected.size() != actual.size()) {
      return at + ": expected " + std::to_string(expected.size()) + " items, got " +
             std::to_string(actual.size()) + ": " + show(actual);
    }
    return "";
  }
  if (expected.is_number() && actual.is_number()) {
    return expected.get<double>() == actual.get<double>() ? "" : at + ": expected " + show(expected) + "; got " + show(actual);
  }
  return expected == actual ? "" : at + ": expected " + show(expected) + "; got " + show(actual);
}

}  // namespace memgpt::transcripts
