#include "vector/filter_sql.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "vector/embedded_schema.h"
#include "vector/filter.h"
#include "vector/milvus_errors.h"

namespace memgpt::vector::embedded {
namespace {

using Kind = FilterNode::Kind;

// A piece of the WHERE clause with its parameters, in order.
struct Fragment {
  std::string sql;
  std::vector<SqlValue> params;
};

// Where a filter's field lives: a column, or a JSON path inside one (bound as a parameter).
struct FieldRef {
  std::string column;               // pk, "f_<name>" or dyn
  std::string json_path;            // "" or $."a"."b"
  const FieldSchema* typed = nullptr;  // a schema scalar compared directly (type-checked)
  std::string shown;                // as written, for messages: meta["a"]
  std::string key;                  // identity, for merging terms on one field
};

SqlValue literal_value(const Json& v) {
  if (v.is_boolean()) return int64_t{v.get<bool>() ? 1 : 0};
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) return v.get<std::string>();
  return nullptr;
}

const char* literal_type(const Json& v) {
  if (v.is_boolean()) return "Bool";
  if (v.is_number_integer()) return "Int64";
  if (v.is_number()) return "Double";
  return "VarChar";
}

bool compatible(DataType field, const Json& v) {
  switch (field) {
    case DataType::kVarChar: return v.is_string();
    case DataType::kInt64:
    case DataType::kFloat:
    case DataType::kDouble: return v.is_number();
    case DataType::kBool: return v.is_boolean();
    default: return true;  // JSON holds anything
  }
}

class Compiler {
 public:
  explicit Compiler(const CollectionSpec& spec) : spec_(spec) {}

  Result<Fragment> compile(const FilterNode& n) {
    switch (n.kind) {
      case Kind::kNot: {
        const FilterNode* inner = &n;
        bool negate = false;
        while (inner->kind == Kind::kNot) {  // not not x == x, in SQL's three-valued logic too
          negate = !negate;
          inner = inner->children[0].get();
        }
        MEMGPT_ASSIGN_OR_RETURN(Fragment f, compile(*inner));
        if (negate) f.sql = "(NOT " + f.sql + ")";
        return f;
      }
      case Kind::kAnd:
      case Kind::kOr: return chain(n);
      case Kind::kCompare: {
        MEMGPT_ASSIGN_OR_RETURN(FieldRef f, field(*n.children[0]));
        const Json& v = n.children[1]->value;
        if (v.is_array()) return invalid_parameter("a comparison needs one value; use 'in [...]' for a list");
        MEMGPT_RETURN_IF_ERROR(check(f, v));
        return compare(f, n.op, v);
      }
      case Kind::kIn:
      case Kind::kNotIn: {
        MEMGPT_ASSIGN_OR_RETURN(FieldRef f, field(*n.children[0]));
        std::vector<Json> values(n.children[1]->value.begin(), n.children[1]->value.end());
        for (const auto& v : values) MEMGPT_RETURN_IF_ERROR(check(f, v));
        return list(f, n.kind == Kind::kNotIn, std::move(values));
      }
      case Kind::kLike: {
        MEMGPT_ASSIGN_OR_RETURN(FieldRef f, field(*n.children[0]));
        if (f.typed && f.typed->type != DataType::kVarChar) {
          return invalid_parameter(fmt::format("'like' needs a VarChar field, but {} is {}", f.shown,
                                               data_type_name(f.typed->type)));
        }
        std::string glob = like_to_glob(n.value.get<std::string>());
        if (glob.size() > kMaxLikePattern) {
          return invalid_parameter(fmt::format("the 'like' pattern is longer than {} bytes", kMaxLikePattern));
        }
        Fragment out;
        out.sql = "(" + lhs(f, out.params) + " GLOB ?)";
        out.params.emplace_back(std::move(glob));
        return out;
      }
      case Kind::kLiteral:
        return Fragment{n.value.is_boolean() && n.value.get<bool>() ? "(1)" : "(0)", {}};
      default:
        return invalid_parameter("unsupported filter node");
    }
  }

