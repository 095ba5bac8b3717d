// Milvus boolean filter expressions (the subset in docs/storage.md): comparisons
// (== != < <= > >=), `in` / `not in` lists, `like` patterns, and/&&, or/||, not/!, parentheses,
// string/number/bool literals, JSON and dynamic fields (meta["key"]), array elements (tags[0],
// meta["list"][2]), array_length(f), and array_contains / array_contains_all /
// array_contains_any (json_contains* are the same functions; names in either case). Parsed once into a tree;
// the embedded engine compiles the tree to SQL (vector/filter_sql.h). Anything outside the
// subset is an error that names its position, never a silently ignored clause.
//
// Limits (outside input): parentheses and `not` nest at most kMaxFilterDepth levels, so parsing
// and every walk of the tree use bounded stack; a chain `a or b or c ...` of any length is one
// node with many children (no depth), parsed in time linear in the text.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "util/json.h"
#include "util/status.h"

namespace memgpt::vector {

inline constexpr int kMaxFilterDepth = 32;

struct FilterNode {
  // kAnd / kOr: two or more children (a chain is one node); kNot: one child; kCompare:
  // children = {field, literal}; kIn / kNotIn: {field, list}; kLike: {field}, value = pattern;
  // kContains: {field, literal (op "contains") or list (ops "all", "any")}, field = the
  // function's name as written.
  enum class Kind { kAnd, kOr, kNot, kCompare, kIn, kNotIn, kLike, kContains, kField, kLiteral, kList };
  Kind kind;
  std::string op;                  // kCompare: == != < <= > >=; kContains: contains, all, any
  std::string field;               // kField: the field name
  std::vector<Json> path;          // kField: JSON keys (strings) and array indexes (integers
                                   // >= 0) after the name: meta["a"][0], tags[2]
  bool length = false;             // kField: array_length(field) rather than the field
  Json value;                      // kLiteral / kList (array)
  std::vector<std::unique_ptr<FilterNode>> children;
  size_t position = 0;             // where the node starts in the expression (for errors)
};

// Parses `expr`; empty or all-space -> nullptr (no filter). Errors carry Milvus code 1100 and
// the position: "cannot parse expression: <expr>, error: <what> at position N" (a long
// expression is shown cut to its first 200 bytes).
Result<std::unique_ptr<FilterNode>> parse_filter(const std::string& expr);

// Builds a Milvus filter `field in [..]` for ids (strings quoted and escaped).
std::string ids_filter(const std::string& field, const std::vector<Json>& ids);
// Escapes a string as a filter literal: "a \"b\"".
std::string filter_string_literal(const std::string& s);
// The expression as quoted in error messages: one line, at most 200 bytes.
std::string shown_expression(const std::string& expr);

}  // namespace memgpt::vector
