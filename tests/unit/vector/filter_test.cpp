// The filter parser (vector/filter.h): the tree it builds, its limits on hostile input, and its
// error messages.
#include "vector/filter.h"

#include <gtest/gtest.h>

#include "vector/milvus_errors.h"

namespace memgpt::vector {
namespace {

std::string repeat(const std::string& s, int n) {
  std::string out;
  out.reserve(s.size() * static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

std::string or_chain(int terms) {
  std::string f;
  for (int i = 0; i < terms; ++i) f += (i ? " or " : "") + std::string("tag == \"t") + std::to_string(i) + "\"";
  return f;
}

TEST(FilterParser, EmptyFilterIsNoFilter) {
  auto r = parse_filter("  \t ");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, nullptr);
}

TEST(FilterParser, AChainOfOneOperatorIsOneNode) {
  auto r = parse_filter(or_chain(5000));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ((*r)->kind, FilterNode::Kind::kOr);
  ASSERT_EQ((*r)->children.size(), 5000u);
  EXPECT_EQ((*r)->children[4999]->children[1]->value, "t4999");
}

TEST(FilterParser, AndBindsTighterThanOrAndNotTighterThanAnd) {
  auto r = parse_filter("a == 1 or not b == 2 and c == 3");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const FilterNode& top = **r;
  ASSERT_EQ(top.kind, FilterNode::Kind::kOr);
  ASSERT_EQ(top.children.size(), 2u);
  const FilterNode& right = *top.children[1];
  ASSERT_EQ(right.kind, FilterNode::Kind::kAnd);
  EXPECT_EQ(right.children[0]->kind, FilterNode::Kind::kNot);
  EXPECT_EQ(right.children[1]->kind, FilterNode::Kind::kCompare);
}

TEST(FilterParser, LiteralOnTheLeftIsTurnedAround) {
  auto r = parse_filter("10 <= created_at");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->op, ">=");
  EXPECT_EQ((*r)->children[0]->field, "created_at");
  EXPECT_EQ((*r)->children[1]->value, 10);
}

TEST(FilterParser, StringEscapesAndJsonPaths) {
  auto r = parse_filter(R"(meta["a b"]["c"] == "say \"hi\"\n")");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const FilterNode& field = *(*r)->children[0];
  EXPECT_EQ(field.field, "meta");
  EXPECT_EQ(field.path, (std::vector<Json>{"a b", "c"}));
  EXPECT_EQ((*r)->children[1]->value, "say \"hi\"\n");
  std::string odd = "quote \" backslash \\ newline \n end";
  auto back = parse_filter("f == " + filter_string_literal(odd));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ((*back)->children[1]->value, odd);
}

// Issue 11, defect 3: 10,000 nested parentheses or `not` x 100,000 overflowed the stack of
// `memgpt milvus serve`. Now a Milvus error (1100) that says what is wrong.
TEST(FilterParser, DeepNestingIsAClearErrorNotACrash) {
  for (const std::string& bomb :
       {repeat("(", 10000) + "tag == \"t1\"" + repeat(")", 10000), repeat("not ", 100000) + "tag == \"t1\"",
        repeat("!(", 50000) + "x" + repeat(")", 50000), repeat("(", 200000)}) {
    auto r = parse_filter(bomb);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(milvus_code_of(r.status()), MilvusCode::kInvalidParameter);
    EXPECT_NE(r.status().message().find("nests deeper than 32 levels"), std::string::npos) << r.status().message();
    EXPECT_LT(r.status().message().size(), 400u) << "the expression is shown cut short";
  }
}

TEST(FilterParser, NestingUpToTheLimitParses) {
  std::string f = repeat("(", kMaxFilterDepth) + "x == 1" + repeat(")", kMaxFilterDepth);
  EXPECT_TRUE(parse_filter(f).ok());
  EXPECT_TRUE(parse_filter(repeat("not ", kMaxFilterDepth) + "x").ok());
  EXPECT_FALSE(parse_filter(repeat("not ", kMaxFilterDepth + 1) + "x").ok());
}

TEST(FilterParser, ErrorsNameThePosition) {
  struct Case {
    std::string filter, says;
  };
  for (const Case& c : std::vector<Case>{{"x ==", "unexpected 'end of expression' at position 4"},
                                         {"x === 1", "unsupported character '=' at position 4"},
                                         {"(x == 1", "missing ')' for '(' at 0 at position 7"},
                                         {"sqrt(x) > 1", "function 'sqrt(...)' is not supported at position 0"},
                                         {"x == \"open", "unterminated string at position 5"},
                                         {"x == 1 2", "unexpected '2' at position 7"},
                                         {"x in 5", "'in' needs a list [..] at position 5"},
                                         {"x in [y]", "a list holds literals only at position 6"},
                                         {"x like 5", "'like' needs a string pattern at position 7"},
                                         {"1 == 2", "a comparison needs a field on one side at position 0"},
                                         {"x == y", "comparing two fields is not supported at position 0"},
                                         {"x == 99999999999999999999", "bad number"},
                                         {"x # 1", "unsupported character '#' at position 2"}}) {
    auto r = parse_filter(c.filter);
    ASSERT_FALSE(r.ok()) << c.filter;
    EXPECT_EQ(milvus_code_of(r.status()), MilvusCode::kInvalidParameter);
    EXPECT_NE(r.status().message().find("cannot parse expression: " + c.filter), std::string::npos)
        << r.status().message();
    EXPECT_NE(r.status().message().find(c.says), std::string::npos) << r.status().message();
  }
}

TEST(FilterParser, LongExpressionsAreShownCutInOneLine) {
  std::string shown = shown_expression(std::string(1000, 'x') + "\n");
  EXPECT_EQ(shown, std::string(200, 'x') + "... (1001 bytes)");
  EXPECT_EQ(shown_expression("a\nb"), "a b");
  // Never cut inside a UTF-8 character.
  std::string accents;
  for (int i = 0; i < 150; ++i) accents += "\xc3\xa9";
  EXPECT_EQ(shown_expression(accents).substr(0, 200), accents.substr(0, 200));
}

}  // namespace
}  // namespace memgpt::vector
