// Text extraction from document formats held in memory: HTML, the XML of a Word document and
// JSON. Each runs in time linear in its input and in bounded stack whatever the nesting (the
// input is outside data: a file or an upload), and fails with a one-line reason that names no
// file (the caller adds which file it was).
#pragma once

#include <cstddef>
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

// Collapses runs of spaces and blank lines; drops carriage returns and leading blank space.
std::string tidy_text(std::string_view text);

}  // namespace memgpt::sources
