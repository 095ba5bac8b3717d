// Milvus boolean filter expressions (the subset in docs/storage.md): comparisons
// (== != < <= > >=), `in` / `not in` lists, `like` patterns, and/&&, or/||, not/!, parentheses,
// string/number/bool literals, JSON and dynamic fields (meta["key"]). Parsed once into a tree;
// the embedded engine evaluates the tree as SQL over its stored columns. Anything outside the
// subset is an error that names its position, never a silently ignored clause.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "util/json.h"
#include "util/status.h"

namespace memgpt::vector {

struct FilterNode {
  enum class Kind { kAnd, kOr, kNot, kCompare, kIn, kNotIn, kLike, kField, kLiteral, kList };
  Kind kind;
  std::string op;                  // kCompare: == != < <= > >=
  std::string field;               // kField: the field name
  std::vector<std::string> path;   // kField: JSON keys after the name (meta["a"]["b"])
  Json value;                      // kLiteral / kList (array)
  std::vector<std::unique_ptr<FilterNode>> children;
  size_t position = 0;             // where the node starts in the expression (for errors)
};

// Parses `expr`; empty or all-space -> nullptr (no filter). Errors carry Milvus code 1100 and
// the position: "cannot parse expression: <expr>, error: <what> at position N".
Result<std::unique_ptr<FilterNode>> parse_filter(const std::string& expr);

// Builds a Milvus filter `field in [..]` for ids (strings quoted and escaped).
std::string ids_filter(const std::string& field, const std::vector<Json>& ids);
// Escapes a string as a filter literal: "a \"b\"".
std::string filter_string_literal(const std::string& s);

}  // namespace memgpt::vector
