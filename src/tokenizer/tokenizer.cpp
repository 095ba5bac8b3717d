// tiktoken's byte-pair encoding, on tables generated at build time (see gen/gen_bpe_tables.cpp).
// Text is split by the encoding's pre-tokeniser regex (PCRE2, UTF + UCP, JIT), each piece is
// looked up whole, and otherwise merged pair by pair, lowest rank first, leftmost on ties —
// exactly tiktoken's order, so the ids are identical.
#define PCRE2_CODE_UNIT_WIDTH 8
#include "tokenizer/tokenizer.h"

#include <pcre2.h>

#include <cstring>
#include <limits>
#include <mutex>
#include <queue>
#include <stdexcept>

#include "tokenizer/bpe_hash.h"

extern "C" const unsigned char memgpt_bpe_cl100k_base[];
extern "C" const unsigned char memgpt_bpe_o200k_base[];

namespace memgpt::tokenizer {
namespace {

constexpr uint32_t kNoRank = std::numeric_limits<uint32_t>::max();

uint32_t read_u32(const unsigned char* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

// Looks at the sequence starting at in[i]: returns its length and whether it is well formed.
// For an ill-formed one the length is its maximal subpart (at least 1), per the Unicode rule.
std::pair<size_t, bool> utf8_sequence(std::string_view in, size_t i) {
  unsigned char c = static_cast<unsigned char>(in[i]);
  if (c < 0x80) return {1, true};
  size_t need;
  unsigned char lo = 0x80, hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) need = 1;
  else if (c == 0xe0) { need = 2; lo = 0xa0; }
  else if (c >= 0xe1 && c <= 0xec) need = 2;
  else if (c == 0xed) { need = 2; hi = 0x9f; }
  else if (c >= 0xee && c <= 0xef) need = 2;
  else if (c == 0xf0) { need = 3; lo = 0x90; }
  else if (c >= 0xf1 && c <= 0xf3) need = 3;
  else if (c == 0xf4) { need = 3; hi = 0x8f; }
  else return {1, false};
  size_t k = 1;
  for (; k <= need && i + k < in.size(); ++k) {
    unsigned char b = static_cast<unsigned char>(in[i + k]);
    if (b < lo || b > hi) break;
    lo = 0x80;
    hi = 0xbf;
  }
  return {k, k == need + 1};
}

// Replaces ill-formed UTF-8 with U+FFFD, one per maximal invalid subpart (the WHATWG rule that
// JavaScript's TextDecoder and Node's Buffer use), so our ids match tiktoken fed the same
// bytes through a JS string. Returns false when `in` was already valid (out untouched).
bool sanitize_utf8(std::string_view in, std::string& out) {
  size_t i = 0;
  bool changed = false;
  while (i < in.size()) {
    auto [n, valid] = utf8_sequence(in, i);
    if (!valid) {
      if (!changed) {
        out.assign(in.data(), i);
        changed = true;
      }
      out += "\xef\xbf\xbd";
    } else if (changed) {
      out.append(in.data() + i, n);
    }
    i += n;
  }
  return changed;
}

class BpeTokenizer final : public Tokenizer {
 public:
  BpeTokenizer(const char* name, const unsigned char* blob) : name_(name) {
    if (std::memcmp(blob, "MBPE", 4) != 0) throw std::logic_error("corrupt BPE table");
    n_ranks_ = read_u32(blob + 8);
    capacity_ = read_u32(blob + 12);
    uint32_t pool_size = read_u32(blob + 16);
    n_special_ = read_u32(blob + 20);
    uint32_t pattern_size = read_u32(blob + 24);
    const unsigned char* p = blob + 28;
    entries_ = p;
    p += 8ull * n_ranks_;
    table_ = p;
    p += 4ull * capacity_;
    specials_ = p;
    p += 12ull * n_special_;
    pool_ = reinterpret_cast<const char*>(p);
    pattern_ = std::string(pool_ + pool_size - pattern_size, pattern_size);
  }

