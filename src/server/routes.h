// The routes of `memgpt server`, one file per resource; each adds its routes (Letta /v1 and
// the MemGPT /api twins) to the context's router. A new route goes in its resource's file.
#pragma once

#include "server/context.h"

namespace memgpt::server {

void add_agent_routes(ServerContext& s);    // routes_agents.cpp: create, list, get, modify, delete
void add_message_routes(ServerContext& s);  // routes_messages.cpp: send (plain, SSE), list, commands
void add_memory_routes(ServerContext& s);   // routes_memory.cpp: core memory blocks, archival memory
void add_source_routes(ServerContext& s);   // routes_sources.cpp: sources/folders, files, attach, jobs
void add_admin_routes(ServerContext& s);    // routes_admin.cpp: health, users and API keys
void add_model_routes(ServerContext& s);    // routes_models.cpp: models, tools, humans and personas
void add_agent_file_routes(ServerContext& s);  // routes_agent_files.cpp: export and import (.af)
void add_mcp_routes(ServerContext& s);      // routes_mcp.cpp: MCP (streamable HTTP) at /mcp
void add_mcp_server_routes(ServerContext& s);  // routes_mcp_servers.cpp: /v1/tools/mcp/servers

}  // namespace memgpt::server
