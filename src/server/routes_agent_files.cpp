// Agent Files: GET /v1/agents/{id}/export (the document; scrub_messages leaves the
// conversation out) and POST /v1/agents/import (multipart
// field `file`; answers {"agent_ids": [...], "warnings": [...]}), as Letta's clients call them.
// Of Letta's import form fields, name/override_name, model/override_model_handle,
// strip_messages and append_copy_suffix are honoured; embedding overrides and secrets are
// reported as warnings.
// The work is runtime::AgentFileService's, shared with `memgpt export` / `memgpt import`.
#include <fmt/format.h>

#include "mcp/agent_file_tools.h"
#include "runtime/agent_file_service.h"
#include "runtime/model_endpoints.h"
#include "server/request_fields.h"
#include "server/routes.h"

namespace memgpt::server {
namespace {

// A form field of the multipart body (Letta's clients send options there), else the query's.
std::string form_value(const http::Request& req, const char* field) {
  if (const http::FilePart* part = req.file(field); part && part->filename.empty()) return part->content;
  return query_str(req, field);
}

bool form_flag(const http::Request& req, const char* field) {
  std::string v = form_value(req, field);
  return v == "true" || v == "True" || v == "1";
}

ApiResult<http::Response> export_agent(ServerContext& s, const http::Request& req, const Caller& c) {
  const std::string& id = req.params[0];
  API_ASSIGN_OR_RETURN(store::AgentRecord rec, s.agent_of(c, id));
  // Letta's export options: scrub_messages is honoured; the others ask for what this server
  // cannot give (an agent here has one conversation and the current format only), refused
  // rather than answered with a file that is not what was asked for.
  if (!query_str(req, "conversation_id").empty()) {
    return invalid("conversation_id", "an agent has one conversation here: export it without 'conversation_id'");
  }
  if (!query_str(req, "max_steps").empty()) return invalid("max_steps", "'max_steps' is not supported");
  if (form_flag(req, "use_legacy_format")) {
    return invalid("use_legacy_format", "only the current Agent File format is written");
  }
  runtime::AgentExportOptions options;
  options.without_messages = form_flag(req, "scrub_messages");
  mcp::McpToolCatalog catalog(s.mcp_tools);  // the agent's MCP tools, their servers' secrets left out
  runtime::AgentFileService files(s.app, s.archival, s.agents, &catalog);
  auto text = files.export_agent(rec.id, options);
  if (!text.ok()) return public_error(text.status());
  http::Response response;
  response.body = std::move(*text);
  response.headers.emplace("Content-Disposition", fmt::format("attachment; filename=\"{}.af\"", rec.id));
  return response;
}

ApiResult<http::Response> import_agent(ServerContext& s, const http::Request& req, const Caller& c) {
  const http::FilePart* part = req.file("file");
  if (!req.is_multipart() || !part) {
    return invalid("file", "upload the agent file as multipart/form-data in a field named 'file'");
  }
  runtime::AgentImportOptions options;
  options.user_id = c.user_id;
  options.endpoint_choice = c.is_operator ? runtime::EndpointChoice::kAny : runtime::EndpointChoice::kOperatorOnly;
  options.name = form_value(req, "name");
  if (options.name.empty()) options.name = form_value(req, "override_name");
  std::string model = form_value(req, "model");
  if (model.empty()) model = form_value(req, "override_model_handle");
  if (!model.empty()) {
    auto handled = runtime::llm_config_for_handle(s.app.config, s.app.credentials, model);
    if (!handled.ok()) return invalid("model", handled.status().message());
    options.model = std::move(*handled);
  }
  auto contents = runtime::read_agent_file_text(part->content);
  if (!contents.ok()) {
    const Status& st = contents.status();
    if (st.code() == ErrorCode::kResourceExhausted) return ApiError{413, st.message(), "file"};
    return invalid("file", st.message());
  }
  if (form_flag(req, "strip_messages")) {
    for (auto& agent : contents->agents) {
      agent.messages.clear();
      agent.record.state.message_ids.clear();
    }
  }
  if (form_flag(req, "append_copy_suffix")) {
    for (auto& agent : contents->agents) agent.record.name += "_copy";
  }
  // Asked for, but not what this server does: said, not ignored.
  for (const char* field : {"embedding", "override_embedding_handle"}) {
    if (!form_value(req, field).empty()) {
      contents->warnings.push_back(
          fmt::format("'{}' is not honoured: archival memory uses this server's embedder", field));
    }
  }
  if (!req.header("x-override-embedding-model").empty()) {
    contents->warnings.push_back(
        "'x-override-embedding-model' is not honoured: archival memory uses this server's embedder");
  }
  for (const char* field : {"secrets", "env_vars_json"}) {
    std::string value = form_value(req, field);
    if (!value.empty() && value != "{}" && value != "null") {
      contents->warnings.push_back(fmt::format("'{}' is not honoured: memgpt's functions take no secrets", field));
    }
  }
  // Registering a file's MCP servers (commands this host runs) and attaching their tools is the
  // operator's, as on /v1/tools/mcp/servers: a user's import reports the MCP tools instead.
  mcp::McpToolCatalog catalog(s.mcp_tools);
  runtime::AgentFileService files(s.app, s.archival, s.agents, c.is_operator ? &catalog : nullptr);
  auto report = files.import_contents(std::move(*contents), options);
  if (!report.ok()) {
    const Status& st = report.status();
    if (st.code() == ErrorCode::kAlreadyExists) return conflict(st.message());
    if (st.code() == ErrorCode::kInvalidArgument) return invalid("file", st.message());
    return public_error(st);
  }
  Json ids = Json::array();
  for (const auto& a : report->agents) ids.push_back(a.id);
  return json_response({{"agent_ids", ids}, {"warnings", report->warnings}, {"registered", report->registered}});
}

}  // namespace

void add_agent_file_routes(ServerContext& s) {
  s.route("GET", {"/v1", "/api"}, "/agents/*/export",
          [&s](const http::Request& r, const Caller& c) { return export_agent(s, r, c); });
  s.route("POST", {"/v1", "/api"}, "/agents/import",
          [&s](const http::Request& r, const Caller& c) { return import_agent(s, r, c); });
}

}  // namespace memgpt::server
