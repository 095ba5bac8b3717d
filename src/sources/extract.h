// Text extraction from document formats: HTML, the XML of a Word document and JSON held in
// memory, and PDF files. Each runs in time linear in its input and in bounded stack whatever the nesting (the
// input is outside data: a file or an upload), and fails with a one-line reason that names no
// file (the caller adds which file it was).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "util/json.h"
#include "util/status.h"

namespace memgpt::sources {

// HTML deeper than this is flattened before parsing: elements opened below this depth become
// siblings (as browsers do; Blink stops nesting at 512). Text is kept; only structure is lost.
inline constexpr int kMaxHtmlDepth = 512;
// Larger HTML files are refused: the parsed tree takes several times the file's size.
inline constexpr size_t kMaxHtmlBytes = size_t{64} << 20;
// A Word document's word/document.xml is read up to this many bytes (uncompressed): a small
// archive can claim or inflate to gigabytes.
inline constexpr size_t kMaxDocxXmlBytes = size_t{128} << 20;

// Limits on one PDF, checked while it is read (poppler has no limits of its own: a small file
// can claim thousands of pages or hold streams that expand to gigabytes of text).
struct PdfLimits {
  int max_pages = 10000;                     // more pages: refused before any page is read
  size_t max_text_bytes = size_t{64} << 20;  // text of all pages together
  // CPU seconds the whole file may take; negative: a few times what ordinary pages need (10 s
  // plus 0.1 s a page).
  double cpu_seconds = -1;
  // Memory poppler may take beyond what the process holds (isolated only).
  size_t max_memory_bytes = size_t{1} << 30;
  // Read in a child process that the operating system stops at the CPU and memory limits
  // (nothing inside poppler can be interrupted: one page can keep it busy for hours) and whose
  // crash costs only the file. In process (for fuzzing) the CPU budget is checked between
  // pages only.
  bool isolate = true;
};

// Calls `sink` with the text of each page of the PDF at `path`, in order (page numbers from 1),
// within `limits`. Fails with a one-line reason naming no file: damaged, password-protected,
// or past a limit (naming it and the page).
using PdfPageSink = std::function<Status(int page, int pages, std::string text)>;
Status read_pdf_pages(const std::string& path, const PdfLimits& limits, const PdfPageSink& sink);

// The HTML with every start and end tag that would nest deeper than `max_depth` elements taken
// out (text, comments and shallower tags untouched). Linear; used before handing HTML to gumbo,
// whose parser does work proportional to the depth of the open elements for every tag.
std::string flatten_deep_html(std::string_view html, int max_depth = kMaxHtmlDepth);

struct HtmlLimits {
  int max_depth = kMaxHtmlDepth;
  // CPU seconds the parse may take; negative: a few times what a page of this size needs.
  // Past it the document is refused as too complex (should markup defeat the flattening).
  double cpu_seconds = -1;
};

// The visible text of an HTML page: scripts, styles, templates and SVG dropped, block
// elements on lines of their own, runs of spaces collapsed. Empty when there is none.
Result<std::string> html_to_text(std::string_view html, const HtmlLimits& limits = {});

// The text of word/document.xml: paragraphs separated by blank lines, tabs and breaks kept.
Result<std::string> docx_xml_to_text(std::string_view xml);

// The text of one JSON value: its "text" field when it is an object that has one, otherwise
// every string in it (one a line), depth first. Iterative.
std::string json_value_text(const Json& value);

// True when `text` (UTF-8) has nothing to read: only white space (form feeds, no-break and
// other Unicode spaces, zero-width spaces and byte order marks included), or nothing at all.
bool is_blank(std::string_view text);

// Collapses runs of spaces and blank lines; drops carriage returns and leading blank space.
std::string tidy_text(std::string_view text);

}  // namespace memgpt::sources
