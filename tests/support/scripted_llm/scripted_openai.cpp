// The OpenAI Chat Completions side of the scripted server (POST /v1/chat/completions). Requests
// are checked against the contract the real API enforces: the auth header, known parameter
// names and their types and ranges, the parameters that only go with others (tool_choice and
// parallel_tool_calls with tools, stream_options with stream), tool definitions (name pattern,
// object schema), message roles and fields, tool_calls[].type, and the pairing of every tool
// message with a preceding assistant tool call. A violation is answered with 400 (401 for auth)
// in OpenAI's error shape ({"error": {message, type, param, code}}) and recorded.
#include <ctime>
#include <httplib.h>

#include <cmath>
#include <limits>
#include <regex>
#include <set>

#include "scripted_llm.h"

namespace memgpt::testing {
namespace {

enum class Type { kNumber, kInteger, kBoolean, kString, kObject, kArray };

const char* type_name(Type t) {
  switch (t) {
    case Type::kNumber: return "a decimal";
    case Type::kInteger: return "an integer";
    case Type::kBoolean: return "a boolean";
    case Type::kString: return "a string";
    case Type::kObject: return "an object";
    case Type::kArray: return "an array";
  }
  return "";
}

const char* type_of(const Json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number_integer()) return "an integer";
  if (v.is_number()) return "a decimal";
  if (v.is_string()) return "a string";
  if (v.is_array()) return "an array";
  return "an object";
}

bool has_type(const Json& v, Type t) {
  switch (t) {
    case Type::kNumber: return v.is_number();
    case Type::kInteger: return v.is_number_integer();
    case Type::kBoolean: return v.is_boolean();
    case Type::kString: return v.is_string();
    case Type::kObject: return v.is_object();
    case Type::kArray: return v.is_array();
  }
  return false;
}

ApiError invalid_type(const std::string& param, const char* expected, const Json& got) {
  return {400,
          "Invalid type for '" + param + "': expected " + expected + ", but got " + type_of(got) +
              " instead.",
          param, "invalid_type"};
}

ApiError missing(const std::string& param) {
  return {400, "Missing required parameter: '" + param + "'.", param, "missing_required_parameter"};
}

ApiError invalid_value(const std::string& param, const std::string& why) {
  return {400, "Invalid value for '" + param + "': " + why, param, "invalid_value"};
}

ApiError unexpected_key(const std::string& key, const std::string& where) {
  return {400, "Additional properties are not allowed ('" + key + "' was unexpected) - '" + where + "'",
          where, "invalid_request_error"};
}

std::string format_number(double v) {
  if (v == std::floor(v) && std::abs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
  return std::to_string(v);
}

// A top-level parameter: its type, whether null is accepted, and its range (numbers).
struct Param {
  const char* name;
  std::vector<Type> types;
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
};

const std::vector<Param>& known_params() {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  static const std::vector<Param> kParams = {
      {"model", {Type::kString}},
      {"messages", {Type::kArray}},
      {"audio", {Type::kObject}},
      {"frequency_penalty", {Type::kNumber}, -2, 2},
      {"presence_penalty", {Type::kNumber}, -2, 2},
      {"function_call", {Type::kString, Type::kObject}},
      {"functions", {Type::kArray}},
      {"logit_bias", {Type::kObject}},
      {"logprobs", {Type::kBoolean}},
      {"top_logprobs", {Type::kInteger}, 0, 20},
      {"max_tokens", {Type::kInteger}, 1, kInf},
      {"max_completion_tokens", {Type::kInteger}, 1, kInf},
      {"metadata", {Type::kObject}},
      {"modalities", {Type::kArray}},
      {"n", {Type::kInteger}, 1, 128},
      {"parallel_tool_calls", {Type::kBoolean}},
      {"prediction", {Type::kObject}},
      {"prompt_cache_key", {Type::kString}},
      {"reasoning_effort", {Type::kString}},
      {"response_format", {Type::kObject}},
      {"safety_identifier", {Type::kString}},
      {"seed", {Type::kInteger}},
      {"service_tier", {Type::kString}},
      {"stop", {Type::kString, Type::kArray}},
      {"store", {Type::kBoolean}},
      {"stream", {Type::kBoolean}},
      {"stream_options", {Type::kObject}},
      {"temperature", {Type::kNumber}, 0, 2},
      {"tool_choice", {Type::kString, Type::kObject}},
      {"tools", {Type::kArray}},
      {"top_p", {Type::kNumber}, 0, 1},
      {"user", {Type::kString}},
      {"verbosity", {Type::kString}},
      {"web_search_options", {Type::kObject}},
  };
  return kParams;
}

const std::regex& tool_name_pattern() {
  static const std::regex re("^[a-zA-Z0-9_-]{1,64}$");
  return re;
}

std::optional<ApiError> check_keys(const Json& obj, const std::set<std::string>& allowed,
                                   const std::string& where) {
  for (const auto& [key, value] : obj.items()) {
    if (!allowed.count(key)) return unexpected_key(key, where);
  }
  return std::nullopt;
}

// Content that must be text: a string or an array of {type: "text", text} parts.
std::optional<ApiError> check_text_content(const Json& content, const std::string& where,
                                           const std::set<std::string>& part_types) {
  if (content.is_string()) return std::nullopt;
  if (!content.is_array()) return invalid_type(where, "one of a string or array of objects", content);
  for (size_t k = 0; k < content.size(); ++k) {
    std::string at = where + "[" + std::to_string(k) + "]";
    const Json& part = content[k];
    if (!part.is_object()) return invalid_type(at, "an object", part);
    if (!part.contains("type")) return missing(at + ".type");
    std::string type = part["type"].is_string() ? part["type"].get<std::string>() : "";
    if (!part_types.count(type)) {
      return invalid_value(at + ".type", "'" + type + "' is not a supported content part type.");
    }
    if (type == "text" && (!part.contains("text") || !part["text"].is_string())) {
      return missing(at + ".text");
    }
  }
  return std::nullopt;
}

std::optional<ApiError> check_tools(const Json& tools, std::set<std::string>& names) {
  if (tools.empty()) {
    return ApiError{400,
                    "Invalid 'tools': empty array. Expected an array with minimum length 1, but "
                    "got an empty array instead.",
                    "tools", "empty_array"};
  }
  for (size_t i = 0; i < tools.size(); ++i) {
    std::string at = "tools[" + std::to_string(i) + "]";
    const Json& t = tools[i];
    if (!t.is_object()) return invalid_type(at, "an object", t);
    if (auto e = check_keys(t, {"type", "function"}, at)) return e;
    if (!t.contains("type")) return missing(at + ".type");
    if (t["type"] != "function") {
      return invalid_value(at + ".type", "supported values are: 'function'.");
    }
    if (!t.contains("function")) return missing(at + ".function");
    const Json& fn = t["function"];
    if (!fn.is_object()) return invalid_type(at + ".function", "an object", fn);
    if (auto e = check_keys(fn, {"name", "description", "parameters", "strict"}, at + ".function")) {
      return e;
    }
    if (!fn.contains("name")) return missing(at + ".function.name");
    if (!fn["name"].is_string()) return invalid_type(at + ".function.name", "a string", fn["name"]);
    std::string name = fn["name"];
    if (!std::regex_match(name, tool_name_pattern())) {
      return ApiError{400,
                      "Invalid '" + at + ".function.name': string does not match pattern. Expected "
                      "a string that matches the pattern '^[a-zA-Z0-9_-]{1,64}$'.",
                      at + ".function.name", "invalid_value"};
    }
    if (fn.contains("description") && !fn["description"].is_string()) {
      return invalid_type(at + ".function.description", "a string", fn["description"]);
    }
    if (fn.contains("strict") && !fn["strict"].is_boolean()) {
      return invalid_type(at + ".function.strict", "a boolean", fn["strict"]);
    }
    if (fn.contains("parameters")) {
      const Json& p = fn["parameters"];
      if (!p.is_object()) return invalid_type(at + ".function.parameters", "an object", p);
      if (p.value("type", "") != "object") {
        return ApiError{400,
                        "Invalid schema for function '" + name +
                            "': schema must be a JSON Schema of 'type: \"object\"'.",
                        at + ".function.parameters", "invalid_function_parameters"};
      }
    }
    names.insert(name);
  }
  return std::nullopt;
}

std::optional<ApiError> check_tool_calls(const Json& calls, const std::string& where,
                                         std::vector<std::string>& ids) {
  if (!calls.is_array()) return invalid_type(where, "an array", calls);
  if (calls.empty()) {
    return ApiError{400,
                    "Invalid '" + where +
                        "': empty array. Expected an array with minimum length 1, but got an "
                        "empty array instead.",
                    where, "empty_array"};
  }
  for (size_t k = 0; k < calls.size(); ++k) {
    std::string at = where + "[" + std::to_string(k) + "]";
    const Json& tc = calls[k];
    if (!tc.is_object()) return invalid_type(at, "an object", tc);
    if (auto e = check_keys(tc, {"id", "type", "function"}, at)) return e;
    if (!tc.contains("id")) return missing(at + ".id");
    if (!tc["id"].is_string()) return invalid_type(at + ".id", "a string", tc["id"]);
    if (!tc.contains("type")) return missing(at + ".type");
    if (tc["type"] != "function") return invalid_value(at + ".type", "supported values are: 'function'.");
    if (!tc.contains("function")) return missing(at + ".function");
    const Json& fn = tc["function"];
    if (!fn.is_object()) return invalid_type(at + ".function", "an object", fn);
    if (auto e = check_keys(fn, {"name", "arguments"}, at + ".function")) return e;
    if (!fn.contains("name")) return missing(at + ".function.name");
    if (!fn["name"].is_string()) return invalid_type(at + ".function.name", "a string", fn["name"]);
    if (!fn.contains("arguments")) return missing(at + ".function.arguments");
    if (!fn["arguments"].is_string()) {
      return invalid_type(at + ".function.arguments", "a string", fn["arguments"]);
    }
    ids.push_back(tc["id"]);
  }
  return std::nullopt;
}

std::optional<ApiError> check_messages(const Json& msgs) {
  if (msgs.empty()) {
    return ApiError{400,
                    "Invalid 'messages': empty array. Expected an array with minimum length 1, "
                    "but got an empty array instead.",
                    "messages", "empty_array"};
  }
  static const std::set<std::string> kTextParts = {"text"};
  static const std::set<std::string> kUserParts = {"text", "image_url", "input_audio", "file"};
  static const std::set<std::string> kAssistantParts = {"text", "refusal"};
  std::set<std::string> unanswered;  // tool_call ids of the last assistant message
  for (size_t i = 0; i < msgs.size(); ++i) {
    std::string at = "messages[" + std::to_string(i) + "]";
    const Json& m = msgs[i];
    if (!m.is_object()) return invalid_type(at, "an object", m);
    if (!m.contains("role")) return missing(at + ".role");
    std::string role = m["role"].is_string() ? m["role"].get<std::string>() : "";
    if (role != "tool" && !unanswered.empty()) {
      std::string ids;
      for (const auto& id : unanswered) ids += (ids.empty() ? "" : ", ") + id;
      return ApiError{400,
                      "An assistant message with 'tool_calls' must be followed by tool messages "
                      "responding to each 'tool_call_id'. The following tool_call_ids did not "
                      "have response messages: " + ids,
                      "messages.[" + std::to_string(i) + "].role", ""};
    }
    if (m.contains("name") && !m["name"].is_string()) return invalid_type(at + ".name", "a string", m["name"]);
    if (role == "system" || role == "developer") {
      if (auto e = check_keys(m, {"role", "content", "name"}, at)) return e;
      if (!m.contains("content")) return missing(at + ".content");
      if (auto e = check_text_content(m["content"], at + ".content", kTextParts)) return e;
    } else if (role == "user") {
      if (auto e = check_keys(m, {"role", "content", "name"}, at)) return e;
      if (!m.contains("content")) return missing(at + ".content");
      if (auto e = check_text_content(m["content"], at + ".content", kUserParts)) return e;
    } else if (role == "assistant") {
      if (auto e = check_keys(m, {"role", "content", "name", "tool_calls", "function_call",
                                  "refusal", "audio"},
                              at)) {
        return e;
      }
      bool calls = m.contains("tool_calls") || m.contains("function_call");
      if (m.contains("content") && !m["content"].is_null()) {
        if (auto e = check_text_content(m["content"], at + ".content", kAssistantParts)) return e;
      } else if (!calls) {
        return invalid_value(at + ".content",
                             "an assistant message needs 'content' unless it has 'tool_calls'.");
      }
      if (m.contains("tool_calls")) {
        std::vector<std::string> ids;
        if (auto e = check_tool_calls(m["tool_calls"], at + ".tool_calls", ids)) return e;
        unanswered.insert(ids.begin(), ids.end());
      }
    } else if (role == "tool") {
      if (auto e = check_keys(m, {"role", "content", "tool_call_id"}, at)) return e;
      if (!m.contains("tool_call_id")) return missing(at + ".tool_call_id");
      if (!m["tool_call_id"].is_string()) {
        return invalid_type(at + ".tool_call_id", "a string", m["tool_call_id"]);
      }
      if (!unanswered.erase(m["tool_call_id"].get<std::string>())) {
        return ApiError{400,
                        "Invalid parameter: messages with role 'tool' must be a response to a "
                        "preceeding message with 'tool_calls'.",
                        at + ".role", ""};
      }
      if (!m.contains("content")) return missing(at + ".content");
      if (auto e = check_text_content(m["content"], at + ".content", kTextParts)) return e;
    } else if (role == "function") {
      if (auto e = check_keys(m, {"role", "content", "name"}, at)) return e;
      if (!m.contains("name")) return missing(at + ".name");
    } else {
      return invalid_value(at + ".role",
                           "'" + role + "'. Supported values are: 'system', 'assistant', 'user', "
                           "'function', 'tool', and 'developer'.");
    }
  }
  if (!unanswered.empty()) {
    return ApiError{400,
                    "An assistant message with 'tool_calls' must be followed by tool messages "
                    "responding to each 'tool_call_id'. The following tool_call_ids did not have "
                    "response messages: " + *unanswered.begin(),
                    "messages", ""};
  }
  return std::nullopt;
}

Json error_json(const ApiError& e, const char* type = "invalid_request_error") {
  return {{"error",
           {{"message", e.message},
            {"type", type},
            {"param", e.param.empty() ? Json(nullptr) : Json(e.param)},
            {"code", e.code.empty() ? Json(nullptr) : Json(e.code)}}}};
}

std::string sse_chunk(const Json& j) { return "data: " + j.dump() + "\n\n"; }

}  // namespace

std::optional<ApiError> ScriptedLlmServer::check_openai_request(const Json& body) {
  if (body.is_discarded()) {
    return ApiError{400, "We could not parse the JSON body of your request.", "", ""};
  }
  if (!body.is_object()) return invalid_type("body", "an object", body);
  for (const auto& [key, value] : body.items()) {
    const Param* p = nullptr;
    for (const auto& candidate : known_params()) {
      if (key == candidate.name) p = &candidate;
    }
    if (!p) return ApiError{400, "Unrecognized request argument supplied: " + key, "", ""};
    if (value.is_null() && key != "model" && key != "messages") continue;  // null = unset
    bool ok = false;
    for (Type t : p->types) ok = ok || has_type(value, t);
    if (!ok) return invalid_type(key, type_name(p->types.front()), value);
    if (value.is_number()) {
      double v = value.get<double>();
      if (v < p->min || v > p->max) {
        return ApiError{400,
                        "Invalid '" + key + "': expected a value between " + format_number(p->min) +
                            " and " + format_number(p->max) + ", but got " + format_number(v) +
                            " instead.",
                        key, "invalid_value"};
      }
    }
  }
  if (!body.contains("model")) return missing("model");
  if (body["model"].get<std::string>().empty()) return invalid_value("model", "the model is empty.");
  if (!body.contains("messages")) return missing("messages");
  if (auto e = check_messages(body["messages"])) return e;

  std::set<std::string> tool_names;
  bool has_tools = body.contains("tools") && !body["tools"].is_null();
  if (has_tools) {
    if (auto e = check_tools(body["tools"], tool_names)) return e;
  }
  for (const char* needs_tools : {"tool_choice", "parallel_tool_calls"}) {
    if (body.contains(needs_tools) && !body[needs_tools].is_null() && !has_tools) {
      return invalid_value(needs_tools, std::string("'") + needs_tools +
                                            "' is only allowed when 'tools' are specified.");
    }
  }
  if (body.contains("tool_choice") && !body["tool_choice"].is_null()) {
    const Json& tc = body["tool_choice"];
    if (tc.is_string()) {
      std::string v = tc;
      if (v != "none" && v != "auto" && v != "required") {
        return invalid_value("tool_choice", "'" + v + "'. Supported values are: 'none', 'auto' and 'required'.");
      }
    } else {
      if (tc.value("type", "") != "function") {
        return invalid_value("tool_choice.type", "supported values are: 'function'.");
      }
      std::string name = tc.contains("function") && tc["function"].is_object()
                             ? tc["function"].value("name", "")
                             : "";
      if (!tool_names.count(name)) {
        return invalid_value("tool_choice", "tool '" + name + "' is not in 'tools'.");
      }
    }
  }
  bool stream = body.value("stream", false) == true;
  if (body.contains("stream_options") && !body["stream_options"].is_null()) {
    if (!stream) {
      return ApiError{400, "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                      "stream_options", "invalid_value"};
    }
    const Json& so = body["stream_options"];
    if (auto e = check_keys(so, {"include_usage", "include_obfuscation"}, "stream_options")) return e;
    for (const auto& [key, value] : so.items()) {
      if (!value.is_boolean()) return invalid_type("stream_options." + key, "a boolean", value);
    }
  }
  if (body.contains("top_logprobs") && !body["top_logprobs"].is_null() &&
      body.value("logprobs", false) != true) {
    return invalid_value("top_logprobs", "'top_logprobs' is only allowed when 'logprobs' is true.");
  }
  if (body.contains("stop") && body["stop"].is_array()) {
    if (body["stop"].size() > 4) return invalid_value("stop", "at most 4 stop sequences.");
    for (const auto& s : body["stop"]) {
      if (!s.is_string()) return invalid_type("stop", "an array of strings", s);
    }
  }
  if (body.contains("response_format") && body["response_format"].is_object()) {
    std::string type = body["response_format"].value("type", "");
    if (type != "text" && type != "json_object" && type != "json_schema") {
      return invalid_value("response_format.type",
                           "supported values are: 'text', 'json_object' and 'json_schema'.");
    }
  }
  return std::nullopt;
}

std::string ScriptedLlmServer::validate_request(const Json& body) {
  auto e = check_openai_request(body);
  return e ? e->message : "";
}

void ScriptedLlmServer::add_openai_routes() {
  // Records a refused request as a violation and answers with `error` (the route's shape).
  auto refuse_with = [this](httplib::Response& res, int status, const std::string& problem, const Json& error) {
    record_violation(problem);
    res.status = status;
    res.set_content(error.dump(), "application/json");
  };
  auto refuse = [refuse_with](httplib::Response& res, const ApiError& e) {
    refuse_with(res, e.status, e.message, error_json(e));
  };
  // The exchange once the route's own checks (URL, auth) passed: the body's contract, then the
  // scripted reply, whole or streamed.
  auto serve = [this, refuse](httplib::Response& res, const Json& body) {
    if (auto e = check_openai_request(body)) return refuse(res, *e);
    auto reply = take_reply(res, [&](int status, const Json& error) {
      res.status = status;
      Json err = error.is_object() && !error.empty()
                     ? error
                     : Json{{"message", "scripted error"}, {"type", "server_error"}};
      res.set_content(Json({{"error", err}}).dump(), "application/json");
    });
    if (!reply) return;
    ScriptedAnswer answer = answer_of(*reply);
    std::string call_id = "call_" + std::to_string(request_count());
    for (size_t k = 0; k < answer.calls.size(); ++k) {
      if (answer.calls[k].id.empty()) answer.calls[k].id = k == 0 ? call_id : call_id + "_" + std::to_string(k);
    }
    Json usage = {{"prompt_tokens", 100}, {"completion_tokens", 20}, {"total_tokens", 120}};
    // Every completion and chunk carries `created` (Unix seconds), as the real API's do; clients
    // that validate the response shape (pymemgpt 0.3.25's pydantic model) require it.
    const int64_t created = static_cast<int64_t>(std::time(nullptr));
    if (!body.value("stream", false)) {
      Json msg = {{"role", "assistant"},
                  {"content", answer.content.empty() ? Json(nullptr) : Json(answer.content)}};
      for (const auto& c : answer.calls) {
        msg["tool_calls"].push_back({{"id", c.id},
                                     {"type", "function"},
                                     {"function", {{"name", c.name}, {"arguments", c.arguments}}}});
      }
      Json j = {{"id", "chatcmpl-scripted"},
                {"object", "chat.completion"},
                {"created", created},
                {"model", model_},
                {"choices", {{{"index", 0}, {"message", msg}, {"finish_reason", answer.finish_reason}}}},
                {"usage", usage}};
      std::string text = j.dump();
      if (reply->value("truncate_body", false)) text = text.substr(0, text.size() / 2);
      res.set_content(text, "application/json");
      return;
    }
    std::vector<std::string> events;
    auto chunk = [&](const Json& delta, const Json& finish_reason) {
      events.push_back(sse_chunk({{"id", "chatcmpl-scripted"},
                                  {"object", "chat.completion.chunk"},
                                  {"created", created},
                                  {"model", model_},
                                  {"choices", {{{"index", 0}, {"delta", delta}, {"finish_reason", finish_reason}}}}}));
    };
    chunk({{"role", "assistant"}}, nullptr);
    for (const auto& piece : utf8_pieces(answer.content, 7)) chunk({{"content", piece}}, nullptr);
    for (size_t k = 0; k < answer.calls.size(); ++k) {
      const ScriptedCall& c = answer.calls[k];
      chunk({{"tool_calls",
              {{{"index", k}, {"id", c.id}, {"type", "function"}, {"function", {{"name", c.name}, {"arguments", ""}}}}}}},
            nullptr);
      for (const auto& piece : utf8_pieces(c.arguments, 9)) {
        chunk({{"tool_calls", {{{"index", k}, {"function", {{"arguments", piece}}}}}}}, nullptr);
      }
    }
    chunk(Json::object(), answer.finish_reason);
    if (body.contains("stream_options") && body["stream_options"].value("include_usage", false)) {
      events.push_back(sse_chunk({{"choices", Json::array()}, {"usage", usage}}));
    }
    events.push_back("data: [DONE]\n\n");
    send_events(res, "text/event-stream", std::move(events), reply->value("cut_stream", false));
  };

  server_->Post("/v1/chat/completions", [this, refuse, serve](const httplib::Request& req, httplib::Response& res) {
    Json body = parse_json_or_discarded(req.body);
    record_request(body);
    if (scenario_.value("require_auth", true)) {
      std::string auth = req.get_header_value("Authorization");
      if (auth.rfind("Bearer ", 0) != 0 || auth.size() <= 7) {
        return refuse(res, {401,
                            "You didn't provide an API key. You need to provide your API key in an "
                            "Authorization header using Bearer auth (i.e. Authorization: Bearer "
                            "YOUR_KEY).",
                            "", ""});
      }
      std::string want = scenario_.value("api_key", "");
      if (!want.empty() && auth.substr(7) != want) {
        return refuse(res, {401, "Incorrect API key provided.", "", "invalid_api_key"});
      }
    }
    serve(res, body);
  });

  // Azure OpenAI: the deployment in the path, a required api-version query parameter (without
  // it Azure answers 404 "Resource not found"), and the key in an `api-key` header (a key sent
  // as a Bearer token is refused: Bearer carries Entra ID tokens there). Errors of the service
  // itself use Azure's shape {"error": {"code", "message"}}; the body is the Chat Completions
  // body, checked as above, except that `model` may be left out (the deployment names it).
  server_->Post(R"(/openai/deployments/([^/]+)/chat/completions)",
                [this, refuse_with, serve](const httplib::Request& req, httplib::Response& res) {
    Json body = parse_json_or_discarded(req.body);
    record_request(body);
    auto azure_error = [](const std::string& code, const std::string& message) {
      return Json{{"error", {{"code", code}, {"message", message}}}};
    };
    if (req.get_param_value("api-version").empty()) {
      return refuse_with(res, 404, "Azure: no api-version query parameter", azure_error("404", "Resource not found"));
    }
    std::string key = req.get_header_value("api-key");
    std::string want = scenario_.value("api_key", "");
    if (req.has_header("Authorization") || key.empty() || (!want.empty() && key != want)) {
      return refuse_with(res, 401,
                         req.has_header("Authorization") ? "Azure: an Authorization header instead of api-key"
                                                         : "Azure: missing or wrong api-key header",
                         azure_error("401",
                                     "Access denied due to invalid subscription key or wrong API endpoint. "
                                     "Make sure to provide a valid key for an active subscription and use a "
                                     "correct regional API endpoint for your resource."));
    }
    std::string deployment = req.matches[1];
    if (deployment != scenario_.value("deployment", model_)) {
      return refuse_with(res, 404, "Azure: no deployment '" + deployment + "'",
                         azure_error("DeploymentNotFound",
                                     "The API deployment for this resource does not exist. If you created "
                                     "the deployment within the last 5 minutes, please wait a moment and "
                                     "try again."));
    }
    if (body.is_object() && !body.contains("model")) body["model"] = deployment;
    serve(res, body);
  });
}

}  // namespace memgpt::testing
