#include "runtime/sources_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "runtime/embedder_records.h"
#include "util/clock.h"
#include "util/files.h"

namespace memgpt::runtime {
namespace {

using store::SourceRecord;
using store::SourceState;

// How long an upload or delete waits for another upload or delete of the same source.
constexpr std::chrono::milliseconds kSourceWait{30000};

// Held for the whole of a load: names the user and the source name (the record may not exist
// yet, and a crashed load's record is found by its name).
std::string load_key(const std::string& user_id, const std::string& name) {
  return "source-load-" + sources::passage_id({user_id, name});
}
// Held by uploads to, re-embeds and the delete of an existing source.
std::string source_key(const std::string& source_id) { return "source-" + sources::passage_id({source_id}); }

bool is_busy(const Status& s) { return AgentLocks::is_busy(s); }

// Where the upload of file `file_id` is written for the loaders (which read by path). Named by
// the file so that recover() removes what a crash left behind along with the file's passages.
std::filesystem::path upload_folder_of(const std::string& file_id) {
  std::error_code ec;
  std::filesystem::path tmp = std::filesystem::temp_directory_path(ec);
  if (ec) tmp = "/tmp";
  return tmp / ("memgpt-upload-" + file_id);
}

// A private folder for one upload, removed with everything in it.
class UploadFolder {
 public:
  explicit UploadFolder(const std::string& file_id) : path_(upload_folder_of(file_id)) {}
  ~UploadFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  Status create() {
    std::error_code ec;
    std::filesystem::create_directories(path_, ec);
    if (ec) return io_error("cannot create a temporary folder for the upload");
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all, ec);
    return {};
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace

Status check_upload_name(std::string_view name) {
  if (name.empty()) return invalid_argument("the uploaded file has no name");
  if (name.size() > 255) return invalid_argument("the uploaded file name is longer than 255 bytes");
  if (name == "." || name == ".." || name.find('/') != std::string_view::npos ||
      name.find('\\') != std::string_view::npos) {
    return invalid_argument(
        fmt::format("invalid file name '{}': names cannot contain path separators or be '.' / '..'", name));
  }
  for (unsigned char ch : name) {
    if (ch < 0x20 || ch == 0x7f) return invalid_argument("invalid file name: control characters are not allowed");
  }
  return {};
}

SourcesService::SourcesService(store::MetadataStore& meta, sources::PassageStore& passages, std::string sqlite_path)
    : meta_(meta), passages_(passages), locks_(meta.shared_db(), std::move(sqlite_path)) {}

SourcesService::SourcesService(AppContext& ctx, Archival& archival)
    : SourcesService(*ctx.store, *archival.passages,
                     ctx.config.metadata_storage.type == "sqlite" ? ctx.config.sqlite_path() : "") {}

Result<AgentLocks::Guard> SourcesService::lock(const std::string& key, std::chrono::milliseconds wait) {
  return locks_.acquire(key, wait);
}

Result<AgentLocks::Guard> SourcesService::hold(const SourceRecord& source) {
  auto guard = lock(source_key(source.id), kSourceWait);
  if (!guard.ok() && is_busy(guard.status())) {
    return failed_precondition(fmt::format("source '{}' is busy with an upload, a delete or a re-embed; try again",
                                           source.name));
  }
  return guard;
}

Status SourcesService::remove_staged_reembed(const SourceRecord& source) {
  auto pending = meta_.get_reembed(source.id);
  if (!pending.ok()) return pending.status().code() == ErrorCode::kNotFound ? Status() : pending.status();
  sources::PassageStore staged = passages_.in(sources::space_of(pending->to, source.embedding_dim));
  MEMGPT_RETURN_IF_ERROR(staged.remove_owner(false, "source_id", source.id).status());
  return meta_.delete_reembed(source.id);
}

Status SourcesService::discard_load(const SourceRecord& source) {
  MEMGPT_RETURN_IF_ERROR(passages_.remove_source_everywhere(source).status());
  Status s = meta_.delete_source(source.id);
  return s.code() == ErrorCode::kNotFound ? Status() : s;
}

Result<SourceDeleteReport> SourcesService::finish_delete(const SourceRecord& source,
                                                         std::vector<std::string> detached) {
  SourceDeleteReport report;
  report.detached_agents = std::move(detached);
  // New vectors an interrupted re-embed left beside the old ones go too.
  MEMGPT_RETURN_IF_ERROR(remove_staged_reembed(source));
  MEMGPT_ASSIGN_OR_RETURN(auto removed, passages_.remove_source_everywhere(source));
  report.passages = removed.passages;
  report.archival_copies = removed.archival_copies;
  Status s = meta_.delete_source(source.id);
  if (!s.ok() && s.code() != ErrorCode::kNotFound) return s;
  return report;
}

Status SourcesService::settle_unfinished(const SourceRecord& source) {
  if (source.state == SourceState::kLoading) {
    MEMGPT_ASSIGN_OR_RETURN(auto guard, lock(load_key(source.user_id, source.name), std::chrono::milliseconds(0)));
    return discard_load(source);
  }
  MEMGPT_ASSIGN_OR_RETURN(auto guard, lock(source_key(source.id), std::chrono::milliseconds(0)));
  return finish_delete(source, {}).status();
}

Result<int> SourcesService::recover() {
  int settled = 0;
  Status first_error;
  auto note = [&](const Status& s) {
    if (s.ok()) ++settled;
    else if (!is_busy(s) && first_error.ok()) first_error = s;
  };
  MEMGPT_ASSIGN_OR_RETURN(auto unfinished, meta_.list_unfinished_sources());
  for (const auto& source : unfinished) note(settle_unfinished(source));
  MEMGPT_ASSIGN_OR_RETURN(auto files, meta_.list_unfinished_files());
  for (const auto& file : files) {
    auto guard = lock(source_key(file.source_id), std::chrono::milliseconds(0));
    if (!guard.ok()) continue;  // an upload is running
    auto source = meta_.get_source(file.source_id);
    if (!source.ok()) continue;  // being deleted: the delete takes the file with it
    Status s = passages_.remove_file_everywhere(*source, file.id).status();
    if (s.ok()) s = meta_.delete_file(file.id);
    if (s.ok()) {
      std::error_code ec;
      std::filesystem::remove_all(upload_folder_of(file.id), ec);
    }
    note(s);
  }
  if (!first_error.ok()) return first_error;
  return settled;
}

Result<sources::LoadReport> SourcesService::load(const sources::LoadRequest& request,
                                                 const sources::LoadProgress& progress) {
  if (request.name.empty()) return invalid_argument("a source needs a name (--name)");
  MEMGPT_ASSIGN_OR_RETURN(auto listed, sources::collect_files(request));
  // A folder that cannot be read is skipped like a file that cannot (--strict: the load fails).
  if (request.strict && !listed.problems.empty()) return io_error(listed.problems.front());
  const std::vector<std::string>& files = listed.files;
  // Loads a crash interrupted (this name's or others') are undone first; a failure here shows
  // again below if it matters to this load.
  (void)recover();
  auto guard = lock(load_key(request.user_id, request.name), std::chrono::milliseconds(0));
  if (!guard.ok()) {
    if (!is_busy(guard.status())) return guard.status();
    return unavailable(fmt::format(
        "source '{}' is being loaded by another memgpt process: wait for it to finish (or stop it)", request.name));
  }
  if (auto existing = meta_.get_source_by_name_in_any_state(request.user_id, request.name); existing.ok()) {
    if (existing->state == SourceState::kReady) {
      return already_exists(fmt::format(
          "a source named '{}' already exists (delete it first with `memgpt delete source {}`)", request.name,
          request.name));
    }
    // Left by a crash (we hold its name, so nobody is loading it): undo or finish it first.
    if (existing->state == SourceState::kLoading) {
      MEMGPT_RETURN_IF_ERROR(discard_load(*existing));
    } else {
      auto deleting = lock(source_key(existing->id), kSourceWait);
      if (!deleting.ok()) {
        return unavailable(fmt::format("source '{}' is being deleted; try again when that has finished", request.name));
      }
      MEMGPT_RETURN_IF_ERROR(finish_delete(*existing, {}).status());
    }
  } else if (existing.status().code() != ErrorCode::kNotFound) {
    return existing.status();
  }

  MEMGPT_RETURN_IF_ERROR(passages_.ensure_collections());
  SourceRecord rec;
  rec.user_id = request.user_id;
  rec.name = request.name;
  rec.description = request.description;
  rec.embedding_endpoint_type = passages_.embedder().endpoint_type();
  rec.embedding_model = passages_.embedder().model();
  rec.embedding_dim = passages_.dim();
  rec.state = SourceState::kLoading;
  MEMGPT_ASSIGN_OR_RETURN(rec, meta_.create_source(rec));
  // From here every failure removes the source (a crash leaves it for recover()).
  auto undo = [&](Status why) -> Status {
    (void)discard_load(rec);
    return why;
  };
  for (const auto& problem : listed.problems) {
    if (progress.on_warning) progress.on_warning("skipped " + problem);
  }
  auto report = sources::ingest_files(passages_, rec, files, request, progress);
  if (!report.ok()) return undo(report.status());
  report->skipped.insert(report->skipped.begin(), listed.problems.begin(), listed.problems.end());
  auto stored = passages_.count_source_passages(rec.id);
  if (!stored.ok()) return undo(stored.status());
  if (*stored == 0) {
    return undo(invalid_argument(
        report->skipped.empty() ? "the files hold no text to load"
                                : fmt::format("nothing could be loaded ({} file{} skipped)", report->skipped.size(),
                                              report->skipped.size() == 1 ? "" : "s")));
  }
  report->passages = *stored;
  rec.metadata = {{"files", files.size() - report->skipped.size()},
                  {"documents", report->documents},
                  {"passages", *stored}};
  rec.state = SourceState::kReady;
  if (Status s = meta_.update_source(rec); !s.ok()) return undo(s);
  report->source = rec;
  return report;
}

Result<UploadReport> SourcesService::upload(const UploadRequest& request) {
  MEMGPT_RETURN_IF_ERROR(check_upload_name(request.file_name));
  MEMGPT_ASSIGN_OR_RETURN(auto guard, hold(request.source));
  // A delete or a re-embed may have finished while this upload waited for the source.
  MEMGPT_ASSIGN_OR_RETURN(const SourceRecord source, meta_.get_source(request.source.id));
  // New passages are embedded with the configured embedder: it must be the source's.
  if (!same_embedder(source_embedder(source), passages_.embedder())) {
    return failed_precondition(fmt::format(
        "source '{}' was embedded with {} but the configured embedder is {}: re-embed the source with `memgpt reembed "
        "source {}` before adding files (or configure {} again)",
        source.name, embedder_label(source.embedding_model, source.embedding_dim),
        embedder_label(passages_.embedder().model(), passages_.dim()), source.name, source.embedding_model));
  }
  sources::PassageStore passages = passages_.in(sources::space_of(source));
  MEMGPT_ASSIGN_OR_RETURN(auto existing, meta_.list_files(source.id));
  for (const auto& f : existing) {
    if (f.file_name == request.file_name) {
      return already_exists(fmt::format("source '{}' already has a file named '{}'", source.name, request.file_name));
    }
  }
  store::FileRecord file;
  file.user_id = source.user_id;
  file.source_id = source.id;
  file.file_name = request.file_name;
  file.file_type = request.content_type;
  file.file_size = static_cast<int64_t>(request.content.size());
  file.status = "loading";
  MEMGPT_ASSIGN_OR_RETURN(file, meta_.add_file(file));
  // From here a failure removes the file's passages and record (a crash leaves them for recover()).
  auto undo = [&](Status why) -> Status {
    if (passages_.remove_file_everywhere(source, file.id).ok()) {
      (void)meta_.delete_file(file.id);
    }
    return why;
  };
  UploadReport report;
  {
    // The loaders read files by path: the upload goes into a fresh private folder.
    UploadFolder folder(file.id);
    if (Status s = folder.create(); !s.ok()) return undo(s);
    std::string path = folder.file(request.file_name);
    if (Status s = write_file_atomic(path, request.content, 0600); !s.ok()) {
      return undo(io_error("cannot write the upload to a temporary file"));
    }
    auto ingested = sources::ingest_file(passages, source, path,
                                         {request.file_name, file.id, request.chunk_tokens, 20});
    if (!ingested.ok()) return undo(ingested.status());
    report.documents = ingested->documents;
    report.passages = ingested->passages;
    report.warnings = std::move(ingested->warnings);
  }
  // Agents the source is attached to see the new passages at once.
  auto agents = meta_.list_source_agents(source.id);
  if (!agents.ok()) return undo(agents.status());
  for (const auto& agent_id : *agents) {
    auto agent = meta_.get_agent(agent_id);
    if (!agent.ok()) return undo(agent.status());
    // An agent re-embedded since the attach keeps other vectors: it cannot take these.
    if (!same_embedder(source_embedder(source), effective_embedder(agent->embedding_config, passages_.embedder()))) {
      report.warnings.push_back(fmt::format(
          "agent '{}' did not receive the new passages: it uses another embedder than the source", agent->name));
      continue;
    }
    sources::PassageStore archival = passages_.in(sources::space_of(agent->embedding_config, passages_.dim()));
    auto copied = archival.attach_source(sources::space_of(source), source.id, agent_id, source.user_id);
    if (!copied.ok()) return undo(copied.status());
    report.updated_agents.push_back(agent_id);
  }
  file.status = "completed";
  file.passages = report.passages;
  if (Status s = meta_.update_file(file); !s.ok()) return undo(s);
  report.file = file;
  // The source's counts (informational; the passages are stored and listed already).
  auto current = meta_.get_source(source.id);
  auto stored = passages.count_source_passages(source.id);
  if (current.ok() && stored.ok()) {
    SourceRecord updated = *current;
    if (!updated.metadata.is_object()) updated.metadata = Json::object();
    updated.metadata["passages"] = *stored;
    updated.metadata["files"] = updated.metadata.value("files", 0) + 1;
    updated.metadata["documents"] = updated.metadata.value("documents", int64_t{0}) + report.documents;
    (void)meta_.update_source(updated);
  }
  return report;
}

Result<SourceDeleteReport> SourcesService::remove(const SourceRecord& requested) {
  MEMGPT_ASSIGN_OR_RETURN(auto guard, hold(requested));
  // A re-embed may have moved the passages while this waited: the record says where they are.
  auto current = meta_.get_source(requested.id);
  const SourceRecord& source = current.ok() ? *current : requested;
  MEMGPT_ASSIGN_OR_RETURN(auto detached, meta_.begin_source_delete(source.id));
  return finish_delete(source, std::move(detached));
}

Result<std::vector<SourceListing>> SourcesService::list(const std::string& user_id) {
  return list_sources(meta_, user_id);
}

Result<std::vector<SourceListing>> list_sources(store::MetadataStore& meta, const std::string& user_id) {
  MEMGPT_ASSIGN_OR_RETURN(auto sources, meta.list_sources(user_id));
  std::vector<SourceListing> out;
  out.reserve(sources.size());
  for (auto& s : sources) {
    SourceListing l;
    MEMGPT_ASSIGN_OR_RETURN(auto agent_ids, meta.list_source_agents(s.id));
    for (const auto& id : agent_ids) {
      auto a = meta.get_agent(id);
      l.agent_names.push_back(a.ok() ? a->name : id);
    }
    std::sort(l.agent_names.begin(), l.agent_names.end());
    l.source = std::move(s);
    out.push_back(std::move(l));
  }
  return out;
}

}  // namespace memgpt::runtime
