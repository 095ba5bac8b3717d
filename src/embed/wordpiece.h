// BERT's WordPiece tokenizer (uncased), as HF `tokenizers` runs it for BertNormalizer +
// BertPreTokenizer + WordPiece: the special tokens ([CLS], [SEP], ...) written literally in the
// text are kept as such; the rest is cleaned (control characters dropped, whitespace made a
// space), CJK ideographs spaced apart, accents stripped (NFD, nonspacing marks removed) and
// lower-cased, split at whitespace and punctuation, and each word cut greedily into the longest
// pieces of the vocabulary ("##" marks a continuation; a word that cannot be cut, or of more than
// 100 characters, is [UNK]). Thread-safety: const methods may be called from several threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "util/status.h"

namespace memgpt::embed {

class WordPieceTokenizer {
 public:
  // `vocab` in vocab.txt order (the index is the id). It must hold [UNK], [CLS] and [SEP].
  static Result<WordPieceTokenizer> create(std::vector<std::string> vocab);

  // [CLS] pieces [SEP], cut to at most `max_ids` ids in all (the pieces beyond are dropped; the
  // [SEP] stays). `truncated`, when given, says whether any piece was dropped.
  std::vector<int32_t> encode(std::string_view text, size_t max_ids, bool* truncated = nullptr) const;
  // The number of pieces of `text`, without [CLS]/[SEP] and without any limit.
  size_t count_pieces(std::string_view text) const;

  const std::string& token(int32_t id) const { return vocab_.at(static_cast<size_t>(id)); }
  size_t vocab_size() const { return vocab_.size(); }

 private:
  void append_pieces(std::string_view text, std::vector<int32_t>& out) const;
  void append_word(const std::u32string& word, std::vector<int32_t>& out) const;

  std::vector<std::string> vocab_;
  std::unordered_map<std::string, int32_t> ids_;
  int32_t unk_ = 0, cls_ = 0, sep_ = 0;
};

// The tokenizer of a local embedding model (kLocalEmbeddingModel or a .gguf path), read from
// its GGUF vocabulary without loading the weights.
Result<WordPieceTokenizer> load_local_model_tokenizer(const std::string& model);

}  // namespace memgpt::embed
