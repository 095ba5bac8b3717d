#include "sources/chunker.h"

#include <algorithm>

#include "tokenizer/tokenizer.h"

namespace memgpt::sources {
namespace {

// Splits into pieces ending at a paragraph break, a line break after a sentence end, or a
// sentence end followed by a space. Concatenating the pieces gives the text back.
std::vector<std::string> split_units(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool cut = false;
    if (c == '\n' && i + 1 < text.size() && text[i + 1] == '\n') {
      while (i + 1 < text.size() && text[i + 1] == '\n') ++i;
      cut = true;
    } else if ((c == '.' || c == '!' || c == '?') && i + 1 < text.size() &&
               (text[i + 1] == ' ' || text[i + 1] == '\n')) {
      ++i;  // keep the space with the sentence
      cut = true;
    }
    if (cut) {
      out.push_back(text.substr(start, i + 1 - start));
      start = i + 1;
    }
  }
  if (start < text.size()) out.push_back(text.substr(start));
  return out;
}

bool blank(const std::string& s) { return s.find_first_not_of(" \t\r\n\f") == std::string::npos; }

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n\f");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n\f");
  return s.substr(b, e - b + 1);
}

// Cuts text into windows of at most `max` tokens at token boundaries that are also character
// boundaries (a token may end inside a multi-byte character; such cuts move back).
std::vector<std::string> split_by_tokens(const std::string& text, int max) {
  const auto& tok = tokenizer::cl100k_base();
  auto ids = tok.encode(text);
  std::vector<std::string> out;
  size_t i = 0;
  while (i < ids.size()) {
    size_t end = std::min(ids.size(), i + static_cast<size_t>(max));
    std::string piece;
    for (;;) {
      piece = tok.decode(std::span<const uint32_t>(ids.data() + i, end - i));
      // Complete characters only: the last byte must not open or continue an unfinished one.
      size_t k = piece.size();
      size_t back = 0;
      while (k > 0 && back < 4 && (static_cast<unsigned char>(piece[k - 1]) & 0xc0) == 0x80) {
        --k;
        ++back;
      }
      bool complete = true;
      if (k > 0) {
        unsigned char lead = static_cast<unsigned char>(piece[k - 1]);
        size_t need = lead < 0x80 ? 0 : (lead >> 5) == 6 ? 1 : (lead >> 4) == 14 ? 2 : (lead >> 3) == 30 ? 3 : 0;
        complete = need == back || lead < 0x80;
      }
      if (complete || end == ids.size() || end <= i + 1) break;
      --end;
    }
    out.push_back(piece);
    i = end;
  }
  return out;
}

}  // namespace

std::vector<std::string> chunk_text(const std::string& text, const ChunkOptions& options) {
  const auto& tok = tokenizer::cl100k_base();
  int max = std::max(8, options.chunk_tokens);
  int overlap = std::clamp(options.overlap_tokens, 0, max / 2);
  // Units of at most `max` tokens.
  std::vector<std::pair<std::string, int>> units;
  for (auto& u : split_units(text)) {
    int n = static_cast<int>(tok.count(u));
    if (n <= max) {
      units.emplace_back(std::move(u), n);
    } else {
      for (auto& piece : split_by_tokens(u, max - overlap)) {
        units.emplace_back(piece, static_cast<int>(tok.count(piece)));
      }
    }
  }
  std::vector<std::string> chunks;
  std::string carry;  // the end of the previous chunk, repeated at the start of the next
  int carry_tokens = 0;
  size_t i = 0;
  while (i < units.size()) {
    bool with_carry = carry_tokens + units[i].second <= max;  // never over the chunk size
    std::string chunk = with_carry ? carry : "";
    int tokens = with_carry ? carry_tokens : 0;
    size_t j = i;
    while (j < units.size() && (tokens + units[j].second <= max || j == i)) {
      chunk += units[j].first;
      tokens += units[j].second;
      ++j;
    }
    std::string t = trim(chunk);
    if (!blank(t)) chunks.push_back(t);
    if (j >= units.size()) break;
    carry.clear();
    carry_tokens = 0;
    if (overlap > 0) {
      // The last `overlap` tokens of this chunk, cut at a character boundary.
      std::string tail = tok.decode(tok.encode_tail(t, static_cast<size_t>(overlap)));
      size_t k = 0;
      while (k < tail.size() && (static_cast<unsigned char>(tail[k]) & 0xc0) == 0x80) ++k;
      carry = trim(tail.substr(k)) + " ";
      carry_tokens = static_cast<int>(tok.count(carry));
    }
    i = j;
  }
  return chunks;
}

namespace {

// Appends the pieces of `chunk` that fit the limit; returns whether it had to cut it.
bool fit_chunk(std::string chunk, int chunk_tokens, const ModelLimit& limit, std::vector<std::string>& out,
               FitReport& report) {
  const size_t n = limit.count(chunk);
  if (n <= limit.max_tokens) {
    out.push_back(std::move(chunk));
    return false;
  }
  // Windows smaller in proportion, with a margin: tokenizers differ from word to word.
  const int smaller = static_cast<int>(static_cast<double>(chunk_tokens) * limit.max_tokens / n * 0.9);
  if (smaller < 8 || smaller >= chunk_tokens) {
    ++report.truncated;
    out.push_back(std::move(chunk));
    return false;
  }
  for (auto& piece : chunk_text(chunk, {smaller, 0})) fit_chunk(std::move(piece), smaller, limit, out, report);
  return true;
}

}  // namespace

std::vector<std::string> chunk_text_for_model(const std::string& text, const ChunkOptions& options,
                                              const ModelLimit& limit, FitReport* report) {
  std::vector<std::string> chunks = chunk_text(text, options);
  if (limit.max_tokens == 0 || !limit.count) return chunks;
  FitReport local;
  FitReport& r = report ? *report : local;
  r.max_tokens = limit.max_tokens;
  std::vector<std::string> out;
  out.reserve(chunks.size());
  for (auto& c : chunks) {
    if (fit_chunk(std::move(c), std::max(8, options.chunk_tokens), limit, out, r)) ++r.split;
  }
  return out;
}

}  // namespace memgpt::sources