  std::string_view name() const override { return name_; }

  std::vector<uint32_t> encode(std::string_view text) const override {
    std::vector<uint32_t> out;
    out.reserve(text.size() / 3 + 1);
    encode_ordinary(text, out);
    return out;
  }

  std::vector<uint32_t> encode_with_special(std::string_view text) const override {
    std::vector<uint32_t> out;
    size_t pos = 0;
    while (pos <= text.size()) {
      // The earliest special token at or after pos (longest on equal start).
      size_t best = std::string_view::npos, best_len = 0;
      uint32_t best_rank = 0;
      for (uint32_t s = 0; s < n_special_; ++s) {
        std::string_view sp = special_text(s);
        size_t at = text.find(sp, pos);
        if (at == std::string_view::npos) continue;
        if (at < best || (at == best && sp.size() > best_len)) {
          best = at;
          best_len = sp.size();
          best_rank = read_u32(specials_ + 12ull * s);
        }
      }
      if (best == std::string_view::npos) {
        encode_ordinary(text.substr(pos), out);
        break;
      }
      encode_ordinary(text.substr(pos, best - pos), out);
      out.push_back(best_rank);
      pos = best + best_len;
    }
    return out;
  }

  size_t count(std::string_view text) const override {
    thread_local std::vector<uint32_t> scratch;
    scratch.clear();
    encode_ordinary(text, scratch);
    return scratch.size();
  }

  // encode(text) is the ids of its pieces one after the other (each piece is merged alone), so
  // the last ids are those of the last pieces: the whole text is split (cheap), only its last
  // pieces are merged.
  std::vector<uint32_t> encode_tail(std::string_view text, size_t n) const override {
    std::vector<uint32_t> out;
    if (n == 0) return out;
    std::string sanitized;
    if (sanitize_utf8(text, sanitized)) text = sanitized;
    thread_local std::vector<std::pair<size_t, size_t>> pieces;
    pieces.clear();
    for_each_piece(text, [&](size_t start, size_t end) { pieces.emplace_back(start, end); });
    // Walk back from the last piece until the pieces hold n ids, then encode them in order.
    size_t first = pieces.size(), ids = 0;
    while (first > 0 && ids < n) {
      --first;
      out.clear();
      encode_piece(text.data() + pieces[first].first, pieces[first].second - pieces[first].first, out);
      ids += out.size();
    }
    out.clear();
    for (size_t k = first; k < pieces.size(); ++k) {
      encode_piece(text.data() + pieces[k].first, pieces[k].second - pieces[k].first, out);
    }
    if (out.size() > n) out.erase(out.begin(), out.end() - static_cast<ptrdiff_t>(n));
    return out;
  }

  std::string decode(std::span<const uint32_t> ids) const override {
    std::string out;
    for (uint32_t id : ids) {
      if (id < n_ranks_) {
        uint32_t off = read_u32(entries_ + 8ull * id), len = read_u32(entries_ + 8ull * id + 4);
        if (len > 0) {
          out.append(pool_ + off, len);
          continue;
        }
      }
      for (uint32_t s = 0; s < n_special_; ++s) {
        if (read_u32(specials_ + 12ull * s) == id) out += special_text(s);
      }
    }
    return out;
  }

 private:
  std::string_view special_text(uint32_t s) const {
    return {pool_ + read_u32(specials_ + 12ull * s + 4), read_u32(specials_ + 12ull * s + 8)};
  }

  uint32_t rank_of(const char* data, size_t size) const {
    uint32_t mask = capacity_ - 1;
    for (uint32_t slot = static_cast<uint32_t>(bpe_hash(data, size)) & mask;;
         slot = (slot + 1) & mask) {
      uint32_t v = read_u32(table_ + 4ull * slot);
      if (v == 0) return kNoRank;
      uint32_t rank = v - 1;
      uint32_t len = read_u32(entries_ + 8ull * rank + 4);
      if (len == size && std::memcmp(pool_ + read_u32(entries_ + 8ull * rank), data, size) == 0) {
        return rank;
      }
    }
  }

