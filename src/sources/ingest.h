// `memgpt load directory`: files -> documents -> chunks -> embeddings -> passages, recorded as
// a named source. A failure or cancellation leaves no half-made source behind.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "sources/passage_store.h"
#include "store/metadata_store.h"

namespace memgpt::sources {

struct LoadRequest {
  std::string user_id;
  std::string name;
  std::string description;
  std::string input_dir;
  std::vector<std::string> input_files;
  bool recursive = false;
  std::vector<std::string> extensions;  // empty = default_extensions()
  bool strict = false;                  // any unreadable file fails the load
  int chunk_tokens = 300;
  int overlap_tokens = 20;
};

struct LoadProgress {
  std::function<void(size_t files_done, size_t files_total, const std::string& file)> on_file;
  std::function<void(int64_t passages)> on_passages;
  // A file skipped ("skipped <file>: <why>"), or part of one (bad lines of a JSONL file).
  std::function<void(const std::string& warning)> on_warning;
  const std::atomic<bool>* cancel = nullptr;
};

struct LoadReport {
  store::SourceRecord source;
  int64_t documents = 0;
  int64_t passages = 0;  // new passages stored
  size_t files = 0;
  std::vector<std::string> skipped;   // one line per file that could not be read
  std::vector<std::string> warnings;  // one line per file loaded in part
};

// The files a request names: --input-files as given, plus --input-dir filtered by extension.
Result<std::vector<std::string>> collect_files(const LoadRequest& request);

Result<LoadReport> load_source(store::MetadataStore& meta, PassageStore& passages,
                               const LoadRequest& request, const LoadProgress& progress = {});

// Deletes a source: its passages, its agent links and its record. Copies already attached to
// agents' archival memory stay (as in MemGPT).
// Adds one more file to an existing source (the server's uploads): its documents are chunked,
// embedded and stored; on failure the file's passages are removed again.
struct FileLoadReport {
  int64_t documents = 0;
  int64_t passages = 0;
};
Result<FileLoadReport> add_file(store::MetadataStore& meta, PassageStore& passages,
                                const store::SourceRecord& source, const std::string& path,
                                int chunk_tokens = 300, int overlap_tokens = 20);

Status delete_source(store::MetadataStore& meta, PassageStore& passages,
                     const store::SourceRecord& source);

}  // namespace memgpt::sources
