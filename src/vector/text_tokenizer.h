// The words of a text as the embedded engine's keyword index sees them: exactly the tokens
// SQLite's FTS5 makes of it with the tokenizer the collection's FTS5 table is declared with
// (kFtsTokenizer), because the tokenizer used is FTS5's own (porter over unicode61: letters,
// digits and private-use characters form words, case folded, diacritics removed, English
// suffixes stemmed). Keyword search ranks by the same tokens whether it reads the FTS5 table
// or the engine's inverted index (keyword_index.h).
//
// Thread-safe (one tokenizer instance behind a mutex; tokenising is not re-entrant in FTS5).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace memgpt::vector::embedded {

// The analyzers: kPorter for the "text" field of a collection without a BM25 function (stems
// English, folds diacritics); kStandard for a BM25 function's input, as Milvus's "standard"
// analyzer: words of letters and digits, lower-cased, nothing else changed.
enum class Analyzer { kPorter, kStandard };

// FTS5's `tokenize=` option of a collection's text index (embedded_schema.cpp), per analyzer.
inline constexpr const char* kFtsTokenizer = "porter unicode61 remove_diacritics 2";
inline constexpr const char* kStandardFtsTokenizer = "unicode61 remove_diacritics 0";
const char* fts_tokenizer(Analyzer analyzer);
// FTS5 keeps at most this many bytes of a token (FTS5_MAX_TOKEN_SIZE); longer ones are cut.
inline constexpr size_t kMaxTokenBytes = 32768;

// Calls `on_token(token, begin, end)` for every token of `text`, in order; [begin, end) is the
// token's source in `text`. Fails only when FTS5 is unavailable or out of memory.
Status tokenize(std::string_view text, const std::function<void(std::string_view, size_t, size_t)>& on_token,
                Analyzer analyzer = Analyzer::kPorter);

// One distinct word of a query: its token and the source text it came from (a quoted FTS5
// string of `source` matches exactly `token`).
struct QueryTerm {
  std::string token;
  std::string source;
  int count = 1;  // occurrences in the query
};
// The distinct tokens of a query in order of first appearance, at most `max_terms`.
Result<std::vector<QueryTerm>> query_terms(std::string_view text, size_t max_terms,
                                           Analyzer analyzer = Analyzer::kPorter);

}  // namespace memgpt::vector::embedded
