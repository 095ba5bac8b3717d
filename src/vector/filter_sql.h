// The filter compiler: a Milvus filter expression (parsed by vector/filter.h) becomes one SQL
// boolean expression over a collection's table (layout in embedded_schema.h). Its contract:
//  - Values are bound parameters, never spliced into the SQL; JSON keys too.
//  - Milvus's meaning: a row whose field is missing (NULL) matches no comparison, `in` or `like`
//    (nor their negations); `like` is case-sensitive with % and _ wildcards; `not not x` is x.
//  - Type errors are errors: a schema field compared with a literal of another type (VarChar
//    with a number, a number with a string or bool, Bool with a non-bool) and `like` on a
//    non-VarChar field fail with code 1100 naming the field. JSON paths and dynamic fields hold
//    any type and are not checked.
//  - Any length: equalities and `in` lists on one field joined by `or` become one IN (...),
//    and `!=` / `not in` on one field joined by `and` one NOT IN (...); a list longer than
//    kMaxInlineList values is one JSON parameter read by json_each(). Other chains are emitted
//    in groups of at most kMaxGroup terms. With kMaxFilterDepth this keeps SQLite's parser
//    stack and expression depth within its limits for chains of any length.
//  - Errors carry Milvus code 1100: "cannot parse expression: <expr>, error: <what>"; never SQL.
#pragma once

#include <string>
#include <vector>

#include "util/sql.h"
#include "util/status.h"
#include "vector/vector_store.h"

namespace memgpt::vector::embedded {

inline constexpr size_t kMaxInlineList = 256;
inline constexpr size_t kMaxGroup = 64;
// SQLite binds at most 32766 parameters per statement; the compiler refuses a filter that needs
// more than this many (lists count once), leaving room for the statement's own.
inline constexpr size_t kMaxFilterParams = 30000;
// SQLite's limit on a GLOB pattern (SQLITE_MAX_LIKE_PATTERN_LENGTH).
inline constexpr size_t kMaxLikePattern = 50000;

struct SqlFilter {
  std::string where = "1";  // "1": no filter
  std::vector<SqlValue> params;
};

// Empty or all-space `expr` -> no filter.
Result<SqlFilter> compile_filter(const CollectionSpec& spec, const std::string& expr);

// A compiled filter as a cache key: its SQL and its parameters.
std::string filter_key(const SqlFilter& f);

}  // namespace memgpt::vector::embedded
