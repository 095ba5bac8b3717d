// The loading pipeline: files -> documents -> chunks -> embeddings -> passages of a source.
// The life of the source record around it (created hidden, shown when complete, undone on
// failure or after a crash) is runtime::SourcesService's; this layer stores passages only.
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
  bool strict = false;                  // any unreadable file (or bad JSONL line) fails the load
  int chunk_tokens = 300;
  int overlap_tokens = 20;
  // Threads that chunk and embed (0: one per core). With more than one, reading, chunking and
  // embedding, and storing run at once (sources/load_pipeline.h); 1 does everything on the
  // calling thread. The passages stored are the same either way.
  int threads = 0;
};

// The threads a load of `request` chunks and embeds on.
int load_threads(const LoadRequest& request);

struct LoadProgress {
  std::function<void(size_t files_done, size_t files_total, const std::string& file)> on_file;
  std::function<void(int64_t passages)> on_passages;
  // A file skipped ("skipped <file>: <why>"), or part of one (bad lines of a JSONL file).
  std::function<void(const std::string& warning)> on_warning;
  const std::atomic<bool>* cancel = nullptr;  // set: stop at the next document (kCancelled)
};

struct LoadReport {
  store::SourceRecord source;
  int64_t documents = 0;
  int64_t passages = 0;  // passages stored
  size_t files = 0;
  std::vector<std::string> skipped;   // one line per file that could not be read
  std::vector<std::string> warnings;  // one line per file loaded in part
  FitReport fit;  // chunks longer than the embedding model reads (split, or truncated)
};

// The files a request names: --input-files as given, plus --input-dir filtered by extension
// (its sub-folders too when recursive; symbolic links to folders are not followed). A
// symbolic link with a loaded extension is listed whatever it leads to, so that a loop or a
// missing target is reported for that file alone. Folders that cannot be read are listed in
// `problems`, one line each.
struct FileList {
  std::vector<std::string> files;
  std::vector<std::string> problems;
};
Result<FileList> collect_files(const LoadRequest& request);

// Reads `files` into passages of `source`, in order. A file that cannot be read (or whose text
// the embedder refuses) is skipped (reported in `skipped` and through progress) unless
// request.strict; its passages stored so far are taken out again. Any other error, and any
// error storing passages, stops the load and is returned: the passages stored before stay (the
// caller removes them with the source). Each write of passages is whole or absent, so a stop
// (progress.cancel, checked between documents) leaves no half batch. Progress callbacks run on
// the calling thread.
Result<LoadReport> ingest_files(PassageStore& passages, const store::SourceRecord& source,
                                const std::vector<std::string>& files, const LoadRequest& request,
                                const LoadProgress& progress = {});

// One more file for an existing source (the server's uploads), all or nothing: on failure the
// passages it stored are removed again. Its passages carry metadata["file_id"] = `file_id`.
struct FileLoadReport {
  int64_t documents = 0;
  int64_t passages = 0;
  std::vector<std::string> warnings;  // e.g. bad lines of a JSONL file that were skipped
  FitReport fit;
};

struct FileIngest {
  std::string name;     // how messages name the file (never the server's temporary path)
  std::string file_id;  // recorded in each passage's metadata; empty: none
  int chunk_tokens = 300;
  int overlap_tokens = 20;
};
Result<FileLoadReport> ingest_file(PassageStore& passages, const store::SourceRecord& source,
                                   const std::string& path, const FileIngest& how);

}  // namespace memgpt::sources
