// Text extraction per format from memory, including inputs built to exhaust time or stack.
#include "sources/extract.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "support/test_env.h"

namespace memgpt::sources {
namespace {

using testing::repeat;

// The deepest nesting of <div> elements in HTML that holds no other tags.
int div_depth(const std::string& html) {
  int depth = 0, deepest = 0;
  for (size_t i = html.find('<'); i != std::string::npos; i = html.find('<', i + 1)) {
    if (html.compare(i, 5, "<div>") == 0) deepest = std::max(deepest, ++depth);
    else if (html.compare(i, 6, "</div>") == 0) --depth;
  }
  return deepest;
}

TEST(BlankText, OnlyWhiteSpaceOfAnyKindIsBlank) {
  EXPECT_TRUE(is_blank(""));
  EXPECT_TRUE(is_blank(" \t\n\v\f\r"));
  // No-break space, ideographic space, line separator, zero width space, byte order mark.
  EXPECT_TRUE(is_blank("\xc2\xa0 \xe3\x80\x80\xe2\x80\xa8\xe2\x80\x8b\xef\xbb\xbf"));
  EXPECT_FALSE(is_blank("\f.\f"));
  EXPECT_FALSE(is_blank(" \xc3\xa9 "));              // é
  EXPECT_FALSE(is_blank("\xe2\x80\x8c"));           // zero width non-joiner: text, not space
  EXPECT_FALSE(is_blank("\xf0\x9f\x98\x80"));      // an emoji
  EXPECT_FALSE(is_blank("\xe2\x80"));                // cut short: not read as space
}

TEST(HtmlText, DropsScriptsAndStylesAndPutsBlocksOnTheirOwnLines) {
  auto text = html_to_text(
      "<html><head><title>Report</title><style>p{color:red}</style><script>var x = 1 < 2;</script></head>"
      "<body><h1>Otters</h1><p>Otters   hold\thands.</p><p>They sleep<br>afloat.</p><noscript>enable js</noscript>"
      "<svg><text>icon</text></svg><table><tr><td>a</td><td>b</td></tr></table><template>hidden</template></body></html>");
  ASSERT_TRUE(text.ok()) << text.status().message();
  EXPECT_EQ(*text, "Report\n\nOtters\n\nOtters hold hands.\n\nThey sleep\n\nafloat.\n\na b\n\n");
}

TEST(HtmlText, NoVisibleTextGivesAnEmptyString) {
  auto text = html_to_text("<html><head><script>alert(1)</script></head><body>  </body></html>");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "");
}

TEST(HtmlText, TwoHundredThousandNestedDivsGiveTheirText) {
  auto text = html_to_text("<html><body>" + repeat("<div>", 200000) + "deep text" + repeat("</div>", 200000) +
                           "<p>after</p></body></html>");
  ASSERT_TRUE(text.ok()) << text.status().message();
  EXPECT_NE(text->find("deep text"), std::string::npos);
  EXPECT_NE(text->find("after"), std::string::npos);
}

TEST(HtmlText, UnclosedDivsAndStrayEndTagsStillFinish) {
  auto text = html_to_text(repeat("<div><span></b>x", 100000));
  ASSERT_TRUE(text.ok()) << text.status().message();
  EXPECT_EQ(text->substr(0, 4), "x\nx\n");
  EXPECT_EQ(std::count(text->begin(), text->end(), 'x'), 100000);
}

// The CPU budget stops gumbo should markup ever defeat the flattening: here there is none, and
// gumbo's work grows with the square of the depth.
TEST(HtmlText, AParseOverItsCpuBudgetIsRefusedAsTooComplex) {
  auto text = html_to_text(repeat("<div>", 200000) + "x" + repeat("</div>", 200000),
                           {.max_depth = 1 << 30, .cpu_seconds = 1});
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().message(), "is HTML too complex to parse (its markup nests pathologically)");
}

TEST(HtmlText, LargerThanTheLimitIsRefused) {
  auto text = html_to_text(std::string(kMaxHtmlBytes + 1, 'a'));
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().message(), "is larger than 64 MB of HTML; save it as text first");
}

TEST(FlattenDeepHtml, LeavesDocumentsWithinTheDepthUnchanged) {
  std::string page = "<!DOCTYPE html><html><body><!-- a <div> in a comment -->" + repeat("<div>", 500) + "x" +
                     repeat("</div>", 500) + "</body></html>";
  EXPECT_EQ(flatten_deep_html(page), page);
}

TEST(FlattenDeepHtml, KeepsNestingAtTheLimitAndAllText) {
  std::string page = repeat("<div>", 2000) + "core" + repeat("</div>", 2000);
  std::string flat = flatten_deep_html(page, 100);
  EXPECT_EQ(div_depth(flat), 100);
  EXPECT_NE(flat.find("core"), std::string::npos);
}

