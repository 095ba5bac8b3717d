// The MCP servers registered in a home (`memgpt mcp add`, PUT /v1/tools/mcp/servers): a JSON
// file beside the config, mode 0600 (it may hold tokens in headers or env). Each change is
// written atomically; the last writer wins when two processes change it at once.
#pragma once

#include <string>
#include <vector>

#include "mcp/client.h"
#include "util/status.h"

namespace memgpt::mcp {

class McpServerRegistry {
 public:
  explicit McpServerRegistry(std::string path = default_path());
  static std::string default_path();  // <home>/mcp_servers.json

  // Registered servers, in the order they were added (none when there is no file).
  Result<std::vector<McpServerConfig>> list() const;
  Result<McpServerConfig> get(const std::string& name) const;  // kNotFound naming the known ones
  Status add(const McpServerConfig& config);                    // kAlreadyExists for a taken name
  Status remove(const std::string& name);                       // kNotFound

 private:
  Status save(const std::vector<McpServerConfig>& servers) const;
  std::string path_;
};

}  // namespace memgpt::mcp
