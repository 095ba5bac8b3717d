// Data sources: /v1/folders (Letta 1.x) and /v1/sources (Letta 0.x, and MemGPT's /api/sources)
// are the same records: create, list, get, modify, delete, upload a file, its files, passages
// and agents; attaching to and detaching from agents; jobs (uploads finish inside the request).
#include <filesystem>

#include <fmt/format.h>

#include "server/letta_views.h"
#include "server/request_fields.h"
#include "server/routes.h"
#include "sources/ingest.h"
#include "util/clock.h"
#include "util/files.h"

namespace memgpt::server {
namespace {

// Upload names become a file name inside a private temporary folder: anything that could
// climb out of it or hide (separators, "..", control characters) is refused.
ApiResult<std::string> safe_upload_name(const std::string& name) {
  if (name.empty()) return bad_request("the uploaded file has no name");
  if (name.size() > 255) return bad_request("the uploaded file name is longer than 255 bytes");
  if (name == "." || name == ".." || name.find('/') != std::string::npos || name.find('\\') != std::string::npos) {
    return bad_request(fmt::format("invalid file name '{}': names cannot contain path separators or be '.' / '..'", name));
  }
  for (unsigned char ch : name) {
    if (ch < 0x20 || ch == 0x7f) return bad_request("invalid file name: control characters are not allowed");
  }
  return name;
}

// A private temporary folder, removed with what it holds.
struct TempFolder {
  std::filesystem::path path;
  ~TempFolder() {
    std::error_code e;
    if (!path.empty()) std::filesystem::remove_all(path, e);
  }
};

ApiError dimension_mismatch(const store::SourceRecord& source, int dim) {
  return conflict(fmt::format("source '{}' was embedded with {} dimensions; this server embeds with {}", source.name,
                              source.embedding_dim, dim));
}

ApiResult<http::Response> upload_file(ServerContext& s, const http::Request& req, const Caller& c, bool as_job) {
  const std::string& sid = req.params[0];
  API_ASSIGN_OR_RETURN(store::SourceRecord source, s.source_of(c, sid));
  const http::FilePart* part = req.file("file");
  if (!req.is_multipart() || !part) {
    return invalid("file", "upload the file as multipart/form-data in a field named 'file'");
  }
  std::string requested = query_str(req, "name");
  API_ASSIGN_OR_RETURN(std::string name, safe_upload_name(requested.empty() ? part->filename : requested));
  auto& passages = *s.archival.passages;
  if (source.embedding_dim != passages.dim()) return dimension_mismatch(source, passages.dim());
  API_ASSIGN_OR_RETURN(auto existing, s.app.store->list_files(sid));
  for (const auto& f : existing) {
    if (f.file_name == name) return conflict(fmt::format("source '{}' already has a file named '{}'", source.name, name));
  }
  // The loaders read files by path: write the upload into a fresh private folder.
  std::error_code ec;
  TempFolder dir{std::filesystem::temp_directory_path() / ("memgpt-upload-" + new_uuid())};
  std::filesystem::create_directories(dir.path, ec);
  if (ec) return ApiError{500, "cannot create a temporary folder for the upload", ""};
  std::filesystem::permissions(dir.path, std::filesystem::perms::owner_all, ec);
  auto path = dir.path / name;
  API_CHECK(write_file_atomic(path.string(), part->content));
  auto report = sources::add_file(*s.app.store, passages, source, path.string());
  if (!report.ok()) {
    ApiError e = public_error(report.status());
    if (e.status == 400) e.status = 422;  // the file's content is what was wrong
    e.field = "file";
    return e;
  }
  store::FileRecord f;
  f.user_id = c.user_id;
  f.source_id = sid;
  f.file_name = name;
  f.file_type = part->content_type;
  f.file_size = static_cast<int64_t>(part->content.size());
  f.passages = report->passages;
  API_ASSIGN_OR_RETURN(f, s.app.store->add_file(f));
  // Agents the source is attached to see the new passages at once.
  API_ASSIGN_OR_RETURN(auto agents, s.app.store->list_source_agents(sid));
  for (const auto& agent_id : agents) API_CHECK(passages.attach_source(sid, agent_id, c.user_id));
  if (!as_job) return json_response(file_view(f));
  return json_response({{"id", "job-" + f.id},
                        {"status", "completed"},
                        {"job_type", "job"},
                        {"created_at", iso_time(f.created_at)},
                        {"completed_at", iso_time(f.created_at)},
                        {"metadata", {{"type", "embedding"}, {"source_id", sid}, {"file_id", f.id},
                                      {"num_passages", report->passages}, {"num_documents", report->documents}}}});
}

ApiResult<http::Response> create_source(ServerContext& s, const http::Request& req, const Caller& c) {
  API_ASSIGN_OR_RETURN(Json body, parse_body(req));
  API_ASSIGN_OR_RETURN(std::string name, req_str(body, "name"));
  if (name.empty()) return invalid("name", "'name' cannot be empty");
  API_CHECK(s.check_embedding(body));
  if (s.app.store->get_source_by_name(c.user_id, name).ok()) {
    return conflict(fmt::format("a source named '{}' already exists", name));
  }
  API_ASSIGN_OR_RETURN(auto description, opt_str(body, "description"));
  API_CHECK(s.archival.passages->ensure_collections());
  store::SourceRecord src;
  src.user_id = c.user_id;
  src.name = name;
  src.description = description.value_or("");
  src.embedding_endpoint_type = s.archival.embedder->endpoint_type();
  src.embedding_model = s.archival.embedder->model();
  src.embedding_dim = s.archival.embedder->dim();
  API_ASSIGN_OR_RETURN(src, s.app.store->create_source(src));
  return json_response(source_view(src));
}

ApiResult<http::Response> update_source(ServerContext& s, const http::Request& req, const Caller& c) {
  API_ASSIGN_OR_RETURN(Json body, parse_body(req));
  API_ASSIGN_OR_RETURN(store::SourceRecord src, s.source_of(c, req.params[0]));
  API_ASSIGN_OR_RETURN(auto name, opt_str(body, "name"));
  API_ASSIGN_OR_RETURN(auto description, opt_str(body, "description"));
  if (name) {
    auto other = s.app.store->get_source_by_name(c.user_id, *name);
    if (other.ok() && other->id != src.id) return conflict(fmt::format("a source named '{}' already exists", *name));
    if (name->empty()) return invalid("name", "'name' cannot be empty");
    src.name = *name;
  }
  if (description) src.description = *description;
  API_CHECK(s.app.store->update_source(src));
  API_ASSIGN_OR_RETURN(src, s.app.store->get_source(src.id));
  return json_response(source_view(src));
}

// Deleting a source detaches it from every agent first (their copies of its passages go).
ApiResult<http::Response> delete_source(ServerContext& s, const http::Request& req, const Caller& c) {
  API_ASSIGN_OR_RETURN(store::SourceRecord src, s.source_of(c, req.params[0]));
  API_ASSIGN_OR_RETURN(auto agents, s.app.store->list_source_agents(src.id));
  for (const auto& agent_id : agents) {
    auto removed = s.agents.detach_source(agent_id, src);
    if (!removed.ok() && removed.status().code() != ErrorCode::kNotFound) return removed.status();
  }
  API_CHECK(sources::delete_source(*s.app.store, *s.archival.passages, src));
  return json_response(Json(nullptr));
}

ApiResult<Ok> attach(ServerContext& s, const Caller& c, const std::string& agent_id, const std::string& source_id,
                     bool attach) {
  API_CHECK(s.agent_of(c, agent_id));
  API_ASSIGN_OR_RETURN(store::SourceRecord src, s.source_of(c, source_id));
  if (attach) {
    if (src.embedding_dim != s.archival.passages->dim()) return dimension_mismatch(src, s.archival.passages->dim());
    API_CHECK(s.agents.attach_source(agent_id, src));
  } else {
    auto removed = s.agents.detach_source(agent_id, src);
    if (!removed.ok() && removed.status().code() != ErrorCode::kNotFound) return removed.status();
  }
  return Ok{};
}

ApiResult<http::Response> agent_view_of(ServerContext& s, const Caller& c, const std::string& id) {
  API_ASSIGN_OR_RETURN(auto agent, s.agent_of(c, id));
  API_ASSIGN_OR_RETURN(Json view, s.agent_json(agent));
  return json_response(view);
}

void add_kind(ServerContext& s, const std::string& kind, bool folders) {
  const std::vector<const char*> prefixes = folders ? std::vector<const char*>{"/v1"} : std::vector<const char*>{"/v1", "/api"};
  s.route("POST", prefixes, kind, [&s](auto& q, auto& c) { return create_source(s, q, c); });
  s.route("GET", prefixes, kind, [&s](auto& q, auto& c) -> ApiResult<http::Response> {
    API_ASSIGN_OR_RETURN(auto all, s.app.store->list_sources(c.user_id));
    std::string name = query_str(q, "name");
    if (!name.empty()) std::erase_if(all, [&](const auto& src) { return src.name != name; });
    API_ASSIGN_OR_RETURN(auto paged, page(std::move(all), q, [](const auto& src) { return src.id; }, 100));
    Json out = Json::array();
    for (const auto& src : paged) out.push_back(source_view(src));
    return json_response(out);
  });
  s.route("GET", prefixes, kind + "/*", [&s](auto& q, auto& c) -> ApiResult<http::Response> {
    API_ASSIGN_OR_RETURN(auto src, s.source_of(c, q.params[0]));
    return json_response(source_view(src));
  });
  s.route("PATCH", prefixes, kind + "/*", [&s](auto& q, auto& c) { return update_source(s, q, c); });
  s.route("DELETE", prefixes, kind + "/*", [&s](auto& q, auto& c) { return delete_source(s, q, c); });
  s.route("POST", prefixes, kind + "/*/upload", [&s, folders](auto& q, auto& c) { return upload_file(s, q, c, !folders); });
  s.route("GET", prefixes, kind + "/*/files", [&s](auto& q, auto& c) -> ApiResult<http::Response> {
    API_CHECK(s.source_of(c, q.params[0]));
    API_ASSIGN_OR_RETURN(auto files, s.app.store->list_files(q.params[0]));
    API_ASSIGN_OR_RETURN(auto paged, page(std::move(files), q, [](const auto& f) { return f.id; }, 100));
    Json out = Json::array();
    for (const auto& f : paged) out.push_back(file_view(f));
    return json_response(out);
  });
  s.route("GET", prefixes, kind + "/*/files/*", [&s](auto& q, auto& c) -> ApiResult<http::Response> {
    API_CHECK(s.source_of(c, q.params[0]));
    auto f = s.app.store->get_file(q.params[1]);
    if (!f.ok() || f->source_id != q.params[0]) return not_found_error(fmt::format("file '{}' not found", q.params[1]));
    return json_response(file_view(*f));
  });
  s.route("GET", prefixes, kind + "/*/agents", [&s](auto& q, auto& c) -> ApiResult<http::Response> {
    API_CHECK(s.source_of(c, q.params[0]));
    API_ASSIGN_OR_RETURN(auto agents, s.app.store->list_source_agents(q.params[0]));
    return json_response(agents);
  });
  s.route("GET", prefixes, kind + "/*/passages", [&s](auto& q, auto& c) -> ApiResult<http::Response> {
    API_ASSIGN_OR_RETURN(store::SourceRecord src, s.source_of(c, q.params[0]));
    API_ASSIGN_OR_RETURN(int64_t limit, query_int(q, "limit", 100, 1, 1000));
    store::AgentEmbeddingConfig emb = source_embedding(src);
    API_ASSIGN_OR_RETURN(auto passages, s.archival.passages->list_source_passages(src.id, 0, limit));
    Json out = Json::array();
    for (const auto& p : passages) out.push_back(passage_view(p, emb));
    return json_response(out);
  });
  s.route("PATCH", {"/v1"}, "/agents/*" + kind + "/attach/*", [&s](auto& q, auto& c) -> ApiResult<http::Response> {
    API_CHECK(attach(s, c, q.params[0], q.params[1], true));
    return agent_view_of(s, c, q.params[0]);
  });
  s.route("PATCH", {"/v1"}, "/agents/*" + kind + "/detach/*", [&s](auto& q, auto& c) -> ApiResult<http::Response> {
    API_CHECK(attach(s, c, q.params[0], q.params[1], false));
    return agent_view_of(s, c, q.params[0]);
  });
  s.route("GET", {"/v1"}, "/agents/*" + kind, [&s](auto& q, auto& c) -> ApiResult<http::Response> {
    API_CHECK(s.agent_of(c, q.params[0]));
    API_ASSIGN_OR_RETURN(auto attached, s.app.store->list_agent_sources(q.params[0]));
    Json out = Json::array();
    for (const auto& src : attached) out.push_back(source_view(src));
    API_ASSIGN_OR_RETURN(Json paged, paged_json(out, q, 100));
    return json_response(paged);
  });
}

}  // namespace

void add_source_routes(ServerContext& s) {
  add_kind(s, "/sources", false);
  add_kind(s, "/folders", true);
  // MemGPT: POST /api/sources/{id}/attach?agent_id=... and /detach.
  for (bool attaching : {true, false}) {
    s.route("POST", {"/api"}, attaching ? "/sources/*/attach" : "/sources/*/detach",
            [&s, attaching](auto& q, auto& c) -> ApiResult<http::Response> {
              std::string agent_id = query_str(q, "agent_id");
              if (agent_id.empty()) return invalid("agent_id", "query parameter 'agent_id' is required");
              API_CHECK(attach(s, c, agent_id, q.params[0], attaching));
              API_ASSIGN_OR_RETURN(auto src, s.source_of(c, q.params[0]));
              return json_response(source_view(src));
            });
  }
  // Jobs: uploads run to completion inside the request, so a job is its file's record.
  s.route("GET", {"/v1", "/api"}, "/jobs/*", [&s](auto& q, auto& c) -> ApiResult<http::Response> {
    const std::string& jid = q.params[0];
    if (jid.rfind("job-", 0) != 0) return not_found_error(fmt::format("job '{}' not found", jid));
    auto f = s.app.store->get_file(jid.substr(4));
    if (!f.ok() || f->user_id != c.user_id) return not_found_error(fmt::format("job '{}' not found", jid));
    return json_response({{"id", jid}, {"status", "completed"}, {"job_type", "job"},
                          {"created_at", iso_time(f->created_at)}, {"completed_at", iso_time(f->created_at)},
                          {"metadata", {{"source_id", f->source_id}, {"file_id", f->id}, {"num_passages", f->passages}}}});
  });
}

}  // namespace memgpt::server
