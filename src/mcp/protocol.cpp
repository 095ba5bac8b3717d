#include "mcp/protocol.h"

#include <fmt/format.h>

#include <algorithm>

namespace memgpt::mcp {

const std::vector<std::string>& supported_protocol_versions() {
  static const std::vector<std::string> versions = {std::string(kLatestProtocolVersion), "2025-03-26"};
  return versions;
}

bool is_supported_protocol_version(std::string_view version) {
  const auto& v = supported_protocol_versions();
  return std::find(v.begin(), v.end(), version) != v.end();
}

Json error_response(const Json& id, int code, const std::string& message) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

namespace {

Json result_response(const Json& id, Json result) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

// A JSON-RPC id is a string or an integer (null only in our error answers).
bool valid_id(const Json& id) { return id.is_string() || id.is_number_integer(); }

const char* type_name(const Json& v) {
  if (v.is_string()) return "a string";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number_integer()) return "an integer";
  if (v.is_number()) return "a number";
  if (v.is_array()) return "a list";
  if (v.is_object()) return "an object";
  return "null";
}

Status check_value(const std::string& name, const Json& schema, const Json& value) {
  const std::string type = schema.value("type", "");
  bool ok = (type == "string" && value.is_string()) || (type == "integer" && value.is_number_integer()) ||
            (type == "number" && value.is_number()) || (type == "boolean" && value.is_boolean()) ||
            (type == "array" && value.is_array()) || (type == "object" && value.is_object());
  if (!ok) {
    std::string want = type == "integer" ? "an integer" : type == "array" ? "a list" : type == "object" ? "an object" : "a " + type;
    return invalid_argument(fmt::format("'{}' must be {}, not {}", name, want, type_name(value)));
  }
  if (value.is_number() && schema.contains("minimum") && value.get<double>() < schema["minimum"].get<double>()) {
    return invalid_argument(fmt::format("'{}' must be at least {}", name, schema["minimum"].dump()));
  }
  if (value.is_number() && schema.contains("maximum") && value.get<double>() > schema["maximum"].get<double>()) {
    return invalid_argument(fmt::format("'{}' must be at most {}", name, schema["maximum"].dump()));
  }
  if (value.is_string() && schema.contains("minLength") &&
      value.get_ref<const std::string&>().size() < schema["minLength"].get<size_t>()) {
    return invalid_argument(fmt::format("'{}' cannot be empty", name));
  }
  if (schema.contains("enum")) {
    const Json& options = schema["enum"];
    if (std::find(options.begin(), options.end(), value) == options.end()) {
      std::vector<std::string> names;
      for (const auto& o : options) names.push_back(o.dump());
      return invalid_argument(fmt::format("'{}' must be one of {}", name, fmt::join(names, ", ")));
    }
  }
  if (value.is_array() && schema.contains("items")) {
    for (const auto& item : value) {
      MEMGPT_RETURN_IF_ERROR(check_value(name + "[]", schema["items"], item));
    }
  }
  return {};
}

}  // namespace

Status check_arguments(const Json& schema, const Json& arguments) {
  if (!arguments.is_object()) return invalid_argument("the arguments must be an object");
  const Json& properties = schema.contains("properties") ? schema["properties"] : Json::object();
  for (const auto& name : schema.value("required", Json::array())) {
    if (!arguments.contains(name.get<std::string>())) {
      return invalid_argument(fmt::format("'{}' is required", name.get<std::string>()));
    }
  }
  for (const auto& [name, value] : arguments.items()) {
    if (!properties.contains(name)) {
      std::vector<std::string> known;
      for (const auto& [k, v] : properties.items()) known.push_back(k);
      return invalid_argument(known.empty() ? fmt::format("unknown argument '{}': this tool takes none", name)
                                            : fmt::format("unknown argument '{}' (known: {})", name, fmt::join(known, ", ")));
    }
    MEMGPT_RETURN_IF_ERROR(check_value(name, properties[name], value));
  }
  return {};
}

Dispatcher::Dispatcher(ToolProvider& tools, ServerInfo info) : tools_(tools), info_(std::move(info)) {}

std::string Dispatcher::protocol_version() const {
  std::lock_guard lock(mu_);
  return protocol_version_;
}

std::optional<std::string> Dispatcher::handle_text(std::string_view text) {
  Json message = parse_json_or_discarded(text);
  if (message.is_discarded()) return error_response(nullptr, kParseError, "parse error: the message is not valid JSON").dump();
  auto answer = handle(message);
  if (!answer) return std::nullopt;
  return answer->dump();
}

