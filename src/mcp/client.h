// The client side of MCP: other servers' tools for our agents. A server is a command we start
// (stdio) or a URL (streamable HTTP); the client initialises it on first use, lists its tools
// and calls them. Every call has a deadline: a server that hangs is killed (stdio) or abandoned
// (HTTP), one that exits, answers junk or refuses becomes a one-line failure naming the server,
// and the next call starts it again. Nothing here throws.
//
// Thread-safety: one call at a time per client (calls are serialised inside).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mcp/protocol.h"
#include "util/json.h"
#include "util/status.h"

namespace memgpt::mcp {

struct McpServerConfig {
  std::string name;   // [A-Za-z0-9_-], 1-64
  std::string type;   // "stdio" | "streamable_http"
  std::string command;                      // stdio
  std::vector<std::string> args;            // stdio
  std::map<std::string, std::string> env;   // stdio: added to our environment
  std::string url;                          // streamable_http
  std::map<std::string, std::string> headers;  // streamable_http (e.g. Authorization)
};

// Letta's shapes: {server_name, type: "stdio", command, args, env} or
// {server_name, type: "streamable_http", server_url, custom_headers}; secrets (env values,
// header values) only when `with_secrets`.
Json config_json(const McpServerConfig& config, bool with_secrets);
// Reads and checks one (kInvalidArgument naming the field at fault).
Result<McpServerConfig> config_from_json(const Json& json);
Status check_config(const McpServerConfig& config);

struct RemoteTool {
  std::string name;
  std::string description;
  Json input_schema;  // as the server gave it (an object schema)
};

class McpClient {
 public:
  virtual ~McpClient() = default;
  virtual Result<std::vector<RemoteTool>> list_tools() = 0;
  // The tool's answer; a tool that reports failure is ok() with is_error set.
  virtual Result<ToolResult> call_tool(const std::string& name, const Json& arguments) = 0;
};

// A client for `config`; nothing is started or connected until the first call. `timeout`
// bounds each call, the start and initialisation included.
std::unique_ptr<McpClient> make_mcp_client(const McpServerConfig& config, std::chrono::milliseconds timeout);

}  // namespace memgpt::mcp