 private:
  Result<FieldRef> field(const FilterNode& node) {
    FieldRef out;
    out.shown = node.field;
    out.key = node.field;
    for (const auto& k : node.path) {
      // The key goes into a quoted JSON path label, which has no escapes: a double quote would end
      // the label and a NUL the SQL text.
      if (k.find_first_of(std::string("\"\0", 2)) != std::string::npos) {
        return invalid_parameter(
            fmt::format("invalid JSON key {}: a key cannot contain '\"' or a NUL byte", filter_string_literal(k)));
      }
      out.shown += "[" + filter_string_literal(k) + "]";
      out.key += '\x1f' + k;
    }
    const FieldSchema* f = spec_.field(node.field);
    if (f && f->type == DataType::kFloatVector) {
      return invalid_parameter(fmt::format("cannot filter on vector field {}", node.field));
    }
    if (!f) {
      if (!spec_.enable_dynamic_field) return invalid_parameter(fmt::format("field {} not exist", node.field));
      out.column = "dyn";
      out.json_path = "$.\"" + node.field + "\"";
    } else {
      out.column = f->is_primary ? "pk" : column_of(f->name);
      if (node.path.empty()) {
        out.typed = f;
        return out;
      }
      if (f->type != DataType::kJson) {
        return invalid_parameter(fmt::format("field {} is not a JSON field", node.field));
      }
      out.json_path = "$";
    }
    for (const auto& k : node.path) out.json_path += ".\"" + k + "\"";
    return out;
  }

  Status check(const FieldRef& f, const Json& v) const {
    if (!f.typed || compatible(f.typed->type, v)) return {};
    return invalid_parameter(fmt::format("comparisons between {} ({}) and {} ({}) are not supported",
                                         f.shown, data_type_name(f.typed->type),
                                         shown_expression(v.dump(-1, ' ', false, Json::error_handler_t::replace)),
                                         literal_type(v)));
  }

  // The field's SQL; its JSON path (if any) joins the parameters here, in text order.
  static std::string lhs(const FieldRef& f, std::vector<SqlValue>& params) {
    if (f.json_path.empty()) return f.column;
    params.emplace_back(f.json_path);
    return "json_extract(" + f.column + ", ?)";
  }

  static Fragment compare(const FieldRef& f, const std::string& op, const Json& v) {
    Fragment out;
    out.sql = "(" + lhs(f, out.params) + " " + (op == "==" ? "=" : op) + " ?)";
    out.params.push_back(literal_value(v));
    return out;
  }

  static Fragment list(const FieldRef& f, bool negated, std::vector<Json> values) {
    // A string that is not UTF-8 equals no stored value (the engine stores only valid UTF-8).
    std::erase_if(values, [](const Json& v) {
      return v.is_string() && !valid_utf8(v.get_ref<const std::string&>());
    });
    Fragment out;
    if (values.empty()) {
      if (!negated) return Fragment{"(0)", {}};
      out.sql = "(" + lhs(f, out.params) + " IS NOT NULL)";
      return out;
    }
    out.sql = "(" + lhs(f, out.params) + (negated ? " NOT IN (" : " IN (");
    if (values.size() > kMaxInlineList) {
      // One parameter whatever the length: SQLite reads the values back with their JSON types
      // (true/false as 1/0, like literal_value()).
      out.sql += "SELECT value FROM json_each(?)))";
      out.params.emplace_back(Json(values).dump());
      return out;
    }
    for (size_t i = 0; i < values.size(); ++i) {
      out.sql += i ? ", ?" : "?";
      out.params.push_back(literal_value(values[i]));
    }
    out.sql += "))";
    return out;
  }

  static std::string like_to_glob(const std::string& pat) {
    // Milvus `like` is case-sensitive with % and _ wildcards: GLOB with the same meaning.
    std::string glob;
    for (size_t i = 0; i < pat.size(); ++i) {
      char c = pat[i];
      if (c == '\\' && i + 1 < pat.size()) {
        char n = pat[++i];
        if (n == '*' || n == '?' || n == '[') glob += std::string("[") + n + "]";
        else glob += n;
      } else if (c == '%') {
        glob += '*';
      } else if (c == '_') {
        glob += '?';
      } else if (c == '*' || c == '?' || c == '[') {
        glob += std::string("[") + c + "]";
      } else {
        glob += c;
      }
    }
    return glob;
  }

  // Terms of an and/or chain, with nested chains of the same operator (from parentheses)
  // flattened; the nesting is bounded by kMaxFilterDepth.
  static void collect(const FilterNode& n, Kind kind, std::vector<const FilterNode*>& out) {
    for (const auto& c : n.children) {
      if (c->kind == kind) collect(*c, kind, out);
      else out.push_back(c.get());
    }
  }

