// Our tokenizers against tiktoken itself: a varied corpus is written to files, tiktoken (npm,
// run by Node) encodes them, and every id must match.
#include "tokenizer/tokenizer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <thread>
#include <atomic>

#include "support/test_env.h"
#include "util/json.h"

namespace memgpt::tokenizer {
namespace {

std::map<std::string, std::string> corpus() {
  std::map<std::string, std::string> c;
  c["en"] = "The quick brown fox jumps over the lazy dog. It's 2024; we've got 3,141.59 reasons!\n";
  c["de"] = "Größere Übungen für Äpfel: Straßenbahn, Fußgängerübergänge und Rindfleischetikettierung.";
  c["fr"] = "L'élève a dû répondre : « Où est-ce qu'on va ? » — c'était déjà l'été.";
  c["zh"] = "我们的记忆系统分为核心记忆、回忆记忆和档案记忆。大型语言模型的上下文窗口是有限的。";
  c["ja"] = "東京は日本の首都です。ひらがなとカタカナ、そして漢字を使います。ｶﾀｶﾅ半角も。";
  c["ko"] = "안녕하세요! 메모리 관리는 운영 체제에서 영감을 받았습니다.";
  c["ar"] = "مرحبا بالعالم. الذاكرة طويلة المدى مهمة للوكلاء الأذكياء.";
  c["ru"] = "Съешь же ещё этих мягких французских булок, да выпей чаю.";
  c["hi"] = "नमस्ते दुनिया! कृत्रिम बुद्धिमत्ता की स्मृति प्रणाली।";
  c["emoji"] = "🎉🎉 👨‍👩‍👧‍👦 family, 👍🏽 thumbs, 🏳️‍🌈 flag, ❤️‍🔥, 🇩🇪🇯🇵 and ✨sparkle✨";
  c["code_cpp"] =
      "#include <vector>\nint main() {\n    std::vector<int> v{1, 2, 3};\n\tfor (auto& x : v) x *= 2;"
      "\n    return v.size() == 3 ? 0 : 1;\n}\n";
  c["code_py"] = "def f(x):\n    return {'a': [1, 2.5, None], \"b\": x ** 2}  # comment\n\n\n";
  c["json"] = R"({"type":"user_message","message":"hi","time":"2024-05-26 03:15:02 PM PDT-0700"})";
  c["spaces"] = "a  b   c    d\t\te\n\n\nf \n \n  \r\n\r\n   end   ";
  c["numbers"] = "1 12 123 1234 12345 123456 3.14159 1e10 0x1F 1,000,000 ١٢٣ ½ ⅔";
  c["special"] = "before <|endoftext|> middle <|fim_prefix|><|fim_middle|><|fim_suffix|> <|endofprompt|> after <|endoftext";
  c["contractions"] = "I'M you'RE they'll she'd we'VE it's DON'T 'tis";
  c["invalid_utf8"] = std::string("ok \xff\xfe bad \xc3 lone \xe2\x82 cut \xed\xa0\x80 surrogate \xf4\x90\x80\x80 big ") +
                      "\xc0\xaf overlong end";
  std::mt19937 rng(42);
  std::string bytes;
  for (int i = 0; i < 4000; ++i) bytes.push_back(static_cast<char>(rng() & 0xff));
  c["random_bytes"] = bytes;
  std::string ascii;
  for (int i = 0; i < 4000; ++i) ascii.push_back(static_cast<char>(32 + rng() % 95));
  c["random_ascii"] = ascii;
  std::string long_text;
  while (long_text.size() < 120000) {
    long_text += c["en"] + c["de"] + c["zh"] + c["emoji"] + c["code_cpp"] + c["spaces"];
  }
  c["long_mixed"] = long_text;
  // tiktoken itself is quadratic on one long piece (105 KB took it 33 s): keep this moderate.
  c["long_word"] = std::string(20000, 'a') + std::string(3000, 'z') + "xyzzy";
  std::string long_digits;
  for (int i = 0; i < 30000; ++i) long_digits += static_cast<char>('0' + rng() % 10);
  c["long_digits"] = long_digits;
  c["long_spaces"] = std::string(20000, ' ') + "x" + std::string(5000, '\n');
  c["empty"] = "";
  return c;
}

class TokenizerVsTiktoken : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string pkg = testing::deps_cache_dir() + "/npm/tiktoken/package";
    if (!std::filesystem::exists("/usr/bin/node") && !std::filesystem::exists("/usr/local/bin/node")) {
      return;  // reference_ stays empty: tests skip
    }
    dir_ = new testing::TempDir();
    std::filesystem::create_directories(dir_->file("corpus"));
    for (const auto& [name, text] : corpus()) testing::write_text(dir_->file("corpus/" + name), text);
    std::string node = std::filesystem::exists("/usr/bin/node") ? "/usr/bin/node" : "/usr/local/bin/node";
    auto r = testing::run_process({node,
                                   testing::source_dir() + "/tests/unit/tokenizer/tiktoken_reference.cjs",
                                   pkg, dir_->file("corpus"), dir_->file("ref.json")},
                                  {.timeout_ms = 120000});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    reference_ = new Json(Json::parse(testing::read_text(dir_->file("ref.json"))));
  }
  static void TearDownTestSuite() {
    delete reference_;
    delete dir_;
    reference_ = nullptr;
    dir_ = nullptr;
  }
  void check(const Tokenizer& tok) {
    if (!reference_) MEMGPT_SKIP_OR_FAIL("node is not installed (scripts/setup.sh installs it)");
    for (const auto& [name, text] : corpus()) {
      const Json& ref = (*reference_)[name][std::string(tok.name())];
      std::vector<uint32_t> want = ref["ordinary"].get<std::vector<uint32_t>>();
      std::vector<uint32_t> got = tok.encode(text);
      EXPECT_EQ(got, want) << tok.name() << " ordinary, corpus '" << name << "'";
      EXPECT_EQ(tok.count(text), want.size()) << name;
      std::vector<uint32_t> want_special = ref["special"].get<std::vector<uint32_t>>();
      EXPECT_EQ(tok.encode_with_special(text), want_special) << tok.name() << " special, '" << name << "'";
      // Decoding gives back the (sanitised) text.
      std::string back = tok.decode(got);
      if (name != "invalid_utf8" && name != "random_bytes") {
        EXPECT_EQ(back, text) << name;
      }
    }
  }
  static testing::TempDir* dir_;
  static Json* reference_;
};
testing::TempDir* TokenizerVsTiktoken::dir_ = nullptr;
Json* TokenizerVsTiktoken::reference_ = nullptr;

