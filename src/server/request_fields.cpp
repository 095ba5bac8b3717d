#include "server/request_fields.h"

#include <cstdlib>

#include <fmt/format.h>

namespace memgpt::server {

ApiResult<Json> parse_body(const http::Request& request) {
  if (request.body.empty()) return Json::object();
  Json body = parse_json_or_discarded(request.body);
  if (body.is_discarded()) return bad_request("the request body is not valid JSON");
  if (!body.is_object()) return invalid("body", "the request body must be a JSON object");
  return body;
}

ApiResult<std::optional<std::string>> opt_str(const Json& body, const char* key) {
  if (!body.contains(key) || body[key].is_null()) return std::optional<std::string>();
  if (!body[key].is_string()) return invalid(key, fmt::format("'{}' must be a string", key));
  return std::optional<std::string>(body[key].get<std::string>());
}

ApiResult<std::optional<int64_t>> opt_int(const Json& body, const char* key) {
  if (!body.contains(key) || body[key].is_null()) return std::optional<int64_t>();
  if (!body[key].is_number_integer()) return invalid(key, fmt::format("'{}' must be an integer", key));
  return std::optional<int64_t>(body[key].get<int64_t>());
}

ApiResult<std::optional<bool>> opt_bool(const Json& body, const char* key) {
  if (!body.contains(key) || body[key].is_null()) return std::optional<bool>();
  if (!body[key].is_boolean()) return invalid(key, fmt::format("'{}' must be a boolean", key));
  return std::optional<bool>(body[key].get<bool>());
}

ApiResult<std::string> req_str(const Json& body, const char* key) {
  API_ASSIGN_OR_RETURN(auto value, opt_str(body, key));
  if (!value) return invalid(key, fmt::format("'{}' is required", key));
  return *value;
}

std::string query_str(const http::Request& request, const char* key) { return request.query_value(key); }

ApiResult<int64_t> query_int(const http::Request& request, const char* key, int64_t dflt, int64_t lo, int64_t hi) {
  if (!request.has_query(key)) return dflt;
  const std::string v = request.query_value(key);
  char* end = nullptr;
  long long n = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0') return invalid(key, fmt::format("query parameter '{}' must be an integer", key));
  if (n < lo || n > hi) return invalid(key, fmt::format("query parameter '{}' must be between {} and {}", key, lo, hi));
  return static_cast<int64_t>(n);
}

ApiResult<bool> descending(const http::Request& request, bool dflt) {
  std::string order = query_str(request, "order");
  if (order.empty()) return dflt;
  if (order == "asc") return false;
  if (order == "desc") return true;
  return invalid("order", "query parameter 'order' must be 'asc' or 'desc'");
}

ApiResult<std::string> content_text(const Json& content, const char* field) {
  if (content.is_string()) return content.get<std::string>();
  if (!content.is_array()) return invalid(field, "message content must be a string or a list of text parts");
  std::string out;
  for (const auto& part : content) {
    if (!part.is_object() || !part.contains("text") || !part["text"].is_string()) {
      return invalid(field, "message content parts must be {\"type\": \"text\", \"text\": ...}");
    }
    if (!out.empty()) out += "\n";
    out += part["text"].get<std::string>();
  }
  return out;
}

ApiResult<Json> paged_json(const Json& items, const http::Request& request, int64_t default_limit) {
  std::vector<Json> list(items.begin(), items.end());
  API_ASSIGN_OR_RETURN(auto paged, page(std::move(list), request, [](const Json& j) { return j.value("id", ""); },
                                        default_limit));
  Json out = Json::array();
  for (auto& j : paged) out.push_back(std::move(j));
  return out;
}

}  // namespace memgpt::server
