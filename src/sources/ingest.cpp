#include "sources/ingest.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "sources/chunker.h"
#include "sources/document.h"
#include "util/clock.h"
#include "util/files.h"

namespace memgpt::sources {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// The passages of one document of a source: chunked, with ids stable across loads.
std::vector<Passage> document_passages(const store::SourceRecord& source, const Document& doc,
                                       const ChunkOptions& chunking, int64_t now) {
  std::vector<Passage> out;
  for (auto& chunk : chunk_text(doc.text, chunking)) {
    Passage p;
    p.id = passage_id({source.id, doc.doc_id(), chunk});
    p.text = std::move(chunk);
    p.user_id = source.user_id;
    p.source_id = source.id;
    p.data_source = source.name;
    p.doc_id = doc.doc_id();
    p.created_at = now;
    p.metadata = doc.metadata;
    p.metadata["file"] = std::filesystem::path(doc.path).filename().string();
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace

Result<std::vector<std::string>> collect_files(const LoadRequest& request) {
  std::vector<std::string> exts = request.extensions;
  if (exts.empty()) exts = default_extensions();
  for (auto& e : exts) {
    e = lower(e);
    if (!e.empty() && e[0] != '.') e = "." + e;
    if (!is_supported_extension(e)) {
      return invalid_argument(fmt::format("extension '{}' is not supported", e));
    }
  }
  std::vector<std::string> files;
  for (const auto& f : request.input_files) {
    std::string path = expand_user(f);
    if (!std::filesystem::exists(path)) return not_found(fmt::format("{}: no such file", f));
    files.push_back(path);
  }
  if (!request.input_dir.empty()) {
    std::string dir = expand_user(request.input_dir);
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
      return not_found(fmt::format("{}: no such folder", request.input_dir));
    }
    std::vector<std::string> found;
    auto consider = [&](const std::filesystem::directory_entry& e) {
      if (!e.is_regular_file()) return;
      std::string ext = lower(e.path().extension().string());
      if (std::find(exts.begin(), exts.end(), ext) != exts.end()) found.push_back(e.path().string());
    };
    if (request.recursive) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(
               dir, std::filesystem::directory_options::skip_permission_denied, ec)) {
        consider(e);
      }
    } else {
      for (const auto& e : std::filesystem::directory_iterator(dir, ec)) consider(e);
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  if (request.input_files.empty() && request.input_dir.empty()) {
    return invalid_argument("name the files to load with --input-dir or --input-files");
  }
  if (files.empty()) {
    std::string list;
    for (const auto& e : exts) list += (list.empty() ? "" : ",") + e;
    return not_found(fmt::format("no files with extensions {} in {}", list, request.input_dir));
  }
  return files;
}

Result<LoadReport> load_source(store::MetadataStore& meta, PassageStore& passages,
                               const LoadRequest& request, const LoadProgress& progress) {
  if (request.name.empty()) return invalid_argument("a source needs a name (--name)");
  MEMGPT_ASSIGN_OR_RETURN(auto files, collect_files(request));
  if (meta.get_source_by_name(request.user_id, request.name).ok()) {
    return already_exists(fmt::format(
        "a source named '{}' already exists (delete it first with `memgpt delete source {}`)",
        request.name, request.name));
  }
  MEMGPT_RETURN_IF_ERROR(passages.ensure_collections());
  store::SourceRecord rec;
  rec.user_id = request.user_id;
  rec.name = request.name;
  rec.description = request.description;
  rec.embedding_endpoint_type = passages.embedder().endpoint_type();
  rec.embedding_model = passages.embedder().model();
  rec.embedding_dim = passages.dim();
  MEMGPT_ASSIGN_OR_RETURN(rec, meta.create_source(rec));

  LoadReport report;
  report.source = rec;
  report.files = files.size();
  auto rollback = [&](Status why) -> Status {
    (void)passages.delete_source_passages(rec.id);
    (void)meta.delete_source(rec.id);
    return why;
  };
  int64_t now = SystemClock::instance().now_ms();
  std::vector<Passage> pending;
  auto flush = [&]() -> Status {
    if (pending.empty()) return {};
    MEMGPT_RETURN_IF_ERROR(passages.upsert_source_passages(pending));
    report.passages += static_cast<int64_t>(pending.size());
    pending.clear();
    if (progress.on_passages) progress.on_passages(report.passages);
    return {};
  };
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string& file = files[i];
    if (progress.on_file) progress.on_file(i, files.size(), file);
    int64_t docs_before = report.documents;
    ReadOptions read_options;
    read_options.strict = request.strict;
    read_options.warn = [&](const std::string& w) {
      report.warnings.push_back(w);
      if (progress.on_warning) progress.on_warning(w);
    };
    Status s = read_documents(file, [&](Document doc) -> Status {
      if (progress.cancel && progress.cancel->load()) return Status(ErrorCode::kCancelled, "cancelled");
      ++report.documents;
      for (auto& p : document_passages(rec, doc, {request.chunk_tokens, request.overlap_tokens}, now)) {
        pending.push_back(std::move(p));
        if (pending.size() >= 128) MEMGPT_RETURN_IF_ERROR(flush());
      }
      return {};
    }, read_options);
    if (s.ok()) s = flush();
    if (!s.ok()) {
      bool per_file = s.code() == ErrorCode::kInvalidArgument || s.code() == ErrorCode::kNotFound ||
                      s.code() == ErrorCode::kPermissionDenied || s.code() == ErrorCode::kIo;
      if (!per_file || request.strict) return rollback(s);
      // The file's passages stored so far stay out: drop what this file added.
      report.documents = docs_before;
      pending.clear();
      report.skipped.push_back(s.message());
      if (progress.on_warning) progress.on_warning("skipped " + s.message());
    }
  }
  if (progress.on_file) progress.on_file(files.size(), files.size(), "");
  MEMGPT_ASSIGN_OR_RETURN(int64_t stored, passages.count_source_passages(rec.id));
  if (stored == 0) {
    return rollback(invalid_argument(
        report.skipped.empty() ? "the files hold no text to load"
                               : fmt::format("nothing could be loaded ({} file{} skipped)",
                                             report.skipped.size(), report.skipped.size() == 1 ? "" : "s")));
  }
  report.passages = stored;
  rec.metadata = {{"files", files.size() - report.skipped.size()},
                  {"documents", report.documents},
                  {"passages", stored}};
  MEMGPT_RETURN_IF_ERROR(meta.update_source(rec));
  report.source = rec;
  return report;
}

Result<FileLoadReport> add_file(store::MetadataStore& meta, PassageStore& passages,
                                const store::SourceRecord& source, const std::string& path,
                                int chunk_tokens, int overlap_tokens) {
  MEMGPT_RETURN_IF_ERROR(passages.ensure_collections());
  FileLoadReport report;
  std::vector<Passage> all;
  int64_t now = SystemClock::instance().now_ms();
  // Messages name the file by its name only: the path is the server's temporary folder.
  ReadOptions read_options;
  read_options.name = std::filesystem::path(path).filename().string();
  MEMGPT_RETURN_IF_ERROR(read_documents(path, [&](Document doc) -> Status {
    ++report.documents;
    for (auto& p : document_passages(source, doc, {chunk_tokens, overlap_tokens}, now)) all.push_back(std::move(p));
    return {};
  }, read_options));
  if (all.empty()) {
    return invalid_argument(fmt::format("{} holds no text to load", std::filesystem::path(path).filename().string()));
  }
  for (size_t i = 0; i < all.size(); i += 128) {
    std::vector<Passage> batch(all.begin() + static_cast<ptrdiff_t>(i),
                               all.begin() + static_cast<ptrdiff_t>(std::min(all.size(), i + 128)));
    Status s = passages.upsert_source_passages(batch);
    if (!s.ok()) {
      std::vector<Json> ids;
      for (const auto& p : all) ids.push_back(p.id);
      (void)passages.vector_store().remove_ids(passages.passages_collection(), ids);
      return s;
    }
  }
  report.passages = static_cast<int64_t>(all.size());
  store::SourceRecord updated = source;
  MEMGPT_ASSIGN_OR_RETURN(int64_t stored, passages.count_source_passages(source.id));
  if (!updated.metadata.is_object()) updated.metadata = Json::object();
  updated.metadata["passages"] = stored;
  updated.metadata["files"] = updated.metadata.value("files", 0) + 1;
  updated.metadata["documents"] = updated.metadata.value("documents", int64_t{0}) + report.documents;
  MEMGPT_RETURN_IF_ERROR(meta.update_source(updated));
  return report;
}

Status delete_source(store::MetadataStore& meta, PassageStore& passages,
                     const store::SourceRecord& source) {
  if (source.embedding_dim == passages.dim()) {
    MEMGPT_RETURN_IF_ERROR(passages.delete_source_passages(source.id).status());
  }
  return meta.delete_source(source.id);
}

}  // namespace memgpt::sources