  const pcre2_code* regex() const {
    std::call_once(regex_once_, [this] {
      int err = 0;
      PCRE2_SIZE offset = 0;
      regex_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern_.data()), pattern_.size(),
                             PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK, &err, &offset, nullptr);
      if (!regex_) throw std::logic_error("the tokenizer pattern does not compile");
      pcre2_jit_compile(regex_, PCRE2_JIT_COMPLETE);
    });
    return regex_;
  }

  void encode_ordinary(std::string_view text, std::vector<uint32_t>& out) const {
    std::string sanitized;
    if (sanitize_utf8(text, sanitized)) text = sanitized;
    for_each_piece(text, [&](size_t start, size_t end) { encode_piece(text.data() + start, end - start, out); });
  }

  // Calls on_piece(start, end) for each piece of valid UTF-8 `text`, in order.
  template <typename OnPiece>
  void for_each_piece(std::string_view text, OnPiece&& on_piece) const {
    const pcre2_code* re = regex();
    // Match data per thread, freed when the thread ends (a bare thread_local pointer leaked it
    // once per thread: LeakSanitizer in `make test-asan`).
    struct MatchData {
      const pcre2_code* re = nullptr;
      pcre2_match_data* md = nullptr;
      ~MatchData() {
        if (md) pcre2_match_data_free(md);
      }
    };
    thread_local MatchData cached;
    if (cached.re != re) {
      if (cached.md) pcre2_match_data_free(cached.md);
      cached.md = pcre2_match_data_create_from_pattern(re, nullptr);
      cached.re = re;
    }
    pcre2_match_data* md = cached.md;
    auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    size_t pos = 0;
    while (pos < text.size()) {
      int rc = pcre2_match(re, subject, text.size(), pos, PCRE2_NO_UTF_CHECK, md, nullptr);
      if (rc < 0) break;  // no further match (the patterns cover all input, so only at the end)
      PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
      size_t start = ov[0], end = ov[1];
      if (end == start) {  // cannot happen with tiktoken's patterns; never loop forever
        ++pos;
        continue;
      }
      on_piece(start, end);
      pos = end;
    }
  }

  void encode_piece(const char* piece, size_t n, std::vector<uint32_t>& out) const {
    uint32_t whole = rank_of(piece, n);
    if (whole != kNoRank) {
      out.push_back(whole);
      return;
    }
    if (n < 256) merge_small(piece, n, out);
    else merge_large(piece, n, out);
  }