TEST_F(TokenizerVsTiktoken, Cl100kMatchesEveryId) { check(cl100k_base()); }
TEST_F(TokenizerVsTiktoken, O200kMatchesEveryId) { check(o200k_base()); }

TEST(Tokenizer, EncodeTailIsTheEndOfEncode) {
  for (const Tokenizer* tok : {&cl100k_base(), &o200k_base()}) {
    for (const auto& [name, text] : corpus()) {
      std::vector<uint32_t> all = tok->encode(text);
      for (size_t n : {size_t{0}, size_t{1}, size_t{2}, size_t{7}, size_t{20}, size_t{300}, all.size(), all.size() + 5}) {
        size_t from = all.size() > n ? all.size() - n : 0;
        std::vector<uint32_t> want(all.begin() + static_cast<ptrdiff_t>(from), all.end());
        EXPECT_EQ(tok->encode_tail(text, n), want) << tok->name() << " '" << name << "' n=" << n;
      }
    }
  }
}

TEST(Tokenizer, ModelTable) {
  EXPECT_EQ(tokenizer_for_model("gpt-4").tokenizer->name(), "cl100k_base");
  EXPECT_EQ(tokenizer_for_model("gpt-3.5-turbo").tokenizer->name(), "cl100k_base");
  EXPECT_EQ(tokenizer_for_model("gpt-4o-mini").tokenizer->name(), "o200k_base");
  EXPECT_EQ(tokenizer_for_model("openai/gpt-4o").tokenizer->name(), "o200k_base");
  EXPECT_EQ(tokenizer_for_model("o3-mini").tokenizer->name(), "o200k_base");
  EXPECT_EQ(tokenizer_for_model("gpt-4.1-nano").tokenizer->name(), "o200k_base");
  EXPECT_EQ(tokenizer_for_model("gpt-5").tokenizer->name(), "o200k_base");
  EXPECT_TRUE(tokenizer_for_model("gpt-4-turbo").exact);
  auto other = tokenizer_for_model("llama3");
  EXPECT_EQ(other.tokenizer->name(), "cl100k_base");
  EXPECT_FALSE(other.exact);
}

TEST(Tokenizer, DecodeOfAPrefixMayEndInsideACharacter) {
  const auto& t = cl100k_base();
  auto ids = t.encode("🎉");
  ASSERT_GT(ids.size(), 1u);
  std::string first = t.decode(std::span<const uint32_t>(ids.data(), 1));
  EXPECT_LT(first.size(), 4u);
  EXPECT_EQ(t.decode(ids), "🎉");
}

TEST(Tokenizer, ThreadsShareTheTokenizers) {
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int k = 0; k < 200; ++k) {
        if (o200k_base().count("Hello world, hello threads!") != 6) ++bad;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace memgpt::tokenizer
