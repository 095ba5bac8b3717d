#include "vector/text_tokenizer.h"

#include <sqlite3.h>

#include <mutex>
#include <unordered_set>

namespace memgpt::vector::embedded {
namespace {

// FTS5's tokenizer, reached through the fts5_api of a private in-memory connection: the same
// library and code as the tables' own, so the tokens are the same.
class Fts5Tokenizer {
 public:
  Fts5Tokenizer() {
    if (sqlite3_open(":memory:", &db_) != SQLITE_OK) return;
    fts5_api* api = nullptr;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, "SELECT fts5(?1)", -1, &stmt, nullptr) != SQLITE_OK) return;
    sqlite3_bind_pointer(stmt, 1, &api, "fts5_api_ptr", nullptr);
    sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (!api) return;
    // kFtsTokenizer: "porter" wrapping "unicode61 remove_diacritics 2".
    void* context = nullptr;
    if (api->xFindTokenizer(api, "porter", &context, &module_) != SQLITE_OK) return;
    const char* args[] = {"unicode61", "remove_diacritics", "2"};
    if (module_.xCreate(context, args, 3, &tokenizer_) != SQLITE_OK) tokenizer_ = nullptr;
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

Fts5Tokenizer& shared_tokenizer() {
  static Fts5Tokenizer instance;
  return instance;
}

}  // namespace

Status tokenize(std::string_view text, const std::function<void(std::string_view, size_t, size_t)>& on_token) {
  return shared_tokenizer().run(text, on_token);
}

Result<std::vector<QueryTerm>> query_terms(std::string_view text, size_t max_terms) {
  std::vector<QueryTerm> out;
  std::unordered_set<std::string> seen;
  MEMGPT_RETURN_IF_ERROR(tokenize(text, [&](std::string_view token, size_t begin, size_t end) {
    if (out.size() >= max_terms) return;
    std::string t(token);
    if (!seen.insert(t).second) return;
    out.push_back({std::move(t), std::string(text.substr(begin, end - begin))});
  }));
  return out;
}

}  // namespace memgpt::vector::embedded
