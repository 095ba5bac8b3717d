// The parts both ways of loading share (ingest.cpp's one thread, load_pipeline.cpp's stages).
// Internal to sources/.
#pragma once

#include <string>
#include <vector>

#include "sources/chunker.h"
#include "sources/document.h"
#include "sources/passage_store.h"
#include "store/metadata_store.h"

namespace memgpt::sources {

// The passages of one document of a source: chunked, with ids stable across loads.
std::vector<Passage> document_passages(const store::SourceRecord& source, const Document& doc,
                                       const ChunkOptions& chunking, const ModelLimit& limit, FitReport& fit,
                                       int64_t now, const std::string& file_id);

// A read error that concerns the file only (its content, its existence, its permissions).
bool is_per_file(const Status& s);

// Takes the source passages with these ids out again.
Status remove_ids(PassageStore& passages, const std::vector<Json>& ids);

// Adds the counts of `part` (chunks of one document) to `total`.
void add_fit(FitReport& total, const FitReport& part);

}  // namespace memgpt::sources