  Result<Fragment> chain(const FilterNode& n) {
    bool is_or = n.kind == Kind::kOr;
    std::vector<const FilterNode*> terms;
    collect(n, n.kind, terms);
    // Equalities (or) / inequalities (and) on one field merge into one list.
    struct Group {
      FieldRef field;
      std::vector<Json> values;
      int terms = 0;
      bool had_list = false;
    };
    std::vector<Group> groups;
    std::unordered_map<std::string, size_t> group_of;
    std::vector<std::pair<const FilterNode*, size_t>> order;  // (term, -) or (nullptr, group)
    for (const FilterNode* t : terms) {
      bool single = t->kind == Kind::kCompare && t->op == (is_or ? "==" : "!=");
      bool listed = t->kind == (is_or ? Kind::kIn : Kind::kNotIn);
      if (!single && !listed) {
        order.emplace_back(t, 0);
        continue;
      }
      MEMGPT_ASSIGN_OR_RETURN(FieldRef f, field(*t->children[0]));
      auto [it, fresh] = group_of.emplace(f.key, groups.size());
      if (fresh) {
        groups.push_back({f, {}, 0, false});
        order.emplace_back(nullptr, it->second);
      }
      Group& g = groups[it->second];
      const Json& v = t->children[1]->value;
      if (single) {
        if (v.is_array()) return invalid_parameter("a comparison needs one value; use 'in [...]' for a list");
        MEMGPT_RETURN_IF_ERROR(check(f, v));
        g.values.push_back(v);
      } else {
        for (const auto& x : v) {
          MEMGPT_RETURN_IF_ERROR(check(f, x));
          g.values.push_back(x);
        }
        g.had_list = true;
      }
      ++g.terms;
    }
    std::vector<Fragment> parts;
    parts.reserve(order.size());
    for (const auto& [term, group] : order) {
      if (term) {
        MEMGPT_ASSIGN_OR_RETURN(Fragment f, compile(*term));
        parts.push_back(std::move(f));
        continue;
      }
      Group& g = groups[group];
      if (g.terms == 1 && !g.had_list) parts.push_back(compare(g.field, is_or ? "==" : "!=", g.values[0]));
      else parts.push_back(list(g.field, !is_or, std::move(g.values)));
    }
    return join(std::move(parts), is_or ? " OR " : " AND ");
  }

  // a OP b OP c ... in groups of at most kMaxGroup, so depth grows as log(terms).
  static Fragment join(std::vector<Fragment> parts, const char* op) {
    auto join_flat = [op](std::vector<Fragment>::iterator begin, std::vector<Fragment>::iterator end) {
      if (end - begin == 1) return std::move(*begin);
      Fragment out;
      out.sql = "(";
      for (auto it = begin; it != end; ++it) {
        if (it != begin) out.sql += op;
        out.sql += it->sql;
        out.params.insert(out.params.end(), std::make_move_iterator(it->params.begin()),
                          std::make_move_iterator(it->params.end()));
      }
      out.sql += ")";
      return out;
    };
    while (parts.size() > kMaxGroup) {
      std::vector<Fragment> grouped;
      for (size_t i = 0; i < parts.size(); i += kMaxGroup) {
        auto end = parts.begin() + static_cast<std::ptrdiff_t>(std::min(parts.size(), i + kMaxGroup));
        grouped.push_back(join_flat(parts.begin() + static_cast<std::ptrdiff_t>(i), end));
      }
      parts = std::move(grouped);
    }
    return join_flat(parts.begin(), parts.end());
  }

  const CollectionSpec& spec_;
};

}  // namespace

Result<SqlFilter> compile_filter(const CollectionSpec& spec, const std::string& expr) {
  SqlFilter out;
  MEMGPT_ASSIGN_OR_RETURN(auto tree, parse_filter(expr));
  if (!tree) return out;
  auto error = [&](const std::string& what) {
    return invalid_parameter(fmt::format("cannot parse expression: {}, error: {}", shown_expression(expr), what));
  };
  Compiler compiler(spec);
  auto compiled = compiler.compile(*tree);
  if (!compiled.ok()) return error(compiled.status().message());
  if (compiled->params.size() > kMaxFilterParams) {
    return error(fmt::format("the expression has more than {} terms; join equalities on one field "
                             "with 'in [...]'",
                             kMaxFilterParams));
  }
  out.where = std::move(compiled->sql);
  out.params = std::move(compiled->params);
  return out;
}

std::string filter_key(const SqlFilter& f) {
  // Typed and length-prefixed, so 1, 1.0 and "1" (which SQL compares differently) never share
  // a key, and no text can imitate a parameter boundary.
  std::string key = f.where;
  for (const auto& v : f.params) {
    std::string text;
    char tag = 'n';
    if (auto i = std::get_if<int64_t>(&v)) tag = 'i', text = std::to_string(*i);
    else if (auto d = std::get_if<double>(&v)) tag = 'd', text = fmt::format("{}", *d);
    else if (auto t = std::get_if<std::string>(&v)) tag = 's', text = *t;
    else if (auto b = std::get_if<SqlBlob>(&v)) tag = 'b', text = b->bytes;
    key += fmt::format("\x1f{}{}:", tag, text.size());
    key += text;
  }
  return key;
}

}  // namespace memgpt::vector::embedded
