#include "sources/ingest.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "sources/chunker.h"
#include "sources/document.h"
#include "sources/ingest_parts.h"
#include "sources/load_pipeline.h"
#include "util/clock.h"
#include "util/files.h"

namespace memgpt::sources {
namespace {

constexpr size_t kBatch = 128;  // passages embedded and stored together

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

std::vector<Passage> document_passages(const store::SourceRecord& source, const Document& doc,
                                       const ChunkOptions& chunking, const ModelLimit& limit, FitReport& fit,
                                       int64_t now, const std::string& file_id) {
  std::vector<Passage> out;
  for (auto& chunk : chunk_text_for_model(doc.text, chunking, limit, &fit)) {
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
    if (!file_id.empty()) p.metadata["file_id"] = file_id;
    out.push_back(std::move(p));
  }
  return out;
}

bool is_per_file(const Status& s) {
  return s.code() == ErrorCode::kInvalidArgument || s.code() == ErrorCode::kNotFound ||
         s.code() == ErrorCode::kPermissionDenied || s.code() == ErrorCode::kIo;
}

Status remove_ids(PassageStore& passages, const std::vector<Json>& ids) {
  if (ids.empty()) return {};
  return passages.vector_store().remove_ids(passages.passages_collection(), ids).status();
}

void add_fit(FitReport& total, const FitReport& part) {
  total.split += part.split;
  total.truncated += part.truncated;
  if (part.max_tokens > 0) total.max_tokens = part.max_tokens;
}

Result<FileList> collect_files(const LoadRequest& request) {
  namespace fs = std::filesystem;
  std::vector<std::string> exts = request.extensions;
  if (exts.empty()) exts = default_extensions();
  for (auto& e : exts) {
    e = lower(e);
    if (!e.empty() && e[0] != '.') e = "." + e;
    if (!is_supported_extension(e)) {
      return invalid_argument(fmt::format("extension '{}' is not supported", e));
    }
  }
  FileList list;
  for (const auto& f : request.input_files) {
    std::string path = expand_user(f);
    // A named file that is a broken or looping symbolic link is the reader's one-line error
    // for that file; only a name that is nothing at all is a mistake in the command.
    std::error_code ec;
    if (fs::symlink_status(path, ec).type() == fs::file_type::not_found) {
      return not_found(fmt::format("{}: no such file", f));
    }
    list.files.push_back(path);
  }
  if (!request.input_dir.empty()) {
    std::string dir = expand_user(request.input_dir);
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return not_found(fmt::format("{}: no such folder", request.input_dir));
    std::vector<std::string> found;
    // Folders still to read; symbolic links to folders are not followed (no loops).
    std::vector<fs::path> folders{dir};
    while (!folders.empty()) {
      fs::path folder = std::move(folders.back());
      folders.pop_back();
      fs::directory_iterator it(folder, ec);
      if (ec) {
        list.problems.push_back(fmt::format("{}: folder not readable ({})", folder.string(), ec.message()));
        continue;
      }
      for (; it != fs::directory_iterator(); it.increment(ec)) {
        const fs::directory_entry& e = *it;
        std::error_code sec;
        fs::file_status link = e.symlink_status(sec);
        if (fs::is_directory(link)) {
          if (request.recursive) folders.push_back(e.path());
          continue;
        }
        std::string ext = lower(e.path().extension().string());
        if (std::find(exts.begin(), exts.end(), ext) == exts.end()) continue;
        // Regular files, and symbolic links whatever they lead to (the reader names a loop or
        // a missing target); a link to a folder, a pipe or a device is passed over.
        fs::file_status target = e.status(sec);
        if (fs::is_regular_file(link) ||
            (fs::is_symlink(link) && (sec || fs::is_regular_file(target) || !fs::exists(target)))) {
          found.push_back(e.path().string());
        }
      }
      if (ec) list.problems.push_back(fmt::format("{}: folder not fully readable ({})", folder.string(), ec.message()));
    }
    std::sort(found.begin(), found.end());
    list.files.insert(list.files.end(), found.begin(), found.end());
  }
  if (request.input_files.empty() && request.input_dir.empty()) {
    return invalid_argument("name the files to load with --input-dir or --input-files");
  }
  if (list.files.empty()) {
    std::string names;
    for (const auto& e : exts) names += (names.empty() ? "" : ",") + e;
    return not_found(fmt::format("no files with extensions {} in {}", names, request.input_dir));
  }
  return list;
}

namespace {

// Everything on the calling thread, one batch after the other: the reference the pipeline's
// result is checked against (request.threads = 1).
Result<LoadReport> ingest_files_in_one_thread(PassageStore& passages, const store::SourceRecord& source,
                                              const std::vector<std::string>& files, const LoadRequest& request,
                                              const LoadProgress& progress) {
  LoadReport report;
  report.source = source;
  report.files = files.size();
  const ChunkOptions chunking{request.chunk_tokens, request.overlap_tokens};
  const ModelLimit limit = model_limit(passages.embedder());
  int64_t now = SystemClock::instance().now_ms();
  auto cancelled = [&] { return progress.cancel && progress.cancel->load(); };
  std::vector<Passage> pending;
  std::vector<Json> file_ids;  // passages of the current file already stored
  Status store_error;          // storing failed: the store's problem, not the file's
  auto flush = [&]() -> Status {
    if (pending.empty()) return {};
    std::vector<std::string> texts;
    texts.reserve(pending.size());
    for (const auto& p : pending) texts.push_back(p.text);
    MEMGPT_ASSIGN_OR_RETURN(auto vectors, passages.embedder().embed(texts));
    for (size_t k = 0; k < pending.size(); ++k) pending[k].embedding = std::move(vectors[k]);
    store_error = passages.upsert_source_passages(pending);
    MEMGPT_RETURN_IF_ERROR(store_error);
    for (const auto& p : pending) file_ids.push_back(p.id);
    report.passages += static_cast<int64_t>(pending.size());
    pending.clear();
    if (progress.on_passages) progress.on_passages(report.passages);
    return {};
  };
  for (size_t i = 0; i < files.size(); ++i) {
    if (cancelled()) return Status(ErrorCode::kCancelled, "cancelled");
    const std::string& file = files[i];
    if (progress.on_file) progress.on_file(i, files.size(), file);
    int64_t docs_before = report.documents;
    int64_t passages_before = report.passages;
    file_ids.clear();
    ReadOptions read_options;
    read_options.strict = request.strict;
    read_options.warn = [&](const std::string& w) {
      report.warnings.push_back(w);
      if (progress.on_warning) progress.on_warning(w);
    };
    Status s = read_documents(file, [&](Document doc) -> Status {
      if (cancelled()) return Status(ErrorCode::kCancelled, "cancelled");
      ++report.documents;
      for (auto& p : document_passages(source, doc, chunking, limit, report.fit, now, "")) {
        pending.push_back(std::move(p));
        if (pending.size() >= kBatch) MEMGPT_RETURN_IF_ERROR(flush());
      }
      return {};
    }, read_options);
    if (s.ok()) s = flush();
    if (s.ok()) continue;
    if (!store_error.ok() || !is_per_file(s) || request.strict) return s;
    // The file is skipped whole: what it stored so far comes out again.
    pending.clear();
    MEMGPT_RETURN_IF_ERROR(remove_ids(passages, file_ids));
    report.documents = docs_before;
    report.passages = passages_before;
    report.skipped.push_back(s.message());
    if (progress.on_warning) progress.on_warning("skipped " + s.message());
  }
  if (progress.on_file) progress.on_file(files.size(), files.size(), "");
  return report;
}

}  // namespace

int load_threads(const LoadRequest& request) {
  if (request.threads > 0) return request.threads;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

Result<LoadReport> ingest_files(PassageStore& passages, const store::SourceRecord& source,
                                const std::vector<std::string>& files, const LoadRequest& request,
                                const LoadProgress& progress) {
  const int threads = load_threads(request);
  if (threads == 1) return ingest_files_in_one_thread(passages, source, files, request, progress);
  return ingest_files_pipelined(passages, source, files, request, progress, threads);
}

Result<FileLoadReport> ingest_file(PassageStore& passages, const store::SourceRecord& source,
                                   const std::string& path, const FileIngest& how) {
  MEMGPT_RETURN_IF_ERROR(passages.ensure_collections());
  FileLoadReport report;
  const ModelLimit limit = model_limit(passages.embedder());
  std::vector<Passage> all;
  int64_t now = SystemClock::instance().now_ms();
  ReadOptions read_options;
  read_options.name = how.name.empty() ? std::filesystem::path(path).filename().string() : how.name;
  read_options.warn = [&](const std::string& w) { report.warnings.push_back(w); };
  MEMGPT_RETURN_IF_ERROR(read_documents(path, [&](Document doc) -> Status {
    ++report.documents;
    for (auto& p : document_passages(source, doc, {how.chunk_tokens, how.overlap_tokens}, limit, report.fit, now,
                                     how.file_id)) {
      all.push_back(std::move(p));
    }
    return {};
  }, read_options));
  if (all.empty()) return invalid_argument(fmt::format("{}: holds no text to load", read_options.name));
  for (size_t i = 0; i < all.size(); i += kBatch) {
    std::vector<Passage> batch(all.begin() + static_cast<ptrdiff_t>(i),
                               all.begin() + static_cast<ptrdiff_t>(std::min(all.size(), i + kBatch)));
    Status s = passages.upsert_source_passages(batch);
    if (!s.ok()) {
      std::vector<Json> ids;
      for (const auto& p : all) ids.push_back(p.id);
      (void)remove_ids(passages, ids);
      return s;
    }
  }
  report.passages = static_cast<int64_t>(all.size());
  return report;
}

}  // namespace memgpt::sources
