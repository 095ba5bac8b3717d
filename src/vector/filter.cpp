#include "vector/filter.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "vector/milvus_errors.h"

namespace memgpt::vector {
namespace {

struct Token {
  enum class Kind { kEnd, kIdent, kString, kNumber, kOp, kLParen, kRParen, kLBracket, kRBracket, kComma };
  Kind kind;
  std::string text;
  Json number;
  size_t pos;
};

class Parser {
 public:
  explicit Parser(const std::string& expr) : expr_(expr) {}

  Result<std::unique_ptr<FilterNode>> parse() {
    MEMGPT_RETURN_IF_ERROR(tokenize());
    MEMGPT_ASSIGN_OR_RETURN(auto node, parse_or());
    if (peek().kind != Token::Kind::kEnd) return error("unexpected '" + peek().text + "'", peek().pos);
    return node;
  }

 private:
  Status error(const std::string& what, size_t pos) {
    return invalid_parameter(fmt::format("cannot parse expression: {}, error: {} at position {}",
                                         shown_expression(expr_), what, pos));
  }

  // One more level of parentheses or `not`; refused past kMaxFilterDepth so that recursion
  // (here, in the compiler and in the tree's destructor) stays bounded.
  struct Nest {
    explicit Nest(int& depth) : depth_(depth) { ++depth_; }
    ~Nest() { --depth_; }
    int& depth_;
  };
  Status too_deep(size_t pos) {
    return error(fmt::format("the expression nests deeper than {} levels of parentheses and 'not'",
                             kMaxFilterDepth),
                 pos);
  }

  Status tokenize() {
    size_t i = 0;
    while (i < expr_.size()) {
      char c = expr_[i];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i;
        continue;
      }
      size_t start = i;
      if (c == '"' || c == '\'') {
        std::string s;
        ++i;
        bool closed = false;
        while (i < expr_.size()) {
          char d = expr_[i];
          if (d == '\\' && i + 1 < expr_.size()) {
            char e = expr_[i + 1];
            switch (e) {
              case 'n': s += '\n'; break;
              case 't': s += '\t'; break;
              case 'r': s += '\r'; break;
              default: s += e;
            }
            i += 2;
            continue;
          }
          if (d == c) {
            closed = true;
            ++i;
            break;
          }
          s += d;
          ++i;
        }
        if (!closed) return error("unterminated string", start);
        tokens_.push_back({Token::Kind::kString, s, {}, start});
        continue;
      }
      if (std::isdigit(static_cast<unsigned char>(c)) ||
          ((c == '-' || c == '+' || c == '.') && i + 1 < expr_.size() &&
           (std::isdigit(static_cast<unsigned char>(expr_[i + 1])) || expr_[i + 1] == '.'))) {
        size_t j = i + 1;
        bool is_float = c == '.';
        while (j < expr_.size() &&
               (std::isdigit(static_cast<unsigned char>(expr_[j])) || expr_[j] == '.' ||
                expr_[j] == 'e' || expr_[j] == 'E' ||
                ((expr_[j] == '-' || expr_[j] == '+') && (expr_[j - 1] == 'e' || expr_[j - 1] == 'E')))) {
          if (expr_[j] == '.' || expr_[j] == 'e' || expr_[j] == 'E') is_float = true;
          ++j;
        }
        std::string text = expr_.substr(i, j - i);
        Json num;
        try {
          if (is_float) num = std::stod(text);
          else num = static_cast<int64_t>(std::stoll(text));
        } catch (...) {
          return error("bad number '" + text + "'", start);
        }
        tokens_.push_back({Token::Kind::kNumber, text, num, start});
        i = j;
        continue;
      }
      if (std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$') {
        size_t j = i;
        while (j < expr_.size() && (std::isalnum(static_cast<unsigned char>(expr_[j])) ||
                                    expr_[j] == '_' || expr_[j] == '$')) {
          ++j;
        }
        tokens_.push_back({Token::Kind::kIdent, expr_.substr(i, j - i), {}, start});
        i = j;
        continue;
      }
      auto two = expr_.substr(i, 2);
      if (two == "==" || two == "!=" || two == "<=" || two == ">=" || two == "&&" || two == "||") {
        tokens_.push_back({Token::Kind::kOp, two, {}, start});
        i += 2;
        continue;
      }
      switch (c) {
        case '<': case '>': case '!':
          tokens_.push_back({Token::Kind::kOp, std::string(1, c), {}, start});
          break;
        case '(': tokens_.push_back({Token::Kind::kLParen, "(", {}, start}); break;
        case ')': tokens_.push_back({Token::Kind::kRParen, ")", {}, start}); break;
        case '[': tokens_.push_back({Token::Kind::kLBracket, "[", {}, start}); break;
        case ']': tokens_.push_back({Token::Kind::kRBracket, "]", {}, start}); break;
        case ',': tokens_.push_back({Token::Kind::kComma, ",", {}, start}); break;
        default:
          return error(fmt::format("unsupported character '{}'", c), start);
      }
      ++i;
    }
    tokens_.push_back({Token::Kind::kEnd, "end of expression", {}, expr_.size()});
    return {};
  }

