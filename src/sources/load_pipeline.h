// `memgpt load` in stages that run at once: one thread reads and extracts the files in order,
// `workers` threads chunk and embed documents, and the calling thread stores the passages in
// the order the files and documents came, in batches (each one write of the vector store, so an
// interruption never leaves half a batch). Queues between the stages are bounded (documents in
// flight and their bytes), so memory does not grow with the input.
//
// Same result as loading in one thread (ingest_files with threads = 1): the same passages, ids,
// text, metadata and vectors, stored in the same order; the same report, warnings and skipped
// files. Progress callbacks run on the calling thread only, in that order. Internal to sources/:
// callers use ingest_files.
#pragma once

#include <string>
#include <vector>

#include "sources/ingest.h"

namespace memgpt::sources {

Result<LoadReport> ingest_files_pipelined(PassageStore& passages, const store::SourceRecord& source,
                                          const std::vector<std::string>& files, const LoadRequest& request,
                                          const LoadProgress& progress, int workers);

}  // namespace memgpt::sources
