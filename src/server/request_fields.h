// Reading a request's input: the JSON body and its fields (a wrong type is a 422 naming the
// field), query parameters, and Letta's cursor paging (after / before / limit).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "http/http.h"
#include "server/api_result.h"
#include "util/json.h"

namespace memgpt::server {

// The body as a JSON object (an empty body is {}): 400 when not JSON, 422 when not an object.
ApiResult<Json> parse_body(const http::Request& request);

ApiResult<std::optional<std::string>> opt_str(const Json& body, const char* key);
ApiResult<std::optional<int64_t>> opt_int(const Json& body, const char* key);
ApiResult<std::optional<bool>> opt_bool(const Json& body, const char* key);
ApiResult<std::string> req_str(const Json& body, const char* key);  // 422 when missing

std::string query_str(const http::Request& request, const char* key);  // "" when absent
// An integer query parameter within [lo, hi] (422 otherwise), `dflt` when absent.
ApiResult<int64_t> query_int(const http::Request& request, const char* key, int64_t dflt, int64_t lo, int64_t hi);
// `order=asc|desc` (`dflt`: descending when absent).
ApiResult<bool> descending(const http::Request& request, bool dflt);

// The text of a Letta message's content: a string or [{type: "text", text}].
ApiResult<std::string> content_text(const Json& content, const char* field);

// Cursor paging over an ordered list (Letta's after/before/limit): the cursor is an item's id;
// an unknown cursor is a 404. Clients that auto-paginate ask again with after=<last id> and get
// an empty page at the end.
template <class T, class IdOf>
ApiResult<std::vector<T>> page(std::vector<T> items, const http::Request& request, IdOf id_of, int64_t default_limit) {
  std::string after = query_str(request, "after"), before = query_str(request, "before");
  API_ASSIGN_OR_RETURN(int64_t limit, query_int(request, "limit", default_limit, 1, 1000));
  auto find = [&](const std::string& id) -> std::optional<size_t> {
    for (size_t i = 0; i < items.size(); ++i) {
      if (id_of(items[i]) == id) return i;
    }
    return std::nullopt;
  };
  size_t begin = 0, end = items.size();
  for (const auto& [cursor, is_after] : {std::pair{after, true}, std::pair{before, false}}) {
    if (cursor.empty()) continue;
    auto at = find(cursor);
    if (!at) return not_found_error("cursor '" + cursor + "' is not in this list");
    if (is_after) begin = *at + 1;
    else end = *at;
  }
  if (begin > end) begin = end;
  size_t from = begin, to = std::min(end, begin + static_cast<size_t>(limit));
  if (!before.empty() && after.empty()) {  // the items closest to `before`
    from = std::max(begin, end > static_cast<size_t>(limit) ? end - static_cast<size_t>(limit) : size_t{0});
    to = end;
  }
  return std::vector<T>(std::make_move_iterator(items.begin() + static_cast<std::ptrdiff_t>(from)),
                        std::make_move_iterator(items.begin() + static_cast<std::ptrdiff_t>(to)));
}

// A JSON list of objects with "id", paged like the stored lists.
ApiResult<Json> paged_json(const Json& items, const http::Request& request, int64_t default_limit);

}  // namespace memgpt::server
