// A small GBNF interpreter for tests: parses the subset of llama.cpp's grammar syntax that
// function_call_gbnf emits (one rule per line, literals, character classes with ranges,
// negation and \x escapes, groups, | * + ?) and tells whether a whole text matches `root`.
// So tests check what the grammar accepts and rejects, not only how it looks.
#pragma once

#include <cctype>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace memgpt::llm::testing {

class GbnfMatcher {
 public:
  explicit GbnfMatcher(const std::string& grammar) {
    size_t start = 0;
    while (start < grammar.size()) {
      size_t end = grammar.find('\n', start);
      if (end == std::string::npos) end = grammar.size();
      std::string line = grammar.substr(start, end - start);
      start = end + 1;
      size_t first = line.find_first_not_of(' ');
      if (first == std::string::npos || line[first] == '#') continue;
      size_t def = line.find("::=");
      if (def == std::string::npos) throw std::runtime_error("no ::= in line: " + line);
      std::string name = line.substr(first, line.find_first_of(" :", first) - first);
      text_ = line;
      pos_ = def + 3;
      rules_[name] = parse_alternatives();
      skip_space();
      if (pos_ != text_.size())
        throw std::runtime_error("trailing text in rule " + name + ": " + text_.substr(pos_));
    }
    for (const auto& name : referenced_) {
      if (!rules_.count(name)) throw std::runtime_error("undefined rule " + name);
    }
  }

  bool matches(const std::string& input) const {
    auto it = rules_.find("root");
    if (it == rules_.end()) throw std::runtime_error("no root rule");
    auto ends = match(*it->second, input, 0);
    return ends.count(input.size()) > 0;
  }

