#include "vector/filter_sql.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
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
  std::string column;                // pk, "f_<name>" or dyn
  std::string json_path;             // "" or $."a"[0]
  std::optional<DataType> type;      // the values' type when the schema fixes it (type-checked):
                                     // a scalar field, an Array's element, an array_length
  bool integers_only = false;        // Int64 array elements and lengths take no 1.5 (as Milvus)
  const FieldSchema* array = nullptr;  // an Array field named whole (tags, array_length(tags))
  bool length = false;               // array_length(...) of the field
  std::string shown;                 // as written, for messages: meta["a"]
  std::string key;                   // identity, for merging terms on one field
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
        if (f.type && *f.type != DataType::kVarChar) {
          return invalid_parameter(fmt::format("'like' needs a VarChar field, but {} is {}", f.shown,
                                               data_type_name(*f.type)));
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
      case Kind::kContains: return contains(n);
      case Kind::kLiteral:
        return Fragment{n.value.is_boolean() && n.value.get<bool>() ? "(1)" : "(0)", {}};
      default:
        return invalid_parameter("unsupported filter node");
    }
  }

 private:
  // The field a node names. `whole_array`: an Array field may stand for its whole value (the
  // first argument of array_contains); anywhere else it must be indexed or measured.
  Result<FieldRef> field(const FilterNode& node, bool whole_array = false) {
    FieldRef out;
    out.shown = node.field;
    out.key = node.field;
    for (const auto& k : node.path) {
      if (k.is_number_integer()) {
        out.shown += fmt::format("[{}]", k.get<int64_t>());
        out.key += fmt::format("\x1f#{}", k.get<int64_t>());
        continue;
      }
      const std::string& key = k.get_ref<const std::string&>();
      // The key goes into a quoted JSON path label, which has no escapes: a double quote would end
      // the label and a NUL the SQL text.
      if (key.find_first_of(std::string("\"\0", 2)) != std::string::npos) {
        return invalid_parameter(fmt::format("invalid JSON key {}: a key cannot contain '\"' or a NUL byte",
                                             filter_string_literal(key)));
      }
      out.shown += "[" + filter_string_literal(key) + "]";
      out.key += '\x1f' + key;
    }
    if (node.length) {
      out.shown = "array_length(" + out.shown + ")";
      out.key = "\x1elength\x1f" + out.key;
      out.length = true;
      out.type = DataType::kInt64;
      out.integers_only = true;
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
      if (f->type == DataType::kArray) return array_field(node, *f, whole_array, std::move(out));
      if (node.path.empty()) {
        if (node.length) {
          return invalid_parameter(fmt::format("array_length needs an Array field or a JSON path, but {} is {}",
                                               node.field, data_type_name(f->type)));
        }
        out.type = f->type;
        return out;
      }
      if (f->type != DataType::kJson) {
        return invalid_parameter(fmt::format("field {} is not a JSON field", node.field));
      }
      out.json_path = "$";
    }
    for (const auto& k : node.path) {
      if (k.is_number_integer()) out.json_path += fmt::format("[{}]", k.get<int64_t>());
      else out.json_path += ".\"" + k.get<std::string>() + "\"";
    }
    return out;
  }

  // An Array field: whole (array_contains, array_length) or one element by index (tags[0]),
  // whose values have the element type.
  static Result<FieldRef> array_field(const FilterNode& node, const FieldSchema& f, bool whole_array, FieldRef out) {
    if (node.path.empty()) {
      out.array = &f;
      if (!node.length && !whole_array) {
        return invalid_parameter(fmt::format("array field {} cannot be compared as a whole: use array_contains(...), "
                                             "array_length({}) or {}[index]",
                                             f.name, f.name, f.name));
      }
      return out;
    }
    if (node.length) {
      return invalid_parameter(fmt::format("array_length needs an array, not an element of array field {}", f.name));
    }
    if (!node.path[0].is_number_integer()) {
      return invalid_parameter(fmt::format("array field {} is indexed by integers, not by a JSON key", f.name));
    }
    if (node.path.size() > 1) {
      return invalid_parameter(fmt::format("the elements of array field {} are {} values, not JSON", f.name,
                                           data_type_name(f.element_type)));
    }
    int64_t index = node.path[0].get<int64_t>();
    if (index >= f.max_capacity) {
      return invalid_parameter(fmt::format("array index {} is out of range: {} holds at most {} elements", index,
                                           f.name, f.max_capacity));
    }
    if (whole_array) {
      return invalid_parameter(fmt::format("{} is one element of {}, not an array", out.shown, f.name));
    }
    out.json_path = fmt::format("$[{}]", index);
    out.type = f.element_type;
    out.integers_only = f.element_type == DataType::kInt64;
    return out;
  }

  static Status check(const FieldRef& f, const Json& v) {
    if (!f.type) return {};
    if (!v.is_array() && !v.is_object() && compatible(*f.type, v) && (!f.integers_only || v.is_number_integer())) {
      return {};
    }
    return invalid_parameter(fmt::format("comparisons between {} ({}) and {} ({}) are not supported", f.shown,
                                         data_type_name(*f.type),
                                         shown_expression(v.dump(-1, ' ', false, Json::error_handler_t::replace)),
                                         v.is_array() ? "a list" : literal_type(v)));
  }

  // The field's SQL; its JSON path (if any) joins the parameters here, in text order. A JSON
  // value that is missing or not an array has length 0, as in Milvus.
  static std::string lhs(const FieldRef& f, std::vector<SqlValue>& params) {
    if (f.length) {
      if (f.json_path.empty()) return "json_array_length(" + f.column + ")";
      params.emplace_back(f.json_path);
      return "COALESCE(json_array_length(" + f.column + ", ?), 0)";
    }
    if (f.json_path.empty()) return f.column;
    params.emplace_back(f.json_path);
    return "json_extract(" + f.column + ", ?)";
  }

  // array_contains(f, v) / _all(f, [..]) / _any(f, [..]) (and json_contains*) on an Array field
  // or a JSON path. An Array's values are checked against its element type; in JSON an element
  // matches a literal of its own JSON type (1 matches 1 only, 1.0 matches 1 and 1.0, true no 1).
  // A row whose field is NULL (Array) or not an array (JSON) matches neither it nor its negation.
  Result<Fragment> contains(const FilterNode& n) {
    MEMGPT_ASSIGN_OR_RETURN(FieldRef f, field(*n.children[0], true));
    if (!f.array && f.json_path.empty()) {
      return invalid_parameter(fmt::format("{}(...) needs an Array field or a JSON path, but {} is {}", n.field,
                                           f.shown, data_type_name(f.type.value_or(DataType::kJson))));
    }
    const Json& arg = n.children[1]->value;
    std::vector<Json> values;
    if (n.op == "contains") values.push_back(arg);
    for (const auto& v : n.op == "contains" ? Json::array() : arg) {
      bool seen = std::any_of(values.begin(), values.end(), [&](const Json& w) { return w.type() == v.type() && w == v; });
      if (!seen) values.push_back(v);
    }
    if (f.array) {
      FieldRef element = f;
      element.type = f.array->element_type;
      element.integers_only = false;  // as Milvus: array_contains(nums, 1.0) finds 1, 1.5 nothing
      element.shown = "the elements of " + f.shown;
      for (const auto& v : values) MEMGPT_RETURN_IF_ERROR(check(element, v));
    }
    // Each EXISTS reads the elements as e.value / e.type; a JSON path is bound once per read.
    auto elements = [&](std::vector<SqlValue>& params) {
      if (f.array) return "json_each(" + f.column + ") AS e";
      params.emplace_back(f.json_path);
      return "json_each(" + f.column + ", ?) AS e";
    };
    auto exists = [&](const std::vector<Json>& any_of) {
      Fragment out;
      out.sql = "EXISTS (SELECT 1 FROM " + elements(out.params) + " WHERE ";
      Fragment match = f.array ? typed_match(any_of) : json_match(any_of);
      out.sql += match.sql + ")";
      out.params.insert(out.params.end(), std::make_move_iterator(match.params.begin()),
                        std::make_move_iterator(match.params.end()));
      return out;
    };
    Fragment body;
    if (n.op == "all") {
      std::vector<Fragment> parts;
      for (const auto& v : values) parts.push_back(exists({v}));
      body = join(std::move(parts), " AND ");
    } else {
      body = exists(values);
    }
    Fragment out;
    if (f.array) {
      out.sql = "(CASE WHEN " + f.column + " IS NULL THEN NULL ELSE " + body.sql + " END)";
    } else {
      out.sql = "(CASE WHEN json_type(" + f.column + ", ?) = 'array' THEN " + body.sql + " END)";
      out.params.emplace_back(f.json_path);
    }
    out.params.insert(out.params.end(), std::make_move_iterator(body.params.begin()),
                      std::make_move_iterator(body.params.end()));
    return out;
  }

  // e.value among `values` (an Array's elements have the element type: plain SQL equality).
  static Fragment typed_match(const std::vector<Json>& values) {
    Fragment out;
    out.sql = "e.value IN (";
    append_values(values, out);
    return out;
  }

  // e.value among `values`, each compared only with elements of its JSON type.
  static Fragment json_match(const std::vector<Json>& values) {
    std::vector<Json> integers, numbers, strings;
    std::vector<Fragment> parts;
    for (const auto& v : values) {
      if (v.is_boolean()) {
        parts.push_back({v.get<bool>() ? "(e.type = 'true')" : "(e.type = 'false')", {}});
      } else if (v.is_number_integer()) {
        integers.push_back(v);
      } else if (v.is_number()) {
        numbers.push_back(v);
      } else if (v.is_string()) {
        strings.push_back(v);
      } else {  // a list: an element that is the same array
        parts.push_back({"(e.type = 'array' AND json(e.value) = json(?))", {v.dump(-1, ' ', false, Json::error_handler_t::replace)}});
      }
    }
    auto typed = [&](const char* types, const std::vector<Json>& of) {
      if (of.empty()) return;
      Fragment f;
      f.sql = std::string("(e.type IN (") + types + ") AND e.value IN (";
      append_values(of, f);
      f.sql += ")";
      parts.push_back(std::move(f));
    };
    typed("'integer'", integers);
    typed("'integer', 'real'", numbers);
    typed("'text'", strings);
    return join(std::move(parts), " OR ");
  }

  // "?, ?, ...)" or, past kMaxInlineList values, one JSON parameter read by json_each().
  static void append_values(const std::vector<Json>& values, Fragment& out) {
    if (values.size() > kMaxInlineList) {
      out.sql += "SELECT value FROM json_each(?))";
      out.params.emplace_back(Json(values).dump(-1, ' ', false, Json::error_handler_t::replace));
      return;
    }
    for (size_t i = 0; i < values.size(); ++i) {
      out.sql += i ? ", ?" : "?";
      out.params.push_back(literal_value(values[i]));
    }
    out.sql += ")";
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
      return v.is_string() && !is_valid_utf8(v.get_ref<const std::string&>());
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
