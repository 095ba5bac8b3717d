// The data-source use-cases, shared by the CLI and the server: load files into a new source,
// upload one more file to a source, delete a source (detaching it from every agent), list
// sources, and settle what a crash interrupted.
//
// All or nothing, across crashes too: a source is created hidden (state loading) and shown
// only once every passage is stored; an uploaded file is listed only once stored; a delete
// hides the source and detaches it from every agent in one transaction before removing
// passages. Whoever finds such work unfinished with nobody doing it (no live lock) finishes
// or undoes it: recover(), called by every load and when a server starts.
//
// Thread-safety: one service may be shared by threads; loads, uploads and deletes of one
// source are serialised across threads and processes by locks released by the operating
// system (or PostgreSQL) when a process dies.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/agent_lock.h"
#include "runtime/runtime.h"
#include "sources/ingest.h"
#include "sources/passage_store.h"
#include "store/metadata_store.h"

namespace memgpt::runtime {

struct SourceListing {
  store::SourceRecord source;
  std::vector<std::string> agent_names;  // the agents it is attached to, by name
};

struct SourceDeleteReport {
  std::vector<std::string> detached_agents;  // ids of the agents it was attached to
  int64_t passages = 0;                      // the source's passages removed
  int64_t archival_copies = 0;               // passages removed from those agents' archival memory
};

struct UploadRequest {
  store::SourceRecord source;    // a ready source of the uploading user
  std::string file_name;         // the client's name for the file (no folders)
  std::string content_type;      // MIME type, as given
  std::string_view content;      // the file's bytes
  int chunk_tokens = 300;
};

struct UploadReport {
  store::FileRecord file;
  int64_t documents = 0;
  int64_t passages = 0;
  std::vector<std::string> warnings;        // parts of the file skipped (bad JSONL lines)
  std::vector<std::string> updated_agents;  // attached agents that received the passages
};

class SourcesService {
 public:
  // `sqlite_path`: the metadata database file when it is SQLite (lock files go beside it);
  // empty for PostgreSQL (advisory locks).
  SourcesService(store::MetadataStore& meta, sources::PassageStore& passages, std::string sqlite_path);
  // The configured stores of a command or server.
  SourcesService(AppContext& ctx, Archival& archival);

  // Loads files into a new source named request.name. kAlreadyExists when a complete source
  // has that name; kUnavailable when another process is loading it now; kCancelled when
  // progress.cancel was set. On any failure nothing of the source remains.
  Result<sources::LoadReport> load(const sources::LoadRequest& request, const sources::LoadProgress& progress = {});

  // Adds a file to a ready source and copies its passages to the agents the source is attached
  // to. A bad file (kInvalidArgument, naming the file by `file_name`) stores nothing; a source
  // busy past the wait is kFailedPrecondition, one deleted meanwhile kNotFound.
  Result<UploadReport> upload(const UploadRequest& request);

  // Deletes a source: detaches it from every agent (links and archival copies), then removes
  // its passages, files and record. A source busy past the wait is kFailedPrecondition.
  Result<SourceDeleteReport> remove(const store::SourceRecord& source);

  // The user's sources (ready ones), oldest first, with the agents each is attached to.
  Result<std::vector<SourceListing>> list(const std::string& user_id);

  // Undoes loads and uploads, and finishes deletes, that a crash left unfinished and nobody
  // is working on now. Returns how many it settled.
  Result<int> recover();

  // Holds the source's lock (as uploads and deletes do) for work on its passages, e.g. a
  // re-embed; kFailedPrecondition when it stays busy past the wait.
  Result<AgentLocks::Guard> hold(const store::SourceRecord& source);

 private:
  // Removes the new vectors of a re-embed of `source` that never switched, and its record.
  Status remove_staged_reembed(const store::SourceRecord& source);
  Result<AgentLocks::Guard> lock(const std::string& key, std::chrono::milliseconds wait);
  Status discard_load(const store::SourceRecord& source);
  Result<SourceDeleteReport> finish_delete(const store::SourceRecord& source, std::vector<std::string> detached);
  Status settle_unfinished(const store::SourceRecord& source);

  store::MetadataStore& meta_;
  sources::PassageStore& passages_;
  AgentLocks locks_;
};

// SourcesService::list without archival storage (listing reads the metadata store only).
Result<std::vector<SourceListing>> list_sources(store::MetadataStore& meta, const std::string& user_id);

// Upload names become a file name in a private folder: anything that could climb out of it
// or hide (separators, "..", control characters) is refused.
Status check_upload_name(std::string_view name);

}  // namespace memgpt::runtime