  const Token& peek(size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  const Token& next() { return tokens_[std::min(pos_++, tokens_.size() - 1)]; }
  static bool is_word(const Token& t, const char* w) {
    if (t.kind != Token::Kind::kIdent) return false;
    std::string lower;
    for (char c : t.text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return lower == w;
  }

  // A chain of one operator is one node: `a or b or c` -> kOr{a, b, c}, built in a loop.
  Result<std::unique_ptr<FilterNode>> parse_or() {
    MEMGPT_ASSIGN_OR_RETURN(auto first, parse_and());
    std::unique_ptr<FilterNode> chain;
    while (is_word(peek(), "or") || (peek().kind == Token::Kind::kOp && peek().text == "||")) {
      size_t p = next().pos;
      MEMGPT_ASSIGN_OR_RETURN(auto right, parse_and());
      if (!chain) {
        chain = std::make_unique<FilterNode>(FilterNode{FilterNode::Kind::kOr});
        chain->position = p;
        chain->children.push_back(std::move(first));
      }
      chain->children.push_back(std::move(right));
    }
    return chain ? std::move(chain) : std::move(first);
  }

  Result<std::unique_ptr<FilterNode>> parse_and() {
    MEMGPT_ASSIGN_OR_RETURN(auto first, parse_not());
    std::unique_ptr<FilterNode> chain;
    while (is_word(peek(), "and") || (peek().kind == Token::Kind::kOp && peek().text == "&&")) {
      size_t p = next().pos;
      MEMGPT_ASSIGN_OR_RETURN(auto right, parse_not());
      if (!chain) {
        chain = std::make_unique<FilterNode>(FilterNode{FilterNode::Kind::kAnd});
        chain->position = p;
        chain->children.push_back(std::move(first));
      }
      chain->children.push_back(std::move(right));
    }
    return chain ? std::move(chain) : std::move(first);
  }

  Result<std::unique_ptr<FilterNode>> parse_not() {
    if (is_word(peek(), "not") || (peek().kind == Token::Kind::kOp && peek().text == "!")) {
      size_t p = next().pos;
      Nest nest(depth_);
      if (depth_ > kMaxFilterDepth) return too_deep(p);
      MEMGPT_ASSIGN_OR_RETURN(auto inner, parse_not());
      auto n = std::make_unique<FilterNode>(FilterNode{FilterNode::Kind::kNot});
      n->position = p;
      n->children.push_back(std::move(inner));
      return n;
    }
    return parse_primary();
  }

  Result<std::unique_ptr<FilterNode>> parse_primary() {
    if (peek().kind == Token::Kind::kLParen) {
      size_t open = next().pos;
      Nest nest(depth_);
      if (depth_ > kMaxFilterDepth) return too_deep(open);
      MEMGPT_ASSIGN_OR_RETURN(auto inner, parse_or());
      if (peek().kind != Token::Kind::kRParen) return error("missing ')' for '(' at " + std::to_string(open), peek().pos);
      next();
      return inner;
    }
    if (const char* op = contains_op(peek()); op && peek(1).kind == Token::Kind::kLParen) {
      return parse_contains(op);
    }
    // A comparison: operand op operand, with one side a field.
    MEMGPT_ASSIGN_OR_RETURN(auto left, parse_operand());
    const Token& t = peek();
    if (is_word(t, "in")) {
      next();
      return finish_in(std::move(left), FilterNode::Kind::kIn, t.pos);
    }
    if (is_word(t, "not") && is_word(peek(1), "in")) {
      size_t p = t.pos;
      next();
      next();
      return finish_in(std::move(left), FilterNode::Kind::kNotIn, p);
    }
    if (is_word(t, "like")) {
      size_t p = next().pos;
      if (left->kind != FilterNode::Kind::kField) return error("'like' needs a field on its left", left->position);
      const Token& pat = next();
      if (pat.kind != Token::Kind::kString) return error("'like' needs a string pattern", pat.pos);
      auto n = std::make_unique<FilterNode>(FilterNode{FilterNode::Kind::kLike});
      n->position = p;
      n->value = pat.text;
      n->children.push_back(std::move(left));
      return n;
    }
    if (t.kind == Token::Kind::kOp && t.text != "!" && t.text != "&&" && t.text != "||") {
      std::string op = next().text;
      MEMGPT_ASSIGN_OR_RETURN(auto right, parse_operand());
      if (left->kind != FilterNode::Kind::kField && right->kind != FilterNode::Kind::kField) {
        return error("a comparison needs a field on one side", left->position);
      }
      if (left->kind == FilterNode::Kind::kField && right->kind == FilterNode::Kind::kField) {
        return error("comparing two fields is not supported", left->position);
      }
      if (left->kind != FilterNode::Kind::kField) {  // 5 < x  ->  x > 5
        std::swap(left, right);
        if (op == "<") op = ">";
        else if (op == ">") op = "<";
        else if (op == "<=") op = ">=";
        else if (op == ">=") op = "<=";
      }
      auto n = std::make_unique<FilterNode>(FilterNode{FilterNode::Kind::kCompare});
      n->op = op;
      n->position = t.pos;
      n->children.push_back(std::move(left));
      n->children.push_back(std::move(right));
      return n;
    }
    if (left->kind == FilterNode::Kind::kField && left->length) {
      return error("array_length(...) needs a comparison", left->position);
    }
    if (left->kind == FilterNode::Kind::kField || left->kind == FilterNode::Kind::kLiteral) {
      // A bare boolean field or literal: `is_active`, `true`.
      if (left->kind == FilterNode::Kind::kLiteral && !left->value.is_boolean()) {
        return error("expected a comparison", left->position);
      }
      if (left->kind == FilterNode::Kind::kField) {
        auto n = std::make_unique<FilterNode>(FilterNode{FilterNode::Kind::kCompare});
        n->op = "==";
        n->position = left->position;
        auto lit = std::make_unique<FilterNode>(FilterNode{FilterNode::Kind::kLiteral});
        lit->value = true;
        n->children.push_back(std::move(left));
        n->children.push_back(std::move(lit));
        return n;
      }
      return left;
    }
    return error("expected a comparison", t.pos);
  }

  // array_contains(f, v), array_contains_all(f, [..]), array_contains_any(f, [..]) and their
  // json_contains* names: the operator, or nullptr for any other word.
  static const char* contains_op(const Token& t) {
    if (is_word(t, "array_contains") || is_word(t, "json_contains")) return "contains";
    if (is_word(t, "array_contains_all") || is_word(t, "json_contains_all")) return "all";
    if (is_word(t, "array_contains_any") || is_word(t, "json_contains_any")) return "any";
    return nullptr;
  }

  Result<std::unique_ptr<FilterNode>> parse_contains(const char* op) {
    const Token& name = next();
    next();  // (
    MEMGPT_ASSIGN_OR_RETURN(auto field, parse_operand());
    if (field->kind != FilterNode::Kind::kField || field->length) {
      return error(fmt::format("{}(...) needs a field as its first argument", name.text), field->position);
    }
    const Token& comma = next();
    if (comma.kind != Token::Kind::kComma) {
      return error(fmt::format("{}(...) needs two arguments: a field and {}", name.text,
                               std::string_view(op) == "contains" ? "a value" : "a list [..]"),
                   comma.pos);
    }
    MEMGPT_ASSIGN_OR_RETURN(auto value, parse_operand());
    bool wants_list = std::string_view(op) != "contains";
    if (value->kind == FilterNode::Kind::kField) {
      return error(fmt::format("{}(...) needs a literal as its second argument", name.text), value->position);
    }
    if (wants_list && value->kind != FilterNode::Kind::kList) {
      return error(fmt::format("{}(...) needs a list [..] as its second argument", name.text), value->position);
    }
    if (wants_list && value->value.empty()) {
      return error(fmt::format("{}(...) needs a non-empty list", name.text), value->position);
    }
    const Token& close = next();
    if (close.kind != Token::Kind::kRParen) {
      return error(fmt::format("expected ')' to close {}(", name.text), close.pos);
    }
    auto n = std::make_unique<FilterNode>(FilterNode{FilterNode::Kind::kContains});
    n->op = op;
    n->field = name.text;
    n->position = name.pos;
    n->children.push_back(std::move(field));
    n->children.push_back(std::move(value));
    return n;
  }

  // array_length(field): the field node, marked.
  Result<std::unique_ptr<FilterNode>> parse_length(const Token& name) {
    next();  // (
    MEMGPT_ASSIGN_OR_RETURN(auto field, parse_operand());
    if (field->kind != FilterNode::Kind::kField || field->length) {
      return error("array_length(...) needs a field", field->position);
    }
    const Token& close = next();
    if (close.kind != Token::Kind::kRParen) return error("expected ')' to close array_length(", close.pos);
    field->length = true;
    field->position = name.pos;
    return field;
  }

  Result<std::unique_ptr<FilterNode>> finish_in(std::unique_ptr<FilterNode> left,
                                                FilterNode::Kind kind, size_t pos) {
    if (left->kind != FilterNode::Kind::kField) return error("'in' needs a field on its left", left->position);
    MEMGPT_ASSIGN_OR_RETURN(auto list, parse_operand());
    if (list->kind != FilterNode::Kind::kList) return error("'in' needs a list [..]", list->position);
    auto n = std::make_unique<FilterNode>(FilterNode{kind});
    n->position = pos;
    n->children.push_back(std::move(left));
    n->children.push_back(std::move(list));
    return n;
  }

  Result<std::unique_ptr<FilterNode>> parse_operand() {
    const Token& t = next();
    switch (t.kind) {
      case Token::Kind::kString: {
        auto n = std::make_unique<FilterNode>(FilterNode{FilterNode::Kind::kLiteral});
        n->value = t.text;
        n->position = t.pos;
        return n;
      }
      case Token::Kind::kNumber: {
        auto n = std::make_unique<FilterNode>(FilterNode{FilterNode::Kind::kLiteral});
        n->value = t.number;
        n->position = t.pos;
        return n;
      }
      case Token::Kind::kLBracket: {
        auto n = std::make_unique<FilterNode>(FilterNode{FilterNode::Kind::kList});
        n->value = Json::array();
        n->position = t.pos;
        if (peek().kind == Token::Kind::kRBracket) {
          next();
          return n;
        }
        for (;;) {
          MEMGPT_ASSIGN_OR_RETURN(auto item, parse_operand());
          if (item->kind != FilterNode::Kind::kLiteral) return error("a list holds literals only", item->position);
          n->value.push_back(item->value);
          const Token& sep = next();
          if (sep.kind == Token::Kind::kRBracket) break;
          if (sep.kind != Token::Kind::kComma) return error("expected ',' or ']'", sep.pos);
        }
        return n;
      }
      case Token::Kind::kIdent: {
        if (is_word(t, "true") || is_word(t, "false")) {
          auto n = std::make_unique<FilterNode>(FilterNode{FilterNode::Kind::kLiteral});
          n->value = is_word(t, "true");
          n->position = t.pos;
          return n;
        }
        for (const char* reserved : {"and", "or", "not", "in", "like"}) {
          if (is_word(t, reserved)) return error("unexpected '" + t.text + "'", t.pos);
        }
        if (peek().kind == Token::Kind::kLParen) {
          if (is_word(t, "array_length")) return parse_length(t);
          if (contains_op(t)) return error(t.text + "(...) is a condition, not a value", t.pos);
          return error("function '" + t.text + "(...)' is not supported", t.pos);
        }
        auto n = std::make_unique<FilterNode>(FilterNode{FilterNode::Kind::kField});
        n->field = t.text;
        n->position = t.pos;
        while (peek().kind == Token::Kind::kLBracket) {
          next();
          const Token& key = next();
          if (key.kind == Token::Kind::kNumber) {
            if (!key.number.is_number_integer() || key.number.get<int64_t>() < 0) {
              return error(fmt::format("array index {} is out of range: an index is an integer from 0", key.text),
                           key.pos);
            }
            n->path.push_back(key.number);
          } else if (key.kind == Token::Kind::kString) {
            n->path.push_back(key.text);
          } else {
            return error("expected a JSON key (a string) or an array index (an integer)", key.pos);
          }
          if (next().kind != Token::Kind::kRBracket) return error("expected ']'", key.pos);
        }
        return n;
      }
      default:
        return error("unexpected '" + t.text + "'", t.pos);
    }
  }

  const std::string& expr_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<std::unique_ptr<FilterNode>> parse_filter(const std::string& expr) {
  if (expr.find_first_not_of(" \t\r\n") == std::string::npos) return std::unique_ptr<FilterNode>();
  Parser p(expr);
  return p.parse();
}

std::string shown_expression(const std::string& expr) {
  constexpr size_t kShown = 200;
  size_t n = std::min(expr.size(), kShown);
  // Cut at a character boundary (never inside a UTF-8 sequence).
  while (n < expr.size() && n > 0 && (static_cast<unsigned char>(expr[n]) & 0xc0) == 0x80) --n;
  std::string out = expr.substr(0, n);
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  if (n < expr.size()) out += fmt::format("... ({} bytes)", expr.size());
  return out;
}

std::string filter_string_literal(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string ids_filter(const std::string& field, const std::vector<Json>& ids) {
  std::string out = field + " in [";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) out += ", ";
    out += ids[i].is_string() ? filter_string_literal(ids[i].get<std::string>()) : ids[i].dump();
  }
  return out + "]";
}

}  // namespace memgpt::vector
