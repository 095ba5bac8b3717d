// Model output is assembled from token bytes: before it reaches JSON (which refuses invalid
// UTF-8 when serialising) every broken sequence becomes U+FFFD and valid text stays as it is.
#include "util/utf8.h"

#include <gtest/gtest.h>

#include "util/json.h"

namespace memgpt {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

TEST(ToValidUtf8, KeepsValidTextOfEveryLength) {
  std::string text = "plain, caf\xC3\xA9, \xE2\x82\xAC 5, \xF0\x9F\x99\x82 and \xF4\x8F\xBF\xBF";
  EXPECT_EQ(to_valid_utf8(text), text);
  EXPECT_EQ(to_valid_utf8(""), "");
}

TEST(ToValidUtf8, ReplacesACharacterCutOffAtTheEnd) {
  // The first two bytes of U+1F642, as a reply cut at the token limit can end.
  EXPECT_EQ(to_valid_utf8("Hi \xF0\x9F"), "Hi " + kFffd + kFffd);
  EXPECT_NO_THROW((void)Json(to_valid_utf8("{\"message\": \"Hi \xF0\x9F")).dump());
}

TEST(ToValidUtf8, ReplacesStrayContinuationOverlongSurrogateAndOutOfRangeBytes) {
  EXPECT_EQ(to_valid_utf8("a\x9F" "b"), "a" + kFffd + "b");
  EXPECT_EQ(to_valid_utf8("\xC0\xAF"), kFffd + kFffd);                    // overlong '/'
  EXPECT_EQ(to_valid_utf8("\xED\xA0\x80"), kFffd + kFffd + kFffd);        // a surrogate
  EXPECT_EQ(to_valid_utf8("\xF4\x90\x80\x80"), kFffd + kFffd + kFffd + kFffd);  // past U+10FFFF
  EXPECT_EQ(to_valid_utf8("\xE2\x82" "x"), kFffd + kFffd + "x");          // cut short mid-text
}

TEST(InvalidUtf8At, NamesTheFirstBrokenByteOrNpos) {
  EXPECT_EQ(invalid_utf8_at("caf\xC3\xA9 \xF0\x9F\x99\x82"), std::string_view::npos);
  EXPECT_EQ(invalid_utf8_at("ok \xC0\xAF"), 3u);
  EXPECT_EQ(invalid_utf8_at("cut \xE2\x82"), 4u);
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));
  EXPECT_TRUE(is_valid_utf8(""));
}

}  // namespace
}  // namespace memgpt
