// Reading user files into documents: text, Markdown, source code, PDF (one document per page),
// HTML, DOCX and JSON/JSONL. Each failure is one line naming the file and what to do. The
// extraction per format is in extract.h.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "sources/extract.h"
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

struct ReadOptions {
  // Large text files arrive in pieces of about this many bytes (split at paragraph ends), so
  // memory stays bounded.
  size_t piece_bytes = size_t{1} << 20;
  // A bad line of a JSONL file fails the whole file (otherwise the good lines load and the bad
  // ones are reported through `warn`).
  bool strict = false;
  // How messages name the file (default: its path). The server passes the upload's name, so
  // no temporary path reaches a client.
  std::string name;
  // Pages, text and CPU time one PDF may take (extract.h).
  PdfLimits pdf;
  // Problems that skip part of a file (the file itself still loads).
  std::function<void(const std::string&)> warn;
};

// Calls `emit` for each document of the file, in order. A file that cannot be read gives one
// line naming the file and what to do: kInvalidArgument (bad content), kNotFound,
// kPermissionDenied or kIo; an error from `emit` is returned as it is.
Status read_documents(const std::string& path, const std::function<Status(Document)>& emit,
                      const ReadOptions& options = {});

// Ligatures (ﬁ ﬂ ...) spelt out, words hyphenated at line ends joined, runs of spaces tidied.
std::string repair_pdf_text(const std::string& text);

}  // namespace memgpt::sources
