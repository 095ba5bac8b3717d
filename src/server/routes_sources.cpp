// Data sources: /v1/folders (Letta 1.x) and /v1/sources (Letta 0.x, and MemGPT's /api/sources)
// are the same records: create, list, get, modify, delete, upload a file, its files, passages
// and agents; attaching to and detaching from agents; jobs (uploads finish inside the request).
#include <fmt/format.h>

#include "server/letta_views.h"
#include "server/request_fields.h"
#include "server/routes.h"
#include "util/clock.h"

namespace memgpt::server {
namespace {

// Uploads go through runtime::SourcesService: the file is recorded as loading until all its
// passages are stored (a crash leaves it for recover() when the server starts again).
ApiResult<http::Response> upload_file(ServerContext& s, const http::Request& req, const Caller& c, bool as_job) {
  const std::string& sid = req.params[0];
  API_ASSIGN_OR_RETURN(store::SourceRecord source, s.source_of(c, sid));
  const http::FilePart* part = req.file("file");
  if (!req.is_multipart() || !part) {
    return invalid("file", "upload the file as multipart/form-data in a field named 'file'");
  }
  std::string requested = query_str(req, "name");
  runtime::UploadRequest upload;
  upload.source = source;
  upload.file_name = requested.empty() ? part->filename : requested;
  upload.content_type = part->content_type;
  upload.content = part->content;
  if (Status named = runtime::check_upload_name(upload.file_name); !named.ok()) return bad_request(named.message());
  auto report = s.sources.upload(upload);
  if (!report.ok()) {
    ApiError e = public_error(report.status());
    if (e.status == 400) {  // the file's content is what was wrong
      e.status = 422;
      e.field = "file";
    }
    return e;
  }
  const store::FileRecord& f = report->file;
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

// Deleting a source detaches it from every agent first (their copies of its passages go), in
// the order runtime::SourcesService keeps across crashes.
ApiResult<http::Response> delete_source(ServerContext& s, const http::Request& req, const Caller& c) {
  API_ASSIGN_OR_RETURN(store::SourceRecord src, s.source_of(c, req.params[0]));
  API_CHECK(s.sources.remove(src));
  return json_response(Json(nullptr));
}

ApiResult<Ok> attach(ServerContext& s, const Caller& c, const std::string& agent_id, const std::string& source_id,
                     bool attach) {
  API_CHECK(s.agent_of(c, agent_id));
  API_ASSIGN_OR_RETURN(store::SourceRecord src, s.source_of(c, source_id));
  if (attach) {
    API_CHECK(s.agents.attach_source(agent_id, src));  // refuses a source of another embedder
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
    // A file still loading is not one of the source's files yet (as in the listing).
    if (!f.ok() || f->source_id != q.params[0] || f->status == "loading") {
      return not_found_error(fmt::format("file '{}' not found", q.params[1]));
    }
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
    API_ASSIGN_OR_RETURN(auto passages,
                         s.archival.passages->in(sources::space_of(src)).list_source_passages(src.id, limit));
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
    const char* status = f->status == "loading" ? "running" : f->status == "completed" ? "completed" : "failed";
    return json_response({{"id", jid}, {"status", status}, {"job_type", "job"},
                          {"created_at", iso_time(f->created_at)}, {"completed_at", iso_time(f->created_at)},
                          {"metadata", {{"source_id", f->source_id}, {"file_id", f->id}, {"num_passages", f->passages}}}});
  });
}

}  // namespace memgpt::server