 private:
  struct Node {
    enum Kind { kLiteral, kClass, kRef, kAlt, kSeq } kind;
    std::string text;  // literal, or rule name
    bool negated = false;
    std::vector<std::pair<unsigned char, unsigned char>> ranges;
    std::vector<std::unique_ptr<Node>> children;
    char quantifier = 0;  // 0, '*', '+', '?', '{' (between min_repeat and max_repeat times)
    size_t min_repeat = 0, max_repeat = 0;
  };

  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }

  unsigned char parse_char() {
    char c = text_.at(pos_++);
    if (c != '\\') return static_cast<unsigned char>(c);
    char e = text_.at(pos_++);
    switch (e) {
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case 'x': {
        unsigned value = std::stoul(text_.substr(pos_, 2), nullptr, 16);
        pos_ += 2;
        return static_cast<unsigned char>(value);
      }
      default:
        return static_cast<unsigned char>(e);
    }
  }

  std::unique_ptr<Node> parse_alternatives() {
    auto alt = std::make_unique<Node>();
    alt->kind = Node::kAlt;
    alt->children.push_back(parse_sequence());
    skip_space();
    while (pos_ < text_.size() && text_[pos_] == '|') {
      ++pos_;
      alt->children.push_back(parse_sequence());
      skip_space();
    }
    return alt;
  }

  std::unique_ptr<Node> parse_sequence() {
    auto seq = std::make_unique<Node>();
    seq->kind = Node::kSeq;
    for (;;) {
      skip_space();
      if (pos_ >= text_.size() || text_[pos_] == '|' || text_[pos_] == ')') break;
      auto n = std::make_unique<Node>();
      char c = text_[pos_];
      if (c == '"') {
        n->kind = Node::kLiteral;
        ++pos_;
        while (text_.at(pos_) != '"') n->text += static_cast<char>(parse_char());
        ++pos_;
      } else if (c == '[') {
        n->kind = Node::kClass;
        ++pos_;
        if (text_.at(pos_) == '^') {
          n->negated = true;
          ++pos_;
        }
        while (text_.at(pos_) != ']') {
          unsigned char lo = parse_char(), hi = lo;
          if (text_.at(pos_) == '-' && text_.at(pos_ + 1) != ']') {
            ++pos_;
            hi = parse_char();
          }
          n->ranges.push_back({lo, hi});
        }
        ++pos_;
      } else if (c == '(') {
        ++pos_;
        n = parse_alternatives();
        if (text_.at(pos_) != ')') throw std::runtime_error("missing ) in: " + text_);
        ++pos_;
      } else {
        n->kind = Node::kRef;
        while (pos_ < text_.size() &&
               (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '-')) {
          n->text += text_[pos_++];
        }
        if (n->text.empty())
          throw std::runtime_error("unexpected character in: " + text_.substr(pos_));
        referenced_.insert(n->text);
      }
      if (pos_ < text_.size() && (text_[pos_] == '*' || text_[pos_] == '+' || text_[pos_] == '?')) {
        n->quantifier = text_[pos_++];
      } else if (pos_ < text_.size() && text_[pos_] == '{') {
        // {m,n} only (what our grammars use)
        size_t close = text_.find('}', pos_);
        size_t comma = text_.find(',', pos_);
        if (close == std::string::npos || comma == std::string::npos || comma > close)
          throw std::runtime_error("bad {m,n} in: " + text_.substr(pos_));
        n->quantifier = '{';
        n->min_repeat = std::stoul(text_.substr(pos_ + 1, comma - pos_ - 1));
        n->max_repeat = std::stoul(text_.substr(comma + 1, close - comma - 1));
        pos_ = close + 1;
      }
      seq->children.push_back(std::move(n));
    }
    return seq;
  }

  std::set<size_t> match_once(const Node& n, const std::string& in, size_t pos) const {
    std::set<size_t> out;
    switch (n.kind) {
      case Node::kLiteral:
        if (in.compare(pos, n.text.size(), n.text) == 0) out.insert(pos + n.text.size());
        break;
      case Node::kClass: {
        if (pos >= in.size()) break;
        unsigned char c = static_cast<unsigned char>(in[pos]);
        bool hit = false;
        for (const auto& [lo, hi] : n.ranges) hit = hit || (c >= lo && c <= hi);
        if (hit != n.negated) out.insert(pos + 1);
        break;
      }
      case Node::kRef:
        return match(*rules_.at(n.text), in, pos);
      case Node::kAlt:
        for (const auto& child : n.children) {
          auto ends = match(*child, in, pos);
          out.insert(ends.begin(), ends.end());
        }
        break;
      case Node::kSeq: {
        std::set<size_t> current = {pos};
        for (const auto& child : n.children) {
          std::set<size_t> next;
          for (size_t p : current) {
            auto ends = match(*child, in, p);
            next.insert(ends.begin(), ends.end());
          }
          current = std::move(next);
          if (current.empty()) break;
        }
        return current;
      }
    }
    return out;
  }

  std::set<size_t> match(const Node& n, const std::string& in, size_t pos) const {
    if (n.quantifier == 0) return match_once(n, in, pos);
    if (n.quantifier == '{') {
      std::set<size_t> reached, current = {pos};
      for (size_t i = 0; i <= n.max_repeat && !current.empty(); ++i) {
        if (i >= n.min_repeat) reached.insert(current.begin(), current.end());
        if (i == n.max_repeat) break;
        std::set<size_t> next;
        for (size_t p : current) {
          auto ends = match_once(n, in, p);
          next.insert(ends.begin(), ends.end());
        }
        current = std::move(next);
      }
      return reached;
    }
    std::set<size_t> reached;
    if (n.quantifier != '+') reached.insert(pos);
    if (n.quantifier == '?') {
      auto ends = match_once(n, in, pos);
      reached.insert(ends.begin(), ends.end());
      return reached;
    }
    // * and +: every position reachable by one or more matches (plus none for *).
    std::set<size_t> seen;
    std::set<size_t> frontier = match_once(n, in, pos);
    while (!frontier.empty()) {
      std::set<size_t> next;
      for (size_t p : frontier) {
        if (!seen.insert(p).second) continue;
        auto ends = match_once(n, in, p);
        next.insert(ends.begin(), ends.end());
      }
      frontier = std::move(next);
    }
    reached.insert(seen.begin(), seen.end());
    return reached;
  }

  std::map<std::string, std::unique_ptr<Node>> rules_;
  std::set<std::string> referenced_;
  std::string text_;
  size_t pos_ = 0;
};

}  // namespace memgpt::llm::testing