// Elements whose end tags are optional close themselves, as a browser closes them: a long
// page of unclosed paragraphs, list items and table cells is not deep.
TEST(FlattenDeepHtml, ImpliedEndTagsDoNotCountAsNesting) {
  std::string page = "<body>" + repeat("<p>para", 3000) + "<ul>" + repeat("<li>item", 3000) + "</ul><dl>" +
                     repeat("<dt>t<dd>d", 3000) + "</dl><table>" + repeat("<tr><td>a<td>b", 3000) +
                     "</table><select>" + repeat("<option>o", 3000) + "</select>" +
                     repeat("<svg><path d='M0 0'/><circle r=1 /></svg>", 3000) + "</body>";
  EXPECT_EQ(flatten_deep_html(page, 50), page);
}

// Markup inside scripts, styles and comments is text: it neither nests nor is taken out.
TEST(FlattenDeepHtml, RawTextAndAttributesAreNotMarkup) {
  std::string page = "<script>var s = '" + repeat("<div>", 300) + "';</script><style>/*" + repeat("<div>", 300) +
                     "*/</style><div title=\"" + repeat("<div>", 300) + "\">x</div><textarea>" +
                     repeat("<div>", 300) + "</textarea>";
  EXPECT_EQ(flatten_deep_html(page, 10), page);
}

TEST(FlattenDeepHtml, ScriptsBelowTheLimitStayScripts) {
  std::string page = repeat("<div>", 50) + "<script>secret()</script><p>shown" + repeat("</div>", 50);
  std::string flat = flatten_deep_html(page, 10);
  EXPECT_NE(flat.find("<script>secret()</script>"), std::string::npos);
  auto text = html_to_text(flat);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->find("secret"), std::string::npos) << *text;
  EXPECT_NE(text->find("shown"), std::string::npos);
}

std::string word_document(const std::string& body) {
  return "<?xml version=\"1.0\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">"
         "<w:body>" + body + "</w:body></w:document>";
}

TEST(DocxText, ParagraphsTabsBreaksAndPreservedSpaces) {
  auto text = docx_xml_to_text(word_document(
      "<w:p><w:r><w:t>Quarterly</w:t></w:r><w:r><w:t xml:space=\"preserve\"> </w:t></w:r><w:r><w:t>revenue</w:t>"
      "<w:tab/><w:t>rose</w:t><w:br/><w:t>again</w:t></w:r></w:p><w:p><w:r><w:delText>gone</w:delText>"
      "<w:t>Second &amp; last.</w:t></w:r></w:p>"));
  ASSERT_TRUE(text.ok()) << text.status().message();
  EXPECT_EQ(*text, "Quarterly revenue rose\nagain\n\nSecond & last.\n\n");
}

TEST(DocxText, AMillionNestedElementsAreWalkedWithoutRecursion) {
  auto text = docx_xml_to_text(word_document(repeat("<w:p>", 1000000) + "<w:r><w:t>deep</w:t></w:r>" +
                                             repeat("</w:p>", 1000000)));
  ASSERT_TRUE(text.ok()) << text.status().message();
  EXPECT_EQ(text->substr(0, 6), "deep\n\n");
}

TEST(DocxText, DamagedXmlIsAnError) {
  auto text = docx_xml_to_text("<w:document><w:body><w:p>");
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().message(), "has damaged XML");
}

TEST(JsonText, PrefersTheTextFieldElseEveryStringInOrder) {
  EXPECT_EQ(json_value_text(Json::parse(R"({"text": "main", "title": "t"})")), "main");
  EXPECT_EQ(json_value_text(Json::parse(R"({"a": ["one", {"b": "two"}, 3, null], "c": "three"})")),
            "one\ntwo\nthree\n");
  EXPECT_EQ(json_value_text(Json::parse("42")), "");
}

TEST(JsonText, NestingAtTheParserLimitIsWalkedInOrder) {
  std::string text = repeat("[\"x\",", kMaxJsonDepth - 1) + "\"core\"" + repeat(",\"y\"]", kMaxJsonDepth - 1);
  auto value = parse_json(text);
  ASSERT_TRUE(value.ok()) << value.status().message();
  std::string got = json_value_text(*value);
  EXPECT_EQ(got, repeat("x\n", kMaxJsonDepth - 1) + "core\n" + repeat("y\n", kMaxJsonDepth - 1));
}

TEST(TidyText, CollapsesSpacesAndBlankLines) {
  EXPECT_EQ(tidy_text("\n\n  a  b\t\tc\r\n\n\n\nd  "), "a b c\n\nd");
}

}  // namespace
}  // namespace memgpt::sources
