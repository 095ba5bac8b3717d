#include "sources/document.h"

#include <fmt/format.h>
#include <zip.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <unistd.h>

#include "sources/extract.h"
#include "util/files.h"
#include "util/utf8.h"

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

bool looks_binary(std::string_view head) {
  size_t control = 0;
  for (unsigned char c : head) {
    if (c == 0) return true;
    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f') ++control;
  }
  return !head.empty() && control * 10 > head.size();
}

// How a file's messages name it.
struct FileRef {
  const std::string& path;
  const ReadOptions& options;
  const std::string& label() const { return options.name.empty() ? path : options.name; }
  Status error(const std::string& what) const { return invalid_argument(fmt::format("{}: {}", label(), what)); }
};

// Plain text, Markdown, code: streamed in pieces split at blank lines.
Status read_text(const FileRef& file, const std::function<Status(Document)>& emit) {
  const size_t piece_bytes = std::max<size_t>(file.options.piece_bytes, 1024);
  std::FILE* f = std::fopen(file.path.c_str(), "rb");
  if (!f) return io_error(fmt::format("{}: cannot open ({})", file.label(), std::strerror(errno)));
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
      return file.error(fmt::format("not valid UTF-8 text (byte {}); convert it to UTF-8 first", consumed + bad));
    }
    consumed += text.size();
    if (is_blank(text)) return {};  // e.g. only form feeds between pages: nothing to read
    Document d;
    d.text = std::move(text);
    d.path = file.path;
    d.part = part++;
    return emit(std::move(d));
  };
  for (;;) {
    size_t n = std::fread(chunk.data(), 1, chunk.size(), f);
    if (n == 0) break;
    if (first) {
      first = false;
      if (looks_binary(std::string_view(chunk.data(), std::min<size_t>(n, 8192)))) {
        return file.error("looks like a binary file, not text (wrong extension?)");
      }
    }
    buf.append(chunk.data(), n);
    while (buf.size() >= piece_bytes) {
      // Cut at the last paragraph break (or line break) in the piece, never inside a character.
      // (after the blank line, so each piece ends with its paragraph's line breaks).
      size_t cut = buf.rfind("\n\n", piece_bytes - 2);
      if (cut != std::string::npos && cut >= piece_bytes / 2) {
        cut += 2;
      } else if (cut = buf.rfind('\n', piece_bytes - 1); cut != std::string::npos && cut >= piece_bytes / 2) {
        cut += 1;
      } else {
        // Back to the start of the character (at most 3 bytes in UTF-8). A longer run of
        // continuation bytes is not UTF-8: cut anyway and let flush() report it, rather than
        // cutting nothing and looping forever.
        cut = piece_bytes;
        size_t floor = piece_bytes > 3 ? piece_bytes - 3 : 1;
        while (cut > floor && (static_cast<unsigned char>(buf[cut]) & 0xc0) == 0x80) --cut;
      }
      MEMGPT_RETURN_IF_ERROR(flush(cut));
    }
  }
  if (std::ferror(f)) return io_error(fmt::format("{}: read error", file.label()));
  if (!buf.empty()) MEMGPT_RETURN_IF_ERROR(flush(buf.size()));
  if (part == 0 && consumed == 0) return file.error("is empty");
  if (part == 0) return file.error("holds no text");
  return {};
}

// One document per page, within file.options.pdf (extract.h): past a limit the file fails with
// a line naming it (the caller removes what its earlier pages stored).
Status read_pdf(const FileRef& file, const std::function<Status(Document)>& emit) {
  int emitted = 0, page_count = 0;
  Status emitted_error;  // emit's own failure, passed on as it is
  Status s = read_pdf_pages(file.path, file.options.pdf, [&](int page, int pages, std::string bytes) -> Status {
    page_count = pages;
    std::string text = repair_pdf_text(bytes);
    if (is_blank(text)) return {};
    Document d;
    d.text = std::move(text);
    d.path = file.path;
    d.page = page;
    d.metadata = {{"page", page}, {"pages", pages}};
    ++emitted;
    emitted_error = emit(std::move(d));
    return emitted_error;
  });
  if (!emitted_error.ok()) return emitted_error;
  if (!s.ok()) return Status(s.code(), fmt::format("{}: {}", file.label(), s.message()));
  if (emitted == 0) {
    return file.error(fmt::format("has no text layer ({} pages; a scanned document needs OCR first)", page_count));
  }
  return {};
}

Status emit_text(const FileRef& file, std::string text, const std::function<Status(Document)>& emit,
                 const char* empty_reason) {
  if (invalid_utf8_at(text) != std::string::npos) return file.error("is not valid UTF-8");
  if (is_blank(text)) return file.error(empty_reason);
  Document d;
  d.text = std::move(text);
  d.path = file.path;
  return emit(std::move(d));
}

