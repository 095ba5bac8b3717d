#include "vector/text_tokenizer.h"

#include <sqlite3.h>

#include <mutex>
#include <unordered_map>

namespace memgpt::vector::embedded {
namespace {

// FTS5's tokenizer, reached through the fts5_api of a private in-memory connection: the same
// library and code as the tables' own, so the tokens are the same.
class Fts5Tokenizer {
 public:
  explicit Fts5Tokenizer(Analyzer analyzer) {
    if (sqlite3_open(":memory:", &db_) != SQLITE_OK) return;
    fts5_api* api = nullptr;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, "SELECT fts5(?1)", -1, &stmt, nullptr) != SQLITE_OK) return;
    sqlite3_bind_pointer(stmt, 1, &api, "fts5_api_ptr", nullptr);
    sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (!api) return;
    // kFtsTokenizer: "porter" wrapping "unicode61 remove_diacritics 2"; kStandardFtsTokenizer:
    // "unicode61 remove_diacritics 0".
    void* context = nullptr;
    bool porter = analyzer == Analyzer::kPorter;
    if (api->xFindTokenizer(api, porter ? "porter" : "unicode61", &context, &module_) != SQLITE_OK) return;
    const char* porter_args[] = {"unicode61", "remove_diacritics", "2"};
    const char* standard_args[] = {"remove_diacritics", "0"};
    int rc = porter ? module_.xCreate(context, porter_args, 3, &tokenizer_)
                    : module_.xCreate(context, standard_args, 2, &tokenizer_);
    if (rc != SQLITE_OK) tokenizer_ = nullptr;
  }
  ~Fts5Tokenizer() {
    if (tokenizer_) module_.xDelete(tokenizer_);
    if (db_) sqlite3_close(db_);
  }
  Fts5Tokenizer(const Fts5Tokenizer&) = delete;
  Fts5Tokenizer& operator=(const Fts5Tokenizer&) = delete;

  Status run(std::string_view text, const std::function<void(std::string_view, size_t, size_t)>& on_token) {
    if (!tokenizer_) return internal_error("SQLite's FTS5 tokenizer is unavailable");
    std::lock_guard lock(mu_);
    auto callback = [](void* ctx, int /*flags*/, const char* token, int n, int begin, int end) -> int {
      size_t len = std::min(static_cast<size_t>(n), kMaxTokenBytes);
      (*static_cast<const std::function<void(std::string_view, size_t, size_t)>*>(ctx))(
          std::string_view(token, len), static_cast<size_t>(begin), static_cast<size_t>(end));
      return SQLITE_OK;
    };
    int rc = module_.xTokenize(tokenizer_, const_cast<void*>(static_cast<const void*>(&on_token)),
                               FTS5_TOKENIZE_DOCUMENT, text.data(), static_cast<int>(text.size()), callback);
    if (rc != SQLITE_OK) return internal_error("cannot tokenise a text for keyword search (out of memory?)");
    return {};
  }

 private:
  sqlite3* db_ = nullptr;
  fts5_tokenizer module_{};
  ::Fts5Tokenizer* tokenizer_ = nullptr;
  std::mutex mu_;
};

Fts5Tokenizer& shared_tokenizer(Analyzer analyzer) {
  static Fts5Tokenizer porter(Analyzer::kPorter);
  static Fts5Tokenizer standard(Analyzer::kStandard);
  return analyzer == Analyzer::kPorter ? porter : standard;
}

}  // namespace

const char* fts_tokenizer(Analyzer analyzer) {
  return analyzer == Analyzer::kPorter ? kFtsTokenizer : kStandardFtsTokenizer;
}

Status tokenize(std::string_view text, const std::function<void(std::string_view, size_t, size_t)>& on_token,
                Analyzer analyzer) {
  return shared_tokenizer(analyzer).run(text, on_token);
}

Result<std::vector<QueryTerm>> query_terms(std::string_view text, size_t max_terms, Analyzer analyzer) {
  std::vector<QueryTerm> out;
  std::unordered_map<std::string, size_t> seen;  // token -> its place in `out`
  MEMGPT_RETURN_IF_ERROR(tokenize(text, [&](std::string_view token, size_t begin, size_t end) {
    std::string t(token);
    if (auto it = seen.find(t); it != seen.end()) {
      ++out[it->second].count;
      return;
    }
    if (out.size() >= max_terms) return;
    seen.emplace(t, out.size());
    out.push_back({std::move(t), std::string(text.substr(begin, end - begin))});
  }, analyzer));
  return out;
}

}  // namespace memgpt::vector::embedded
