// Memory: core memory (GET .../core-memory, .../core-memory/blocks[/{label}], PATCH a block;
// MemGPT's GET/POST /api/agents/{id}/memory) and archival memory (insert, list, search,
// delete; /api/agents/{id}/archival twins).
#include <algorithm>

#include <fmt/format.h>

#include "runtime/embedder_records.h"
#include "server/letta_views.h"
#include "server/request_fields.h"
#include "server/routes.h"

namespace memgpt::server {
namespace {

ApiResult<Json> blocks_json(ServerContext& s, const Caller& c, const std::string& id) {
  API_ASSIGN_OR_RETURN(store::AgentRecord a, s.agent_of(c, id));
  Json out = Json::array();
  for (const auto& b : a.state.memory) out.push_back(block_view(id, b));
  return out;
}

ApiResult<http::Response> update_block(ServerContext& s, const http::Request& req, const Caller& c) {
  API_ASSIGN_OR_RETURN(Json body, parse_body(req));
  const std::string &id = req.params[0], &label = req.params[1];
  API_ASSIGN_OR_RETURN(auto limit, opt_int(body, "limit"));
  API_ASSIGN_OR_RETURN(auto value, opt_str(body, "value"));
  API_ASSIGN_OR_RETURN(runtime::OpenAgent open, s.open_agent(c, id, false));
  agent::Agent& a = open.agent();
  if (!a.memory().block(label)) return not_found_error(fmt::format("agent '{}' has no memory block '{}'", id, label));
  if (limit) {
    if (*limit <= 0 || *limit > 1000000) return invalid("limit", "'limit' must be between 1 and 1000000");
    Status st = a.set_core_memory_limit(label, static_cast<int>(*limit));
    if (!st.ok()) return invalid("limit", st.message());
  }
  if (value) {
    Status st = a.set_core_memory(label, *value);
    // Over the block's limit (or otherwise unacceptable) is a validation error of the value.
    if (!st.ok()) return st.code() == ErrorCode::kNotFound ? not_found_error(st.message()) : invalid("value", st.message());
  }
  open.keep_cached();
  return json_response(block_view(id, *a.memory().block(label)));
}

// MemGPT's POST /api/agents/{id}/memory: {label: value, ...}.
ApiResult<http::Response> update_memory(ServerContext& s, const http::Request& req, const Caller& c) {
  API_ASSIGN_OR_RETURN(Json body, parse_body(req));
  const std::string& id = req.params[0];
  API_ASSIGN_OR_RETURN(runtime::OpenAgent open, s.open_agent(c, id, false));
  agent::Agent& a = open.agent();
  for (const auto& [label, value] : body.items()) {
    if (!value.is_string()) return invalid(label, fmt::format("'{}' must be a string", label));
    if (!a.memory().block(label)) return not_found_error(fmt::format("agent '{}' has no memory block '{}'", id, label));
    Status st = a.set_core_memory(label, value.get<std::string>());
    if (!st.ok()) return invalid(label, st.message());
  }
  open.keep_cached();
  Json core = Json::object();
  for (const auto& b : a.memory().blocks()) core[b.label] = b.value;
  return json_response({{"core_memory", core}});
}

ApiResult<http::Response> insert_passage(ServerContext& s, const http::Request& req, const Caller& c) {
  API_ASSIGN_OR_RETURN(Json body, parse_body(req));
  const std::string& id = req.params[0];
  API_ASSIGN_OR_RETURN(store::AgentRecord a, s.agent_of(c, id));
  API_ASSIGN_OR_RETURN(auto text, opt_str(body, "text"));
  API_ASSIGN_OR_RETURN(auto content, opt_str(body, "content"));
  std::string t = text.value_or(content.value_or(""));
  if (t.empty()) return invalid("text", "'text' is required and cannot be empty");
  // Passage tags are not stored: refuse them rather than drop them (a later tag search would
  // silently match nothing the caller expects).
  if (body.contains("tags") && !body["tags"].is_null() && !(body["tags"].is_array() && body["tags"].empty())) {
    return invalid("tags", "passage tags are not supported: memgpt stores archival passages without tags");
  }
  API_CHECK(runtime::check_agent_embedder(a, *s.archival.embedder));  // the text is embedded now
  sources::PassageStore passages = s.agents.archival_of(a);
  API_CHECK(passages.ensure_collections());
  API_ASSIGN_OR_RETURN(auto ids, passages.insert_archival(c.user_id, id, t, s.app.config.embedding_chunk_size));
  API_ASSIGN_OR_RETURN(auto stored, passages.get_archival(id, ids));
  Json out = Json::array();
  for (const auto& p : stored) out.push_back(passage_view(p, a.embedding_config));
  return json_response(out);
}

ApiResult<http::Response> list_passages(ServerContext& s, const http::Request& req, const Caller& c) {
  const std::string& id = req.params[0];
  API_ASSIGN_OR_RETURN(store::AgentRecord a, s.agent_of(c, id));
  sources::PassageStore passages = s.agents.archival_of(a);
  Json out = Json::array();
  std::string search = query_str(req, "search");
  if (!search.empty()) {
    API_ASSIGN_OR_RETURN(int64_t limit, query_int(req, "limit", 100, 1, 1000));
    API_CHECK(runtime::check_agent_embedder(a, *s.archival.embedder));  // the query is embedded now
    API_ASSIGN_OR_RETURN(auto hits, passages.search_archival(id, search, 0, limit));
    for (const auto& h : hits.hits) out.push_back(passage_view(h.passage, a.embedding_config));
    return json_response(out);
  }
  API_ASSIGN_OR_RETURN(auto index, passages.archival_index(id));  // (created_at, id), oldest first
  if (query_str(req, "ascending") == "false") std::reverse(index.begin(), index.end());
  API_ASSIGN_OR_RETURN(auto paged, page(std::move(index), req, [](const auto& e) { return e.second; }, 100));
  std::vector<std::string> ids;
  for (const auto& e : paged) ids.push_back(e.second);
  API_ASSIGN_OR_RETURN(auto stored, passages.get_archival(id, ids));
  for (const auto& p : stored) out.push_back(passage_view(p, a.embedding_config));
  return json_response(out);
}

ApiResult<http::Response> search_passages(ServerContext& s, const http::Request& req, const Caller& c) {
  const std::string& id = req.params[0];
  API_ASSIGN_OR_RETURN(store::AgentRecord a, s.agent_of(c, id));
  std::string query = query_str(req, "query");
  if (query.empty()) return invalid("query", "query parameter 'query' is required");
  API_ASSIGN_OR_RETURN(int64_t k, query_int(req, "top_k", 10, 1, 1000));
  // Filters this search cannot apply are refused, not ignored (ignoring them returns passages
  // the caller excluded).
  for (const char* filter : {"tags", "start_datetime", "end_datetime"}) {
    if (!query_str(req, filter).empty()) {
      return invalid(filter, fmt::format("'{}' is not supported by archival search here", filter));
    }
  }
  API_CHECK(runtime::check_agent_embedder(a, *s.archival.embedder));  // the query is embedded now
  API_ASSIGN_OR_RETURN(auto hits, s.agents.archival_of(a).search_archival(id, query, 0, k));
  Json results = Json::array();
  for (const auto& h : hits.hits) {
    results.push_back({{"id", h.passage.id}, {"content", h.passage.text}, {"timestamp", iso_time(h.passage.created_at)},
                       {"tags", h.passage.metadata.value("tags", Json::array())}});
  }
  return json_response({{"count", results.size()}, {"results", results}});
}

ApiResult<http::Response> delete_passage(ServerContext& s, const http::Request& req, const Caller& c) {
  const std::string &id = req.params[0], &pid = req.params[1];
  API_ASSIGN_OR_RETURN(store::AgentRecord a, s.agent_of(c, id));
  API_ASSIGN_OR_RETURN(int64_t n, s.agents.archival_of(a).delete_archival(id, {pid}));
  if (n == 0) return not_found_error(fmt::format("passage '{}' not found in agent '{}'", pid, id));
  return json_response(Json(nullptr));
}

}  // namespace

void add_memory_routes(ServerContext& s) {
  s.route("GET", {"/v1"}, "/agents/*/core-memory/blocks", [&s](auto& q, auto& c) -> ApiResult<http::Response> {
    API_ASSIGN_OR_RETURN(Json blocks, blocks_json(s, c, q.params[0]));
    API_ASSIGN_OR_RETURN(Json paged, paged_json(blocks, q, 100));
    return json_response(paged);
  });
  s.route("GET", {"/v1"}, "/agents/*/core-memory", [&s](auto& q, auto& c) -> ApiResult<http::Response> {
    API_ASSIGN_OR_RETURN(Json blocks, blocks_json(s, c, q.params[0]));
    return json_response({{"blocks", blocks}});
  });
  s.route("GET", {"/v1"}, "/agents/*/core-memory/blocks/*", [&s](auto& q, auto& c) -> ApiResult<http::Response> {
    API_ASSIGN_OR_RETURN(Json blocks, blocks_json(s, c, q.params[0]));
    for (const auto& b : blocks) {
      if (b["label"] == q.params[1]) return json_response(b);
    }
    return not_found_error(fmt::format("agent '{}' has no memory block '{}'", q.params[0], q.params[1]));
  });
  s.route("PATCH", {"/v1"}, "/agents/*/core-memory/blocks/*", [&s](auto& q, auto& c) { return update_block(s, q, c); });
  // MemGPT's /api/agents/{id}/memory: {core_memory: {label: value}, recall/archival counts}.
  s.route("GET", {"/api"}, "/agents/*/memory", [&s](auto& q, auto& c) -> ApiResult<http::Response> {
    const std::string& id = q.params[0];
    API_ASSIGN_OR_RETURN(store::AgentRecord a, s.agent_of(c, id));
    Json core = Json::object();
    for (const auto& b : a.state.memory) core[b.label] = b.value;
    API_ASSIGN_OR_RETURN(int64_t recall, s.agents.recall().count(id));
    API_ASSIGN_OR_RETURN(int64_t archival, s.agents.archival_of(a).count_archival(id));
    return json_response({{"core_memory", core}, {"recall_memory", recall}, {"archival_memory", archival}});
  });
  s.route("POST", {"/api"}, "/agents/*/memory", [&s](auto& q, auto& c) { return update_memory(s, q, c); });

  auto insert = [&s](auto& q, auto& c) { return insert_passage(s, q, c); };
  auto list = [&s](auto& q, auto& c) { return list_passages(s, q, c); };
  auto remove = [&s](auto& q, auto& c) { return delete_passage(s, q, c); };
  s.route("POST", {"/v1"}, "/agents/*/archival-memory", insert);
  s.route("POST", {"/api"}, "/agents/*/archival", insert);
  s.route("GET", {"/v1"}, "/agents/*/archival-memory", list);
  s.route("GET", {"/api"}, "/agents/*/archival", list);
  s.route("GET", {"/v1"}, "/agents/*/archival-memory/search", [&s](auto& q, auto& c) { return search_passages(s, q, c); });
  s.route("DELETE", {"/v1"}, "/agents/*/archival-memory/*", remove);
  s.route("DELETE", {"/api"}, "/agents/*/archival/*", remove);
}

}  // namespace memgpt::server
