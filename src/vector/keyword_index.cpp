#include "vector/keyword_index.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <queue>

namespace memgpt::vector::embedded {
namespace {

// FTS5's bm25() (sqlite/ext/fts5/fts5_aux.c), expression for expression; Milvus's BM25 metric
// differs only in its idf, which is never below zero (Lucene's).
double idf_of(int64_t n, int64_t df, const Bm25Scoring& s) {
  if (s.milvus_idf) return std::log(1.0 + (n - df + 0.5) / (df + 0.5));
  double idf = std::log((n - df + 0.5) / (df + 0.5));
  if (idf <= 0.0) idf = 1e-6;
  return idf;
}

double term_score(double idf, double tf, double dl, double avgdl, const Bm25Scoring& s) {
  return idf * ((tf * (s.k1 + 1.0)) / (tf + s.k1 * (1 - s.b + s.b * dl / avgdl)));
}

// Whether documents whose score is at most `bound` cannot enter a top k whose worst score is
// `threshold`. Every document still to come has a larger rid than those in the top k, so it
// must beat the threshold, not tie it. Scores are positive sums of at most kMaxQueryTerms
// terms, each rounded; the bound is raised by far more than their rounding can differ (a
// relative 1e-12 against 256 x 2^-53), so no document is pruned whose exact score, as FTS5
// computes it, would enter.
bool cannot_enter(double bound, double threshold) { return bound + bound * 1e-12 <= threshold; }

constexpr uint32_t kEnd = std::numeric_limits<uint32_t>::max();

// Little-endian fixed-width fields of the serialised form.
template <typename T>
void put(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}

class Reader {
 public:
  explicit Reader(std::string_view bytes) : s_(bytes) {}
  template <typename T>
  bool get(T& v) {
    if (s_.size() - pos_ < sizeof(T)) return false;
    std::memcpy(&v, s_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }
  bool get_bytes(size_t n, std::string_view& v) {
    if (s_.size() - pos_ < n) return false;
    v = s_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  size_t left() const { return s_.size() - pos_; }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

constexpr char kMagic[4] = {'M', 'G', 'K', 'W'};
constexpr uint32_t kFormat = 1;

}  // namespace

struct KeywordIndex::Cursor {
  const Term* term;
  size_t query_index;
  double idf;
  double bound;  // of every posting of the term
  size_t pos = 0;
  uint32_t doc() const { return pos < term->postings.size() ? term->postings[pos].doc : kEnd; }
};

void KeywordIndex::append_posting(uint32_t term, uint32_t doc, uint32_t tf) {
  Term& t = terms_[term];
  if (t.postings.size() % kBlock == 0) t.blocks.emplace_back();
  t.postings.push_back({doc, tf});
  Block& b = t.blocks.back();
  b.last_doc = doc;
  b.max_tf = std::max(b.max_tf, tf);
  b.min_dl = std::min(b.min_dl, lengths_[doc]);
}

void KeywordIndex::add(int64_t rid, const std::vector<std::string>& tokens) {
  auto doc = static_cast<uint32_t>(rids_.size());
  rids_.push_back(rid);
  lengths_.push_back(static_cast<uint32_t>(tokens.size()));
  dead_.push_back(0);
  std::unordered_map<uint32_t, uint32_t> tf;
  std::vector<uint32_t> order;  // first appearance, so the forward index is deterministic
  for (const auto& token : tokens) {
    auto [it, fresh] = term_ids_.try_emplace(token, static_cast<uint32_t>(terms_.size()));
    if (fresh) {
      terms_.emplace_back();
      term_names_.push_back(token);
    }
    if (tf[it->second]++ == 0) order.push_back(it->second);
  }
  for (uint32_t term : order) {
    append_posting(term, doc, tf[term]);
    ++terms_[term].live_df;
    forward_.push_back(term);
  }
  forward_begin_.push_back(forward_.size());
  ++live_docs_;
  live_tokens_ += static_cast<int64_t>(tokens.size());
}

void KeywordIndex::remove(int64_t rid) {
  auto it = std::lower_bound(rids_.begin(), rids_.end(), rid);
  if (it == rids_.end() || *it != rid) return;
  auto doc = static_cast<size_t>(it - rids_.begin());
  if (dead_[doc]) return;
  dead_[doc] = 1;
  ++dead_docs_;
  --live_docs_;
  live_tokens_ -= lengths_[doc];
  for (uint64_t i = forward_begin_[doc]; i < forward_begin_[doc + 1]; ++i) --terms_[forward_[i]].live_df;
}

void KeywordIndex::compact_if_worthwhile() {
  if (dead_docs_ < 1024 || dead_docs_ * 4 < live_docs_) return;
  std::vector<uint32_t> renumbered(rids_.size(), kEnd);
  std::vector<int64_t> rids;
  std::vector<uint32_t> lengths;
  for (size_t d = 0; d < rids_.size(); ++d) {
    if (dead_[d]) continue;
    renumbered[d] = static_cast<uint32_t>(rids.size());
    rids.push_back(rids_[d]);
    lengths.push_back(lengths_[d]);
  }
  std::vector<Term> old = std::move(terms_);
  std::vector<std::string> old_names = std::move(term_names_);
  terms_.clear();
  term_names_.clear();
  term_ids_.clear();
  rids_ = std::move(rids);
  lengths_ = std::move(lengths);
  dead_.assign(rids_.size(), 0);
  dead_docs_ = 0;
  for (size_t t = 0; t < old.size(); ++t) {
    if (old[t].live_df == 0) continue;  // a word no live document holds any more
    auto id = static_cast<uint32_t>(terms_.size());
    terms_.emplace_back();
    terms_.back().live_df = old[t].live_df;
    term_names_.push_back(std::move(old_names[t]));
    term_ids_.emplace(term_names_.back(), id);
    for (const Posting& p : old[t].postings) {
      if (renumbered[p.doc] != kEnd) append_posting(id, renumbered[p.doc], p.tf);
    }
  }
  rebuild_forward();
}

void KeywordIndex::rebuild_forward() {
  std::vector<uint64_t> count(rids_.size() + 1, 0);
  for (const Term& t : terms_) {
    for (const Posting& p : t.postings) ++count[p.doc + 1];
  }
  for (size_t d = 0; d < rids_.size(); ++d) count[d + 1] += count[d];
  forward_begin_ = count;
  forward_.assign(count.back(), 0);
  for (uint32_t id = 0; id < terms_.size(); ++id) {
    for (const Posting& p : terms_[id].postings) forward_[count[p.doc]++] = id;
  }
}

std::vector<KeywordHit> KeywordIndex::search(const std::vector<std::string>& terms, size_t k,
                                             const std::function<bool(int64_t)>* allowed, KeywordStats* stats,
                                             const Bm25Scoring& scoring) const {
  KeywordStats local;
  KeywordStats& st = stats ? *stats : local;
  st = {};
  if (k == 0 || live_docs_ == 0) return {};
  const double avgdl = static_cast<double>(live_tokens_) / static_cast<double>(live_docs_);
  auto block_bound = [&](const Cursor& c, size_t b) {
    const Block& blk = c.term->blocks[b];
    return term_score(c.idf, blk.max_tf, blk.min_dl, avgdl, scoring);
  };
  std::vector<Cursor> cursors;
  for (size_t i = 0; i < terms.size(); ++i) {
    auto it = term_ids_.find(terms[i]);
    if (it == term_ids_.end()) continue;
    const Term& t = terms_[it->second];
    if (t.live_df == 0) continue;
    double weight = i < scoring.term_weights.size() ? scoring.term_weights[i] : 1.0;
    Cursor c{&t, i, idf_of(live_docs_, t.live_df, scoring) * weight, 0.0};
    for (size_t b = 0; b < t.blocks.size(); ++b) c.bound = std::max(c.bound, block_bound(c, b));
    st.postings_total += static_cast<uint64_t>(t.live_df);
    cursors.push_back(c);
  }
  std::sort(cursors.begin(), cursors.end(), [](const Cursor& a, const Cursor& b) {
    return a.bound != b.bound ? a.bound < b.bound : a.query_index < b.query_index;
  });
  const size_t n = cursors.size();
  std::vector<double> prefix(n);  // bound of cursors [0, j]
  for (size_t j = 0; j < n; ++j) prefix[j] = (j ? prefix[j - 1] : 0.0) + cursors[j].bound;

  auto better = [](const KeywordHit& a, const KeywordHit& b) {  // as a heap order: the worst on top
    return a.score != b.score ? a.score > b.score : a.rid < b.rid;
  };
  std::priority_queue<KeywordHit, std::vector<KeywordHit>, decltype(better)> top(better);
  double threshold = -std::numeric_limits<double>::infinity();
  size_t first_essential = 0;  // cursors below it only check candidates the others propose
  std::vector<double> contribution(terms.size(), 0.0);
  std::vector<size_t> touched;

  for (;;) {
    uint32_t d = kEnd;
    for (size_t j = first_essential; j < n; ++j) d = std::min(d, cursors[j].doc());
    if (d == kEnd) break;
    bool skip = dead_[d] || (allowed && !(*allowed)(rids_[d]));
    double partial = 0.0;
    touched.clear();
    for (size_t j = first_essential; j < n; ++j) {
      Cursor& c = cursors[j];
      if (c.doc() != d) continue;
      ++st.postings_read;
      if (!skip) {
        const Posting& p = c.term->postings[c.pos];
        double s = term_score(c.idf, p.tf, lengths_[d], avgdl, scoring);
        contribution[c.query_index] = s;
        partial += s;
        touched.push_back(c.query_index);
      }
      ++c.pos;
    }
    if (skip) continue;
    bool pruned = false;
    for (size_t j = first_essential; j-- > 0;) {
      if (cannot_enter(partial + prefix[j], threshold)) {
        pruned = true;
        break;
      }
      Cursor& c = cursors[j];
      const auto& postings = c.term->postings;
      size_t b = c.pos / kBlock;
      while (b < c.term->blocks.size() && c.term->blocks[b].last_doc < d) ++b;
      if (b == c.term->blocks.size()) {
        c.pos = postings.size();
        continue;
      }
      if (cannot_enter(partial + (j ? prefix[j - 1] : 0.0) + block_bound(c, b), threshold)) {
        pruned = true;
        break;
      }
      size_t from = std::max(c.pos, b * kBlock);
      size_t to = std::min(postings.size(), (b + 1) * kBlock);
      c.pos = static_cast<size_t>(
          std::lower_bound(postings.begin() + static_cast<std::ptrdiff_t>(from), postings.begin() + static_cast<std::ptrdiff_t>(to), d,
                           [](const Posting& p, uint32_t doc) { return p.doc < doc; }) -
          postings.begin());
      ++st.postings_read;
      if (c.pos < postings.size() && postings[c.pos].doc == d) {
        double s = term_score(c.idf, postings[c.pos].tf, lengths_[d], avgdl, scoring);
        contribution[c.query_index] = s;
        partial += s;
        touched.push_back(c.query_index);
      }
    }
    if (!pruned) {
      // The score in query order, as FTS5 sums it.
      double score = 0.0;
      std::sort(touched.begin(), touched.end());
      for (size_t i : touched) score += contribution[i];
      KeywordHit hit{rids_[d], score};
      if (top.size() < k) {
        top.push(hit);
      } else if (better(hit, top.top())) {
        top.pop();
        top.push(hit);
      }
      if (top.size() == k) {
        threshold = top.top().score;
        while (first_essential < n && cannot_enter(prefix[first_essential], threshold)) ++first_essential;
      }
    }
    for (size_t i : touched) contribution[i] = 0.0;
  }
  std::vector<KeywordHit> out;
  out.reserve(top.size());
  while (!top.empty()) {
    out.push_back(top.top());
    top.pop();
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::string KeywordIndex::serialize() const {
  std::string out(kMagic, sizeof(kMagic));
  put<uint32_t>(out, kFormat);
  put<uint64_t>(out, rids_.size());
  for (size_t d = 0; d < rids_.size(); ++d) {
    put<int64_t>(out, rids_[d]);
    put<uint32_t>(out, lengths_[d]);
    put<uint8_t>(out, dead_[d]);
  }
  put<uint64_t>(out, terms_.size());
  for (size_t t = 0; t < terms_.size(); ++t) {
    put<uint32_t>(out, static_cast<uint32_t>(term_names_[t].size()));
    out += term_names_[t];
    put<uint64_t>(out, terms_[t].postings.size());
    for (const Posting& p : terms_[t].postings) {
      put<uint32_t>(out, p.doc);
      put<uint32_t>(out, p.tf);
    }
  }
  return out;
}

std::optional<KeywordIndex> KeywordIndex::parse(std::string_view bytes) {
  Reader r(bytes);
  std::string_view magic;
  uint32_t format = 0;
  uint64_t docs = 0;
  if (!r.get_bytes(sizeof(kMagic), magic) || magic != std::string_view(kMagic, sizeof(kMagic))) return std::nullopt;
  if (!r.get(format) || format != kFormat || !r.get(docs) || docs > r.left() / 13) return std::nullopt;
  KeywordIndex ix;
  ix.rids_.resize(docs);
  ix.lengths_.resize(docs);
  ix.dead_.resize(docs);
  for (uint64_t d = 0; d < docs; ++d) {
    if (!r.get(ix.rids_[d]) || !r.get(ix.lengths_[d]) || !r.get(ix.dead_[d]) || ix.dead_[d] > 1) return std::nullopt;
    if (d > 0 && ix.rids_[d] <= ix.rids_[d - 1]) return std::nullopt;
    if (ix.dead_[d]) {
      ++ix.dead_docs_;
    } else {
      ++ix.live_docs_;
      ix.live_tokens_ += ix.lengths_[d];
    }
  }
  uint64_t nterms = 0;
  if (!r.get(nterms) || nterms > r.left() / 12) return std::nullopt;
  std::vector<uint64_t> distinct(docs, 0);  // terms per doc, checked against its length
  for (uint64_t t = 0; t < nterms; ++t) {
    uint32_t len = 0;
    std::string_view name;
    uint64_t count = 0;
    if (!r.get(len) || !r.get_bytes(len, name) || !r.get(count) || count > r.left() / 8) return std::nullopt;
    auto id = static_cast<uint32_t>(ix.terms_.size());
    if (!ix.term_ids_.emplace(std::string(name), id).second) return std::nullopt;
    ix.term_names_.emplace_back(name);
    ix.terms_.emplace_back();
    int64_t prev = -1;
    for (uint64_t i = 0; i < count; ++i) {
      Posting p{};
      if (!r.get(p.doc) || !r.get(p.tf)) return std::nullopt;
      if (p.doc >= docs || static_cast<int64_t>(p.doc) <= prev || p.tf == 0 || p.tf > ix.lengths_[p.doc]) return std::nullopt;
      prev = p.doc;
      ix.append_posting(id, p.doc, p.tf);
      if (!ix.dead_[p.doc]) ++ix.terms_[id].live_df;
      ++distinct[p.doc];
    }
  }
  if (r.left() != 0) return std::nullopt;
  for (uint64_t d = 0; d < docs; ++d) {
    if (distinct[d] > ix.lengths_[d]) return std::nullopt;
  }
  ix.rebuild_forward();
  return ix;
}

}  // namespace memgpt::vector::embedded
