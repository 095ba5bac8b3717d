// Reading user files into documents: text, Markdown, source code, PDF (one document per page),
// HTML, DOCX and JSON/JSONL. Each failure is one line naming the file and what to do.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "util/json.h"
#include "util/status.h"

namespace memgpt::sources {

struct Document {
  std::string text;
  std::string path;  // the file it came from
  int page = 0;      // 1-based page for PDFs, 0 otherwise
  int part = 0;      // part number when a large text file is read in pieces
  Json metadata = Json::object();
  // Stable id of the document within its source: "<file name>" or "<file name>#page=3".
  std::string doc_id() const;
};

// Extensions loaded when the user names none.
const std::vector<std::string>& default_extensions();
// Every extension a loader exists for (the defaults plus source code and plain-text kinds).
bool is_supported_extension(const std::string& ext);

// Calls `emit` for each document of the file, in order; large text files arrive in pieces of
// about `piece_bytes` (split at paragraph ends), so memory stays bounded.
Status read_documents(const std::string& path, const std::function<Status(Document)>& emit,
                      size_t piece_bytes = 1 << 20);

// Ligatures (ﬁ ﬂ ...) spelt out, words hyphenated at line ends joined, runs of spaces tidied.
std::string repair_pdf_text(const std::string& text);

}  // namespace memgpt::sources