  // tiktoken's quadratic merge: fine for the short pieces that make up almost all text.
  void merge_small(const char* piece, size_t n, std::vector<uint32_t>& out) const {
    thread_local std::vector<std::pair<size_t, uint32_t>> parts;  // (start, rank of pair here)
    parts.clear();
    for (size_t i = 0; i <= n; ++i) parts.emplace_back(i, kNoRank);
    auto pair_rank = [&](size_t i) -> uint32_t {
      if (i + 2 >= parts.size()) return kNoRank;
      return rank_of(piece + parts[i].first, parts[i + 2].first - parts[i].first);
    };
    for (size_t i = 0; i + 2 < parts.size(); ++i) parts[i].second = pair_rank(i);
    while (parts.size() > 2) {
      uint32_t best = kNoRank;
      size_t at = 0;
      for (size_t i = 0; i + 1 < parts.size(); ++i) {
        if (parts[i].second < best) {
          best = parts[i].second;
          at = i;
        }
      }
      if (best == kNoRank) break;
      parts.erase(parts.begin() + static_cast<ptrdiff_t>(at) + 1);
      parts[at].second = pair_rank(at);
      if (at > 0) parts[at - 1].second = pair_rank(at - 1);
    }
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      out.push_back(rank_of(piece + parts[i].first, parts[i + 1].first - parts[i].first));
    }
  }

  // The same merge order with a heap and a linked list: O(n log n) for very long pieces
  // (e.g. a 100 KB run of letters), where the quadratic loop would stall.
  void merge_large(const char* piece, size_t n, std::vector<uint32_t>& out) const {
    std::vector<size_t> next(n), prev(n);
    std::vector<uint32_t> version(n, 0);
    std::vector<bool> alive(n, true);
    for (size_t i = 0; i < n; ++i) {
      next[i] = i + 1;  // n = end
      prev[i] = i == 0 ? SIZE_MAX : i - 1;
    }
    struct Entry {
      uint32_t rank;
      size_t start;
      uint32_t version;
      bool operator>(const Entry& o) const {
        return rank != o.rank ? rank > o.rank : start > o.start;
      }
    };
    std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap;
    auto pair_rank = [&](size_t i) -> uint32_t {
      size_t j = next[i];
      if (j >= n) return kNoRank;
      size_t end = next[j];
      return rank_of(piece + i, end - i);
    };
    for (size_t i = 0; i + 1 < n; ++i) {
      uint32_t r = pair_rank(i);
      if (r != kNoRank) heap.push({r, i, 0});
    }
    while (!heap.empty()) {
      Entry e = heap.top();
      heap.pop();
      if (!alive[e.start] || version[e.start] != e.version) continue;
      size_t j = next[e.start];
      if (j >= n) continue;
      // Merge j into e.start.
      alive[j] = false;
      next[e.start] = next[j];
      if (next[j] < n) prev[next[j]] = e.start;
      ++version[e.start];
      uint32_t r = pair_rank(e.start);
      if (r != kNoRank) heap.push({r, e.start, version[e.start]});
      if (prev[e.start] != SIZE_MAX) {
        size_t p = prev[e.start];
        ++version[p];
        uint32_t rp = pair_rank(p);
        if (rp != kNoRank) heap.push({rp, p, version[p]});
      }
    }
    for (size_t i = 0; i < n; i = next[i]) out.push_back(rank_of(piece + i, next[i] - i));
  }

  const char* name_;
  uint32_t n_ranks_ = 0, capacity_ = 0, n_special_ = 0;
  const unsigned char* entries_ = nullptr;
  const unsigned char* table_ = nullptr;
  const unsigned char* specials_ = nullptr;
  const char* pool_ = nullptr;
  std::string pattern_;
  mutable std::once_flag regex_once_;
  mutable pcre2_code* regex_ = nullptr;
};

}  // namespace

const Tokenizer& cl100k_base() {
  static const BpeTokenizer kTokenizer("cl100k_base", memgpt_bpe_cl100k_base);
  return kTokenizer;
}

const Tokenizer& o200k_base() {
  static const BpeTokenizer kTokenizer("o200k_base", memgpt_bpe_o200k_base);
  return kTokenizer;
}

TokenizerChoice tokenizer_for_model(std::string_view model) {
  // Provider prefixes ("openai/gpt-4o") do not change the tokenizer.
  if (auto slash = model.rfind('/'); slash != std::string_view::npos) model = model.substr(slash + 1);
  auto starts = [&](std::string_view p) { return model.substr(0, p.size()) == p; };
  if (starts("gpt-4o") || starts("o1") || starts("o3") || starts("o4") || starts("gpt-4.1") ||
      starts("gpt-4.5") || starts("gpt-5") || starts("chatgpt-4o")) {
    return {&o200k_base(), true};
  }
  if (starts("gpt-4") || starts("gpt-3.5") || starts("gpt-35") || starts("text-embedding-3") ||
      starts("text-embedding-ada-002")) {
    return {&cl100k_base(), true};
  }
  return {&cl100k_base(), false};
}

}  // namespace memgpt::tokenizer
