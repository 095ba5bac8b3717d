#include "sources/document.h"

#include <fmt/format.h>
#include <gumbo.h>
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-page.h>
#include <pugixml.hpp>
#include <zip.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "util/files.h"

namespace memgpt::sources {
namespace {

std::string lower_ext(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

const std::vector<std::string> kCodeExtensions = {
    ".c", ".h", ".cc", ".cpp", ".hpp", ".cxx", ".py", ".js", ".ts", ".tsx", ".jsx", ".java",
    ".go", ".rs", ".rb", ".php", ".cs", ".swift", ".kt", ".scala", ".sh", ".sql", ".lua",
    ".r", ".m", ".yaml", ".yml", ".toml", ".ini", ".cfg", ".xml", ".css", ".rst", ".tex",
    ".csv", ".tsv", ".log"};

// Position of the first byte that breaks UTF-8, or npos.
size_t invalid_utf8_at(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || (n == 2 && c < 0xc2) || c > 0xf4) return i;
    if (i + n > s.size()) return i;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return i;
    }
    // Overlong 3- and 4-byte forms, UTF-16 surrogates (CESU-8) and code points past U+10FFFF:
    // JSON encoders refuse them later, so they are not UTF-8 here either.
    unsigned char d = n > 1 ? static_cast<unsigned char>(s[i + 1]) : 0;
    if ((c == 0xe0 && d < 0xa0) || (c == 0xed && d > 0x9f) || (c == 0xf0 && d < 0x90) || (c == 0xf4 && d > 0x8f)) {
      return i;
    }
    i += n;
  }
  return std::string_view::npos;
}

bool looks_binary(std::string_view head) {
  size_t control = 0;
  for (unsigned char c : head) {
    if (c == 0) return true;
    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f') ++control;
  }
  return !head.empty() && control * 10 > head.size();
}

Status file_error(const std::string& path, const std::string& what) {
  return invalid_argument(fmt::format("{}: {}", path, what));
}

// Plain text, Markdown, code: streamed in pieces split at blank lines.
Status read_text(const std::string& path, const std::function<Status(Document)>& emit,
                 size_t piece_bytes) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return io_error(fmt::format("{}: cannot open ({})", path, std::strerror(errno)));
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> guard(f, std::fclose);
  std::string buf;
  std::vector<char> chunk(1 << 16);
  int part = 0;
  bool first = true;
  size_t consumed = 0;
  auto flush = [&](size_t upto) -> Status {
    std::string text = buf.substr(0, upto);
    buf.erase(0, upto);
    if (size_t bad = invalid_utf8_at(text); bad != std::string::npos) {
      return file_error(path, fmt::format("not valid UTF-8 text (byte {}); convert it to UTF-8 first",
                                          consumed + bad));
    }
    consumed += text.size();
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) return {};
    Document d;
    d.text = std::move(text);
    d.path = path;
    d.part = part++;
    return emit(std::move(d));
  };
  for (;;) {
    size_t n = std::fread(chunk.data(), 1, chunk.size(), f);
    if (n == 0) break;
    if (first) {
      first = false;
      if (looks_binary(std::string_view(chunk.data(), std::min<size_t>(n, 8192)))) {
        return file_error(path, "looks like a binary file, not text (wrong extension?)");
      }
    }
    buf.append(chunk.data(), n);
    while (buf.size() >= piece_bytes) {
      // Cut at the last paragraph break (or line break) in the piece, never inside a character.
      size_t cut = buf.rfind("\n\n", piece_bytes);
      if (cut == std::string::npos || cut < piece_bytes / 2) cut = buf.rfind('\n', piece_bytes);
      if (cut == std::string::npos || cut < piece_bytes / 2) {
        // Back to the start of the character (at most 3 bytes in UTF-8). A longer run of
        // continuation bytes is not UTF-8: cut anyway and let flush() report it, rather than
        // cutting nothing and looping forever.
        cut = piece_bytes;
        size_t floor = piece_bytes > 3 ? piece_bytes - 3 : 1;
        while (cut > floor && (static_cast<unsigned char>(buf[cut]) & 0xc0) == 0x80) --cut;
      } else {
        cut += 1;
      }
      MEMGPT_RETURN_IF_ERROR(flush(cut));
    }
  }
  if (std::ferror(f)) return io_error(fmt::format("{}: read error", path));
  if (!buf.empty()) MEMGPT_RETURN_IF_ERROR(flush(buf.size()));
  if (part == 0 && consumed == 0) return file_error(path, "is empty");
  if (part == 0) return file_error(path, "holds no text");
  return {};
}

