// The Model Context Protocol (MCP, revisions 2025-06-18 and 2025-03-26), server side, without a
// transport: JSON-RPC 2.0 messages in, responses out. The stdio transport (mcp/stdio.h) and the
// streamable HTTP one (server/routes_mcp.cpp) hand every message they read to a Dispatcher and
// write back what it answers; the tools are a ToolProvider's (mcp/memory_tools.h).
//
// What the dispatcher answers: initialize (negotiates the protocol version; capabilities
// {tools: {}}), ping, tools/list, tools/call; notifications (notifications/initialized, ...)
// and responses get no answer. JSON-RPC errors: -32700 unparsable text, -32600 not a request,
// -32601 unknown method, -32602 bad params (tools/call without a tool name, an unknown tool).
// A tool that fails, or is called with arguments its input schema refuses, answers a result
// with isError: true and one readable line, so the assistant can read it and try again.
//
// Thread-safety: handle() may be called from several threads (one HTTP session's requests);
// tool calls run concurrently, the provider must allow that.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/json.h"
#include "util/status.h"

namespace memgpt::mcp {

inline constexpr std::string_view kLatestProtocolVersion = "2025-06-18";
// The revisions this server speaks, newest first.
const std::vector<std::string>& supported_protocol_versions();
bool is_supported_protocol_version(std::string_view version);

// JSON-RPC 2.0 error codes.
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;

struct Tool {
  std::string name;
  std::string title;
  std::string description;
  Json input_schema;  // a JSON Schema object: {type: "object", properties, required}
  bool read_only = false;  // annotations.readOnlyHint
};

struct ToolResult {
  std::string text;             // what the assistant reads
  Json structured;              // structuredContent (null: none)
  bool is_error = false;
};

class ToolProvider {
 public:
  virtual ~ToolProvider() = default;
  virtual const std::vector<Tool>& tools() const = 0;
  // Runs the tool `name` (one of tools()) with arguments its schema accepted. A failure is the
  // tool's (isError); the message must be fit for the client to read.
  virtual ToolResult call(const std::string& name, const Json& arguments) = 0;
};

struct ServerInfo {
  std::string name = "memgpt";
  std::string title;
  std::string version;
  std::string instructions;  // shown to the assistant (how to use the tools)
};

class Dispatcher {
 public:
  // `tools` must outlive the dispatcher.
  Dispatcher(ToolProvider& tools, ServerInfo info);

  // One message as text (a JSON-RPC request, notification or response; a batch array for
  // 2025-03-26 clients). Returns the text to send back, or nothing.
  std::optional<std::string> handle_text(std::string_view text);
  // The same for a parsed message.
  std::optional<Json> handle(const Json& message);

  // The version agreed by initialize (empty before).
  std::string protocol_version() const;

 private:
  Json handle_request(const Json& id, const std::string& method, const Json& params);
  Json initialize(const Json& params);
  Json call_tool(const Json& id, const Json& params);

  ToolProvider& tools_;
  ServerInfo info_;
  mutable std::mutex mu_;
  std::string protocol_version_;
};

// {"jsonrpc": "2.0", "id": id, "error": {code, message}}.
Json error_response(const Json& id, int code, const std::string& message);

// Checks `arguments` against a tool's input schema as we write them: an object whose
// properties have a `type` (string, integer, number, boolean, array of strings) with optional
// `minimum`/`maximum`, `enum`, `minLength`; `required` names; no other properties. One line
// naming the argument at fault.
Status check_arguments(const Json& schema, const Json& arguments);

}  // namespace memgpt::mcp