Status read_html(const FileRef& file, const std::function<Status(Document)>& emit) {
  std::error_code ec;
  auto size = std::filesystem::file_size(file.path, ec);
  if (!ec && size > kMaxHtmlBytes) {
    return file.error(fmt::format("is larger than {} MB of HTML; save it as text first", kMaxHtmlBytes >> 20));
  }
  MEMGPT_ASSIGN_OR_RETURN(std::string html, read_file(file.path));
  if (html.empty()) return file.error("is empty");
  if (looks_binary(std::string_view(html).substr(0, 8192))) return file.error("looks like a binary file, not HTML");
  auto text = html_to_text(html);
  if (!text.ok()) return Status(text.status().code(), fmt::format("{}: {}", file.label(), text.status().message()));
  return emit_text(file, std::move(*text), emit, "holds no visible text");
}

// word/document.xml of a .docx, read in pieces up to kMaxDocxXmlBytes whatever size the
// archive claims (a zip bomb inflates far beyond its header).
Result<std::string> docx_document_xml(const FileRef& file) {
  int err = 0;
  zip_t* z = zip_open(file.path.c_str(), ZIP_RDONLY, &err);
  if (!z) return file.error("is not a readable .docx (not a zip archive)");
  std::unique_ptr<zip_t, void (*)(zip_t*)> archive(z, zip_discard);
  zip_file_t* zf = zip_fopen(z, "word/document.xml", 0);
  if (!zf) return file.error("is not a Word document (no word/document.xml)");
  std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> part(zf, zip_fclose);
  std::string xml;
  std::vector<char> buf(1 << 16);
  for (;;) {
    zip_int64_t got = zip_fread(zf, buf.data(), buf.size());
    if (got < 0) return file.error("is damaged (word/document.xml cannot be decompressed)");
    if (got == 0) break;
    if (xml.size() + static_cast<size_t>(got) > kMaxDocxXmlBytes) {
      return file.error(fmt::format("has a document part larger than {} MB uncompressed", kMaxDocxXmlBytes >> 20));
    }
    xml.append(buf.data(), static_cast<size_t>(got));
  }
  return xml;
}

Status read_docx(const FileRef& file, const std::function<Status(Document)>& emit) {
  MEMGPT_ASSIGN_OR_RETURN(std::string xml, docx_document_xml(file));
  auto text = docx_xml_to_text(xml);
  if (!text.ok()) return file.error(text.status().message());
  return emit_text(file, std::move(*text), emit, "holds no text");
}

// The reason parse_json gives, without its "invalid JSON: " prefix or parentheses.
std::string json_error_reason(const Status& s) {
  size_t colon = s.message().find(": ");
  std::string reason = colon == std::string::npos ? s.message() : s.message().substr(colon + 2);
  if (size_t at = reason.find(" (at byte "); at != std::string::npos && reason.back() == ')') {
    reason = reason.substr(0, at) + " at byte " + reason.substr(at + 10, reason.size() - at - 11);
  }
  return reason;
}

// One document per item: the file's value, the elements of a top-level array, or each line.
Status emit_json_item(const FileRef& file, const Json& item, int part, const std::function<Status(Document)>& emit,
                      int& emitted) {
  std::string text = json_value_text(item);
  if (is_blank(text)) return {};
  Document d;
  d.text = std::move(text);
  d.path = file.path;
  d.part = part;
  if (item.is_object()) {
    for (const auto& [k, v] : item.items()) {
      if (k != "text" && (v.is_string() || v.is_number() || v.is_boolean()) && v.dump().size() < 256) {
        d.metadata[k] = v;
      }
    }
  }
  ++emitted;
  return emit(std::move(d));
}

Status read_json(const FileRef& file, const std::function<Status(Document)>& emit) {
  MEMGPT_ASSIGN_OR_RETURN(std::string content, read_file(file.path));
  if (content.find_first_not_of(" \t\r\n") == std::string::npos) return file.error("is empty");
  auto value = parse_json(content);
  if (!value.ok()) return file.error(fmt::format("is not valid JSON: {}", json_error_reason(value.status())));
  int emitted = 0;
  if (value->is_array()) {
    for (size_t i = 0; i < value->size(); ++i) {
      MEMGPT_RETURN_IF_ERROR(emit_json_item(file, (*value)[i], static_cast<int>(i), emit, emitted));
    }
  } else {
    MEMGPT_RETURN_IF_ERROR(emit_json_item(file, *value, 0, emit, emitted));
  }
  if (emitted == 0) return file.error("holds no text values");
  return {};
}

