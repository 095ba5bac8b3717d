#include "embed/wordpiece.h"

#include <fmt/format.h>
#include <utf8proc.h>

#include <array>

namespace memgpt::embed {
namespace {

// Literal special tokens are matched before any normalisation, as HF's added tokens are.
constexpr std::array<std::string_view, 5> kSpecialTokens = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
constexpr size_t kMaxWordChars = 100;

bool is_whitespace(char32_t c) {
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r') return true;
  return utf8proc_category(static_cast<utf8proc_int32_t>(c)) == UTF8PROC_CATEGORY_ZS ||
         c == 0x0b || c == 0x0c || c == 0x85 || c == 0x2028 || c == 0x2029;
}

// "Other" characters (control, format, private use, surrogate) are dropped; tab and newlines
// are whitespace instead. Unassigned code points stay, as in the reference.
bool is_control(char32_t c) {
  if (c == '\t' || c == '\n' || c == '\r') return false;
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(c))) {
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_CS:
    case UTF8PROC_CATEGORY_CO:
      return true;
    default:
      return false;
  }
}

bool is_punctuation(char32_t c) {
  if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) return true;
  auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  return cat >= UTF8PROC_CATEGORY_PC && cat <= UTF8PROC_CATEGORY_PO;
}

// The CJK Unified Ideographs blocks (not Hiragana, Katakana or Hangul): one word each.
bool is_cjk(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

void append_utf8(std::string& out, char32_t c) {
  utf8proc_uint8_t buf[4];
  auto n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(c), buf);
  out.append(reinterpret_cast<const char*>(buf), static_cast<size_t>(n));
}

// Cleaned, CJK-spaced, accent-stripped, lower-cased code points of `text`.
std::u32string normalize(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  auto p = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(text.size());
  while (left > 0) {
    utf8proc_int32_t c = 0;
    utf8proc_ssize_t n = utf8proc_iterate(p, left, &c);
    if (n <= 0) {  // an invalid byte: the replacement character, which cleaning drops
      p += 1;
      left -= 1;
      continue;
    }
    p += n;
    left -= n;
    char32_t cp = static_cast<char32_t>(c);
    if (cp == 0 || cp == 0xFFFD || is_control(cp)) continue;
    if (is_whitespace(cp)) {
      out.push_back(U' ');
      continue;
    }
    if (is_cjk(cp)) {
      out.push_back(U' ');
      out.push_back(cp);
      out.push_back(U' ');
      continue;
    }
    utf8proc_int32_t decomposed[32];
    int last_boundclass = 0;
    utf8proc_ssize_t m = utf8proc_decompose_char(c, decomposed, 32, UTF8PROC_DECOMPOSE, &last_boundclass);
    if (m <= 0 || m > 32) {
      decomposed[0] = c;
      m = 1;
    }
    for (utf8proc_ssize_t i = 0; i < m; ++i) {
      if (utf8proc_category(decomposed[i]) == UTF8PROC_CATEGORY_MN) continue;
      out.push_back(static_cast<char32_t>(utf8proc_tolower(decomposed[i])));
    }
  }
  return out;
}

}  // namespace

Result<WordPieceTokenizer> WordPieceTokenizer::create(std::vector<std::string> vocab) {
  WordPieceTokenizer t;
  t.ids_.reserve(vocab.size());
  for (size_t i = 0; i < vocab.size(); ++i) t.ids_.emplace(vocab[i], static_cast<int32_t>(i));
  t.vocab_ = std::move(vocab);
  for (auto [name, slot] : {std::pair{"[UNK]", &t.unk_}, {"[CLS]", &t.cls_}, {"[SEP]", &t.sep_}}) {
    auto it = t.ids_.find(name);
    if (it == t.ids_.end()) return invalid_argument(fmt::format("the WordPiece vocabulary has no {} token", name));
    *slot = it->second;
  }
  return t;
}

void WordPieceTokenizer::append_word(const std::u32string& word, std::vector<int32_t>& out) const {
  if (word.size() > kMaxWordChars) {
    out.push_back(unk_);
    return;
  }
  std::string utf8;
  std::vector<size_t> offsets;  // byte offset of each character, and the end
  for (char32_t c : word) {
    offsets.push_back(utf8.size());
    append_utf8(utf8, c);
  }
  offsets.push_back(utf8.size());
  const size_t first = out.size();
  std::string candidate;
  for (size_t start = 0; start < word.size();) {
    int32_t found = -1;
    size_t end = word.size();
    for (; end > start; --end) {
      candidate.assign(start > 0 ? "##" : "");
      candidate.append(utf8, offsets[start], offsets[end] - offsets[start]);
      if (auto it = ids_.find(candidate); it != ids_.end()) {
        found = it->second;
        break;
      }
    }
    if (found < 0) {  // no piece fits: the whole word is unknown
      out.resize(first);
      out.push_back(unk_);
      return;
    }
    out.push_back(found);
    start = end;
  }
}

void WordPieceTokenizer::append_pieces(std::string_view text, std::vector<int32_t>& out) const {
  // Special tokens written in the text first, then the text between them.
  while (!text.empty()) {
    size_t at = std::string_view::npos;
    std::string_view special;
    for (std::string_view s : kSpecialTokens) {
      size_t pos = text.find(s);
      if (pos < at && ids_.count(std::string(s))) {
        at = pos;
        special = s;
      }
    }
    std::u32string normalized = normalize(text.substr(0, at));
    std::u32string word;
    for (char32_t c : normalized) {
      if (c == U' ' || is_punctuation(c)) {
        if (!word.empty()) append_word(word, out);
        word.clear();
        if (c != U' ') append_word(std::u32string(1, c), out);
      } else {
        word.push_back(c);
      }
    }
    if (!word.empty()) append_word(word, out);
    if (at == std::string_view::npos) break;
    out.push_back(ids_.at(std::string(special)));
    text.remove_prefix(at + special.size());
  }
}

std::vector<int32_t> WordPieceTokenizer::encode(std::string_view text, size_t max_ids, bool* truncated) const {
  std::vector<int32_t> ids{cls_};
  append_pieces(text, ids);
  const size_t limit = std::max<size_t>(max_ids, 2);
  if (truncated) *truncated = ids.size() + 1 > limit;
  if (ids.size() + 1 > limit) ids.resize(limit - 1);
  ids.push_back(sep_);
  return ids;
}

size_t WordPieceTokenizer::count_pieces(std::string_view text) const {
  std::vector<int32_t> ids;
  append_pieces(text, ids);
  return ids.size();
}

}  // namespace memgpt::embed