std::optional<Json> Dispatcher::handle(const Json& message) {
  if (message.is_array()) {  // a 2025-03-26 batch: one answer per request in it
    if (message.empty()) return error_response(nullptr, kInvalidRequest, "invalid request: an empty batch");
    Json answers = Json::array();
    for (const auto& m : message) {
      auto a = m.is_array() ? std::optional<Json>(error_response(nullptr, kInvalidRequest, "invalid request: a batch inside a batch"))
                            : handle(m);
      if (a) answers.push_back(std::move(*a));
    }
    if (answers.empty()) return std::nullopt;
    return answers;
  }
  if (!message.is_object() || message.value("jsonrpc", Json()) != "2.0") {
    Json id = message.is_object() && message.contains("id") && valid_id(message["id"]) ? message["id"] : Json();
    return error_response(id, kInvalidRequest, "invalid request: not a JSON-RPC 2.0 message");
  }
  const bool has_id = message.contains("id");
  if (!message.contains("method")) {
    // A response to a request of ours: we send none, so there is nothing to match.
    if (has_id && (message.contains("result") || message.contains("error"))) return std::nullopt;
    return error_response(has_id && valid_id(message["id"]) ? message["id"] : Json(), kInvalidRequest,
                          "invalid request: 'method' is missing");
  }
  if (!message["method"].is_string()) {
    return error_response(has_id && valid_id(message["id"]) ? message["id"] : Json(), kInvalidRequest,
                          "invalid request: 'method' must be a string");
  }
  const std::string method = message["method"].get<std::string>();
  Json params = message.contains("params") ? message["params"] : Json::object();
  if (!has_id) return std::nullopt;  // a notification (initialized, cancelled, ...): no answer
  const Json& id = message["id"];
  if (!valid_id(id)) return error_response(nullptr, kInvalidRequest, "invalid request: 'id' must be a string or an integer");
  if (!params.is_object()) return error_response(id, kInvalidParams, "invalid params: 'params' must be an object");
  return handle_request(id, method, params);
}

Json Dispatcher::handle_request(const Json& id, const std::string& method, const Json& params) {
  if (method == "initialize") {
    if (!params.contains("protocolVersion") || !params["protocolVersion"].is_string()) {
      return error_response(id, kInvalidParams, "invalid params: initialize needs 'protocolVersion' (a string)");
    }
    return result_response(id, initialize(params));
  }
  if (method == "ping") return result_response(id, Json::object());
  if (method == "tools/list") {
    Json list = Json::array();
    for (const Tool& t : tools_.tools()) {
      Json tool = {{"name", t.name}, {"description", t.description}, {"inputSchema", t.input_schema}};
      if (!t.title.empty()) tool["title"] = t.title;
      tool["annotations"] = {{"readOnlyHint", t.read_only}};
      if (!t.title.empty()) tool["annotations"]["title"] = t.title;
      list.push_back(std::move(tool));
    }
    return result_response(id, {{"tools", list}});
  }
  if (method == "tools/call") return call_tool(id, params);
  return error_response(id, kMethodNotFound, fmt::format("method not found: {}", method));
}

Json Dispatcher::initialize(const Json& params) {
  // The client's version when we speak it, else our newest (the client decides whether to go on).
  std::string asked = params["protocolVersion"].get<std::string>();
  std::string agreed = is_supported_protocol_version(asked) ? asked : std::string(kLatestProtocolVersion);
  {
    std::lock_guard lock(mu_);
    protocol_version_ = agreed;
  }
  Json server_info = {{"name", info_.name}, {"version", info_.version}};
  if (!info_.title.empty()) server_info["title"] = info_.title;
  Json result = {{"protocolVersion", agreed}, {"capabilities", {{"tools", Json::object()}}}, {"serverInfo", server_info}};
  if (!info_.instructions.empty()) result["instructions"] = info_.instructions;
  return result;
}

Json Dispatcher::call_tool(const Json& id, const Json& params) {
  if (!params.contains("name") || !params["name"].is_string()) {
    return error_response(id, kInvalidParams, "invalid params: tools/call needs 'name' (a string)");
  }
  const std::string name = params["name"].get<std::string>();
  Json arguments = params.contains("arguments") && !params["arguments"].is_null() ? params["arguments"] : Json::object();
  if (!arguments.is_object()) return error_response(id, kInvalidParams, "invalid params: 'arguments' must be an object");
  const auto& tools = tools_.tools();
  auto tool = std::find_if(tools.begin(), tools.end(), [&](const Tool& t) { return t.name == name; });
  if (tool == tools.end()) return error_response(id, kInvalidParams, fmt::format("unknown tool: {}", name));
  ToolResult result;
  if (Status s = check_arguments(tool->input_schema, arguments); !s.ok()) {
    result = {fmt::format("invalid arguments for {}: {}", name, s.message()), Json(), true};
  } else {
    result = tools_.call(name, arguments);
  }
  Json out = {{"content", Json::array({{{"type", "text"}, {"text", result.text}}})}, {"isError", result.is_error}};
  if (!result.structured.is_null()) out["structuredContent"] = result.structured;
  return result_response(id, std::move(out));
}

}  // namespace memgpt::mcp
