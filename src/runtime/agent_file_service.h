// Exporting an agent to an Agent File and importing one (runtime/agent_file.h for the format):
// one home for `memgpt export` / `memgpt import` and the server's /v1/agents/{id}/export and
// /v1/agents/import.
//
// An import is all or nothing: everything is read and checked, and archival passages are
// embedded, before anything is stored; the agents' records and messages are then written in one
// transaction (when recall shares the metadata database, the default), and if storing their
// passages fails the agents are removed again. Passages whose vectors were made by another
// embedder than the home's (or have none) are embedded again with the home's: never stored
// with vectors of the wrong model.
//
// Locking: an export holds the agent's lock (its steps wait). Thread-safety: as AgentService.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/agent_file.h"
#include "runtime/agent_service.h"
#include "runtime/external_tool_catalog.h"
#include "runtime/model_endpoints.h"
#include "runtime/runtime.h"

namespace memgpt::runtime {

struct AgentImportOptions {
  std::string user_id;
  std::string name;  // a new name for the agent (files with one agent); empty: the file's
  // Who chooses the model endpoint: a file's model the caller may not use (or the home cannot
  // reach) is replaced by the configured model, with a warning.
  EndpointChoice endpoint_choice = EndpointChoice::kAny;
  // Every agent gets this model instead of the file's (Letta's import field `model`).
  std::optional<store::AgentLlmConfig> model;
  int batch_size = 64;  // passages embedded together
  std::function<void(int64_t done, int64_t total)> on_embed_progress;  // called only when embedding
};

struct AgentExportOptions {
  bool without_messages = false;  // the agent's memory, tools and passages, no conversation
};

struct ImportedAgent {
  std::string id;
  std::string name;
  int64_t messages = 0;
  int64_t passages = 0;
  bool reembedded = false;  // the passages got new vectors from the home's embedder
};

struct AgentImportReport {
  std::vector<ImportedAgent> agents;
  std::vector<std::string> warnings;  // one line per item of the file not honoured
  std::vector<std::string> registered;  // one line per MCP server the import registered
};

class AgentFileService {
 public:
  // Everything given must outlive the service. Without `tools`, MCP tools are neither written
  // nor imported (reported).
  AgentFileService(AppContext& ctx, Archival& archival, AgentService& agents, ExternalToolCatalog* tools = nullptr);

  // The agent as an Agent File document (text, indented); kNotFound for an unknown agent.
  Result<std::string> export_agent(const std::string& agent_id, const AgentExportOptions& options = {});
  // Imports every agent of a file (kInvalidArgument naming the item for a malformed file,
  // kResourceExhausted for one over kMaxAgentFileBytes, kAlreadyExists for a taken name).
  Result<AgentImportReport> import_text(std::string_view text, const AgentImportOptions& options);
  Result<AgentImportReport> import_contents(AgentFileContents contents, const AgentImportOptions& options);

 private:
  struct Prepared;
  Status prepare_agent(AgentFileAgent& agent, const AgentImportOptions& options, Prepared& out,
                       std::vector<std::string>& warnings);
  Status embed_passages(std::vector<Prepared>& prepared, const AgentImportOptions& options);
  Status store_agents(std::vector<Prepared>& prepared);
  // After the agents are stored: their MCP tools, through tools_ (reported when there is none).
  void import_mcp_tools(const AgentFileContents& contents, const std::vector<Prepared>& prepared,
                        AgentImportReport& report);

  AppContext& ctx_;
  Archival& archival_;
  AgentService& agents_;
  ExternalToolCatalog* tools_;
};

}  // namespace memgpt::runtime