Status read_pdf(const std::string& path, const std::function<Status(Document)>& emit) {
  // Poppler reports parse problems on stderr; our message below is the one the user needs.
  poppler::set_debug_error_function([](const std::string&, void*) {}, nullptr);
  std::unique_ptr<poppler::document> doc(poppler::document::load_from_file(path));
  if (!doc) return file_error(path, "is not a readable PDF (damaged or not a PDF)");
  if (doc->is_locked()) return file_error(path, "is password-protected; decrypt it first (e.g. qpdf --decrypt)");
  int pages = doc->pages();
  int emitted = 0;
  for (int i = 0; i < pages; ++i) {
    std::unique_ptr<poppler::page> page(doc->create_page(i));
    if (!page) continue;
    auto bytes = page->text(poppler::rectf(), poppler::page::physical_layout).to_utf8();
    std::string text = repair_pdf_text(std::string(bytes.begin(), bytes.end()));
    if (text.find_first_not_of(" \t\r\n\f") == std::string::npos) continue;
    Document d;
    d.text = std::move(text);
    d.path = path;
    d.page = i + 1;
    d.metadata = {{"page", i + 1}, {"pages", pages}};
    MEMGPT_RETURN_IF_ERROR(emit(std::move(d)));
    ++emitted;
  }
  if (emitted == 0) {
    return file_error(path, fmt::format("has no text layer ({} pages; a scanned document needs OCR first)", pages));
  }
  return {};
}

void gumbo_text(const GumboNode* node, std::string& out) {
  if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_WHITESPACE) {
    out += node->v.text.text;
    return;
  }
  if (node->type != GUMBO_NODE_ELEMENT) return;
  GumboTag tag = node->v.element.tag;
  if (tag == GUMBO_TAG_SCRIPT || tag == GUMBO_TAG_STYLE || tag == GUMBO_TAG_NOSCRIPT ||
      tag == GUMBO_TAG_TEMPLATE || tag == GUMBO_TAG_SVG) {
    return;
  }
  bool block = tag == GUMBO_TAG_P || tag == GUMBO_TAG_DIV || tag == GUMBO_TAG_BR ||
               tag == GUMBO_TAG_LI || tag == GUMBO_TAG_TR || tag == GUMBO_TAG_H1 ||
               tag == GUMBO_TAG_H2 || tag == GUMBO_TAG_H3 || tag == GUMBO_TAG_H4 ||
               tag == GUMBO_TAG_H5 || tag == GUMBO_TAG_H6 || tag == GUMBO_TAG_TITLE ||
               tag == GUMBO_TAG_SECTION || tag == GUMBO_TAG_ARTICLE || tag == GUMBO_TAG_PRE ||
               tag == GUMBO_TAG_BLOCKQUOTE || tag == GUMBO_TAG_TABLE || tag == GUMBO_TAG_UL ||
               tag == GUMBO_TAG_OL;
  if (block) out += "\n";
  const GumboVector& children = node->v.element.children;
  for (unsigned i = 0; i < children.length; ++i) {
    gumbo_text(static_cast<const GumboNode*>(children.data[i]), out);
    if (tag == GUMBO_TAG_TD || tag == GUMBO_TAG_TH) out += " ";
  }
  if (block) out += "\n";
}

std::string tidy(const std::string& text) {
  // Collapse runs of spaces; at most one blank line in a row.
  std::string out;
  int newlines = 0;
  bool space = false;
  for (char c : text) {
    if (c == '\r') continue;
    if (c == '\n') {
      if (++newlines <= 2) out += '\n';
      space = false;
      continue;
    }
    if (c == ' ' || c == '\t') {
      space = true;
      continue;
    }
    if (space && newlines == 0 && !out.empty()) out += ' ';
    space = false;
    newlines = 0;
    out += c;
  }
  size_t b = out.find_first_not_of(" \n");
  return b == std::string::npos ? "" : out.substr(b);
}

