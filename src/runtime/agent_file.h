// Letta's Agent File (.af): agents with their memory blocks, messages and tools as one JSON
// document (the schema of Letta's letta/schemas/agent_file.py; docs/agent-files.md). This module
// only translates between that document and our records: no store, no files, no network.
//
// Ids inside a file are its own ("agent-0", "block-0", "message-0", "tool-0"); ours never leave
// the process and the file's are never stored. What Letta has and we cannot honour (tool types
// we do not run, groups, files, sources, tool rules, ...) is read and reported as
// one warning per item, never dropped silently. Secrets (environment variables of tools, keys)
// are never written.
//
// Archival memory, which Letta's format does not carry, goes in the top-level key
// kAgentFileExtensionKey: Letta's importer ignores unknown top-level keys, so our files still
// import into Letta.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/agent_record.h"
#include "store/recall_store.h"
#include "util/json.h"
#include "util/status.h"

namespace memgpt::runtime {

// The largest file the CLI reads (the server's own body limit answers 413 before this).
inline constexpr size_t kMaxAgentFileBytes = size_t{64} << 20;
// Our extension: {"version": 1, "agents": [{"agent_id": "agent-0", "archival": {...}, ...}]}.
inline constexpr const char* kAgentFileExtensionKey = "memgpt_extension";

struct AgentFilePassage {
  std::string text;
  std::string doc_id;
  int64_t created_at = 0;  // epoch ms
  Json metadata = Json::object();
  std::vector<float> embedding;  // empty: none in the file
};

// A tool of another MCP server attached to an agent (Letta's tool_type "external_mcp").
struct AgentFileMcpTool {
  std::string server;  // the server's name
  std::string name;
  std::string description;
  Json input_schema = Json::object();  // the tool's parameters, without request_heartbeat
  int64_t timeout_ms = 0;              // 0: the default
};

// An MCP server the tools come from, in Letta's MCPServerSchema shape without its id
// (server_type, server_name, server_url, stdio_config, metadata_) plus the names of its secrets
// with null values ("env" of a stdio server, "custom_headers" of an HTTP one): their values
// are never written.
struct AgentFileMcpServer {
  std::string id;    // the file's ("mcp_server-0")
  std::string name;  // server_name
  Json definition = Json::object();
};

struct AgentFileAgent {
  // Name, settings, descriptive fields and state. On read: `state.message_ids` are the file's
  // in-context message ids (without Letta's leading system message); `id` is the file's id; an
  // empty system prompt or preset means "as the importing home would give".
  store::AgentRecord record;
  // Write: the system message as the model sees it now (Letta keeps it as the first message
  // in context). Read: the file's, unused (ours is rebuilt from the prompt and memory).
  std::string system_message;
  std::vector<store::MessageRecord> messages;  // oldest first; ids as in the file when read
  // Read: the file's llm_config (an object, or null when it has none), for the importer to
  // check against what the home may reach.
  Json llm_config = nullptr;
  std::vector<AgentFilePassage> passages;
  store::AgentEmbeddingConfig passages_embedder;  // what made the passages' vectors
  std::vector<AgentFileMcpTool> mcp_tools;
};

struct AgentFileContents {
  std::vector<AgentFileAgent> agents;
  std::vector<AgentFileMcpServer> mcp_servers;  // the servers of the agents' MCP tools
  std::vector<std::string> warnings;  // read: one line per item not honoured
};

// The document for `contents` (created_at: `now_ms`), in Letta's key order.
OrderedJson agent_file_json(const AgentFileContents& contents, int64_t now_ms);

// Reads a document (kInvalidArgument naming the item for anything malformed: wrong types,
// dangling or duplicate ids, blocks over their limit). Accepts what Letta's importer accepts,
// including JSON objects given as JSON-encoded strings.
Result<AgentFileContents> read_agent_file(const Json& document);
// The same from text (at most kMaxAgentFileBytes; parsed with bounded depth).
Result<AgentFileContents> read_agent_file_text(std::string_view text);

// ISO 8601 ("2026-11-28T13:08:07.123456Z", "...+02:00", or no zone: UTC) to epoch ms.
Result<int64_t> parse_iso8601_ms(const std::string& text);

}  // namespace memgpt::runtime