// "2, 5 and 9" (at most ten numbers, then how many more).
std::string line_list(const std::vector<size_t>& lines) {
  std::string out;
  size_t shown = std::min<size_t>(lines.size(), 10);
  for (size_t i = 0; i < shown; ++i) {
    if (i > 0) out += i + 1 == shown && shown == lines.size() ? " and " : ", ";
    out += std::to_string(lines[i]);
  }
  if (shown < lines.size()) out += fmt::format(" and {} more", lines.size() - shown);
  return out;
}

// JSON Lines: each line is parsed alone, so one bad line costs only itself (under --strict it
// fails the file). Read line by line: memory stays bounded by the longest line.
Status read_jsonl(const FileRef& file, const std::function<Status(Document)>& emit) {
  std::FILE* f = std::fopen(file.path.c_str(), "rb");
  if (!f) return io_error(fmt::format("{}: cannot open ({})", file.label(), std::strerror(errno)));
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> guard(f, std::fclose);
  std::vector<size_t> bad_lines;
  std::string first_reason;
  int emitted = 0;
  size_t line_no = 0;
  bool any_content = false;
  std::string line;
  std::vector<char> buf(1 << 16);
  auto take_line = [&]() -> Status {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) return {};
    any_content = true;
    auto value = parse_json(line);
    if (!value.ok()) {
      std::string reason = json_error_reason(value.status());
      if (file.options.strict) {
        return file.error(fmt::format("line {} is not valid JSON: {}", line_no, reason));
      }
      if (bad_lines.empty()) first_reason = reason;
      bad_lines.push_back(line_no);
      return {};
    }
    return emit_json_item(file, *value, static_cast<int>(line_no - 1), emit, emitted);
  };
  for (;;) {
    size_t n = std::fread(buf.data(), 1, buf.size(), f);
    if (n == 0) break;
    size_t start = 0;
    for (size_t i = 0; i < n; ++i) {
      if (buf[i] != '\n') continue;
      line.append(buf.data() + start, i - start);
      MEMGPT_RETURN_IF_ERROR(take_line());
      line.clear();
      start = i + 1;
    }
    line.append(buf.data() + start, n - start);
  }
  if (std::ferror(f)) return io_error(fmt::format("{}: read error", file.label()));
  if (!line.empty()) MEMGPT_RETURN_IF_ERROR(take_line());
  if (!any_content) return file.error("is empty");
  if (!bad_lines.empty()) {
    std::string what = fmt::format("line{} {} {} not valid JSON (line {}: {})", bad_lines.size() == 1 ? "" : "s",
                                   line_list(bad_lines), bad_lines.size() == 1 ? "is" : "are", bad_lines[0],
                                   first_reason);
    if (emitted == 0) return file.error(what);
    if (file.options.warn) file.options.warn(fmt::format("{}: {}; the other lines were loaded", file.label(), what));
  }
  if (emitted == 0) return file.error("holds no text values");
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
  return tidy_text(out);
}

Status read_documents(const std::string& path, const std::function<Status(Document)>& emit,
                      const ReadOptions& options) {
  FileRef file{path, options};
  const std::string& label = file.label();
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (ec == std::errc::too_many_symbolic_link_levels) {
    return invalid_argument(fmt::format("{}: is a symbolic link that leads back to itself (a loop)", label));
  }
  if (ec || !std::filesystem::exists(status)) {
    std::error_code lec;
    if (std::filesystem::is_symlink(std::filesystem::symlink_status(path, lec))) {
      return not_found(fmt::format("{}: is a symbolic link to a file that does not exist", label));
    }
    return not_found(fmt::format("{}: no such file", label));
  }
  if (std::filesystem::is_directory(status)) return invalid_argument(fmt::format("{}: is a folder", label));
  if (!std::filesystem::is_regular_file(status)) {
    return invalid_argument(fmt::format("{}: is not a regular file (a device, pipe or socket)", label));
  }
  if (::access(path.c_str(), R_OK) != 0) {
    return Status(ErrorCode::kPermissionDenied, fmt::format("{}: not readable (permission denied)", label));
  }
  std::string ext = lower_ext(path);
  if (ext == ".pdf") return read_pdf(file, emit);
  if (ext == ".html" || ext == ".htm") return read_html(file, emit);
  if (ext == ".docx") return read_docx(file, emit);
  if (ext == ".json") return read_json(file, emit);
  if (ext == ".jsonl") return read_jsonl(file, emit);
  if (!is_supported_extension(ext)) {
    return invalid_argument(fmt::format("{}: files of type '{}' are not supported", label,
                                        ext.empty() ? "(no extension)" : ext));
  }
  return read_text(file, emit);
}

}  // namespace memgpt::sources