Status read_html(const std::string& path, const std::function<Status(Document)>& emit) {
  MEMGPT_ASSIGN_OR_RETURN(std::string html, read_file(path));
  if (html.empty()) return file_error(path, "is empty");
  if (looks_binary(std::string_view(html).substr(0, 8192))) return file_error(path, "looks like a binary file, not HTML");
  GumboOutput* out = gumbo_parse_with_options(&kGumboDefaultOptions, html.data(), html.size());
  std::string text;
  gumbo_text(out->root, text);
  gumbo_destroy_output(&kGumboDefaultOptions, out);
  text = tidy(text);
  if (invalid_utf8_at(text) != std::string::npos) return file_error(path, "is not valid UTF-8");
  if (text.empty()) return file_error(path, "holds no visible text");
  Document d;
  d.text = std::move(text);
  d.path = path;
  return emit(std::move(d));
}

Status read_docx(const std::string& path, const std::function<Status(Document)>& emit) {
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_RDONLY, &err);
  if (!z) return file_error(path, "is not a readable .docx (not a zip archive)");
  std::unique_ptr<zip_t, int (*)(zip_t*)> guard(z, zip_close);
  zip_stat_t st;
  if (zip_stat(z, "word/document.xml", 0, &st) != 0) return file_error(path, "is not a Word document (no word/document.xml)");
  if (st.size > (512u << 20)) return file_error(path, "has an implausibly large document part");
  std::string xml(st.size, '\0');
  zip_file_t* zf = zip_fopen(z, "word/document.xml", 0);
  if (!zf) return file_error(path, "cannot read word/document.xml");
  zip_int64_t got = zip_fread(zf, xml.data(), st.size);
  zip_fclose(zf);
  if (got < 0 || static_cast<zip_uint64_t>(got) != st.size) return file_error(path, "is damaged (short read)");
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) return file_error(path, "has damaged XML");
  std::string text;
  for (auto p : doc.select_nodes("//w:p")) {
    std::string para;
    for (auto node : p.node().select_nodes(".//w:t | .//w:tab | .//w:br")) {
      std::string name = node.node().name();
      if (name == "w:t") para += node.node().text().get();
      else if (name == "w:tab") para += '\t';
      else para += '\n';
    }
    text += para + "\n\n";
  }
  text = tidy(text);
  if (text.empty()) return file_error(path, "holds no text");
  Document d;
  d.text = std::move(text);
  d.path = path;
  return emit(std::move(d));
}

void collect_strings(const Json& j, std::string& out) {
  if (j.is_string()) {
    out += j.get<std::string>() + "\n";
  } else if (j.is_object() || j.is_array()) {
    for (const auto& v : j) collect_strings(v, out);
  }
}

std::string json_text(const Json& j) {
  if (j.is_object() && j.contains("text") && j["text"].is_string()) return j["text"].get<std::string>();
  std::string out;
  collect_strings(j, out);
  return out;
}

Status read_json(const std::string& path, bool lines, const std::function<Status(Document)>& emit) {
  MEMGPT_ASSIGN_OR_RETURN(std::string content, read_file(path));
  if (content.find_first_not_of(" \t\r\n") == std::string::npos) return file_error(path, "is empty");
  std::vector<Json> items;
  if (lines) {
    size_t pos = 0, line_no = 0;
    while (pos < content.size()) {
      size_t nl = content.find('\n', pos);
      if (nl == std::string::npos) nl = content.size();
      ++line_no;
      std::string line = content.substr(pos, nl - pos);
      pos = nl + 1;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      Json j = parse_json_or_discarded(line);
      if (j.is_discarded()) return file_error(path, fmt::format("line {} is not valid JSON", line_no));
      items.push_back(std::move(j));
    }
  } else {
    Json j = parse_json_or_discarded(content);
    if (j.is_discarded()) return file_error(path, "is not valid JSON");
    if (j.is_array()) {
      for (auto& x : j) items.push_back(std::move(x));
    } else {
      items.push_back(std::move(j));
    }
  }
  int emitted = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    std::string text = json_text(items[i]);
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) continue;
    Document d;
    d.text = std::move(text);
    d.path = path;
    d.part = static_cast<int>(i);
    if (items[i].is_object()) {
      for (const auto& [k, v] : items[i].items()) {
        if (k != "text" && (v.is_string() || v.is_number() || v.is_boolean()) && v.dump().size() < 256) {
          d.metadata[k] = v;
        }
      }
    }
    MEMGPT_RETURN_IF_ERROR(emit(std::move(d)));
    ++emitted;
  }
  if (emitted == 0) return file_error(path, "holds no text values");
  return {};
}

}  // namespace

