// Token usage adds up field by field (turn totals, server totals).
#include <gtest/gtest.h>

#include "llm/chat_model.h"

namespace memgpt::llm {
namespace {

TEST(Usage, AddsFieldByField) {
  Usage total;
  total += Usage{100, 10, 110};
  total += Usage{50, 5, 55};
  EXPECT_EQ(total, (Usage{150, 15, 165}));
  EXPECT_EQ((Usage{1, 2, 3} + Usage{4, 5, 6}), (Usage{5, 7, 9}));
}

}  // namespace
}  // namespace memgpt::llm