std::string Document::doc_id() const {
  std::string name = std::filesystem::path(path).filename().string();
  if (page > 0) return fmt::format("{}#page={}", name, page);
  if (part > 0) return fmt::format("{}#part={}", name, part);
  return name;
}

const std::vector<std::string>& default_extensions() {
  static const std::vector<std::string> kDefaults = {".txt", ".md", ".pdf", ".html", ".htm",
                                                     ".docx", ".json", ".jsonl"};
  return kDefaults;
}

bool is_supported_extension(const std::string& ext) {
  const auto& d = default_extensions();
  if (std::find(d.begin(), d.end(), ext) != d.end()) return true;
  return ext == ".markdown" || ext == ".text" ||
         std::find(kCodeExtensions.begin(), kCodeExtensions.end(), ext) != kCodeExtensions.end();
}

std::string repair_pdf_text(const std::string& in) {
  static const std::pair<const char*, const char*> kLigatures[] = {
      {"\xef\xac\x80", "ff"}, {"\xef\xac\x81", "fi"}, {"\xef\xac\x82", "fl"},
      {"\xef\xac\x83", "ffi"}, {"\xef\xac\x84", "ffl"}, {"\xef\xac\x85", "st"},
      {"\xef\xac\x86", "st"}, {"\xc2\xad", ""}};  // the last: a soft hyphen
  std::string s = in;
  for (const auto& [lig, plain] : kLigatures) {
    size_t pos = 0;
    while ((pos = s.find(lig, pos)) != std::string::npos) {
      s.replace(pos, std::strlen(lig), plain);
      pos += std::strlen(plain);
    }
  }
  // "informa-\ntion" -> "information" when a lower-case letter follows the break.
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '-' && i > 0 && std::isalpha(static_cast<unsigned char>(s[i - 1]))) {
      size_t j = i + 1;
      while (j < s.size() && (s[j] == ' ' || s[j] == '\r')) ++j;
      if (j < s.size() && s[j] == '\n') {
        size_t k = j + 1;
        while (k < s.size() && (s[k] == ' ' || s[k] == '\t')) ++k;
        if (k < s.size() && std::islower(static_cast<unsigned char>(s[k]))) {
          i = k - 1;
          continue;
        }
      }
    }
    out += s[i];
  }
  return tidy(out);
}

Status read_documents(const std::string& path, const std::function<Status(Document)>& emit,
                      size_t piece_bytes) {
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) return not_found(fmt::format("{}: no such file", path));
  if (std::filesystem::is_directory(status)) return invalid_argument(fmt::format("{}: is a folder", path));
  if (::access(path.c_str(), R_OK) != 0) {
    return Status(ErrorCode::kPermissionDenied, fmt::format("{}: not readable (permission denied)", path));
  }
  std::string ext = lower_ext(path);
  if (ext == ".pdf") return read_pdf(path, emit);
  if (ext == ".html" || ext == ".htm") return read_html(path, emit);
  if (ext == ".docx") return read_docx(path, emit);
  if (ext == ".json") return read_json(path, false, emit);
  if (ext == ".jsonl") return read_json(path, true, emit);
  if (!is_supported_extension(ext)) {
    return invalid_argument(fmt::format("{}: files of type '{}' are not supported", path,
                                        ext.empty() ? "(no extension)" : ext));
  }
  return read_text(path, emit, piece_bytes);
}

}  // namespace memgpt::sources
