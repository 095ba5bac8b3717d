// Setting a home up for the in-process local model through the binary: quickstart --backend
// local, configure --llm-provider local with the packaged name or a GGUF path, what --show says,
// and the one-line errors for a model file that is not there or not a GGUF. No model is run.
#include <gtest/gtest.h>

#include <algorithm>

#include "support/test_env.h"
#include "util/json.h"

namespace memgpt {
namespace {

#if MEMGPT_LOCAL_LLM

const std::string kPackagedGguf = std::string(MEMGPT_DEPS_CACHE) + "/models/SmolLM2-135M-Instruct.Q4_1.gguf";

class LocalSetupTest : public ::testing::Test {
 protected:
  testing::ProcessResult run(const std::vector<std::string>& args, testing::RunOptions options = {}) {
    return testing::run_memgpt(home_.path(), args, std::move(options));
  }
  Json shown() {
    auto r = run({"configure", "--show", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return parse_json_or_discarded(r.out);
  }
  testing::TempDir home_;
};

TEST_F(LocalSetupTest, QuickstartLocalSetsUpThePackagedModelAndTheEmbeddedStore) {
  auto r = run({"quickstart", "--backend", "local"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("local model 'smollm2-135m-instruct' in process"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("⚠️"), std::string::npos) << r.out;  // the packaged model is installed
  Json c = shown();
  EXPECT_EQ(c["model"]["model_endpoint_type"], "local");
  EXPECT_EQ(c["model"]["model"], "smollm2-135m-instruct");
  EXPECT_EQ(c["model"]["model_endpoint"], "");  // no server, and not OpenAI's
  EXPECT_EQ(c["embedding"]["embedding_endpoint_type"], "local");
  EXPECT_EQ(c["archival_storage"]["type"], "milvus");
  EXPECT_EQ(c["archival_storage"]["uri"], home_.file("milvus.db"));
}

TEST_F(LocalSetupTest, QuickstartLocalTakesNoEndpoint) {
  auto r = run({"quickstart", "--backend", "local", "--model-endpoint", "http://127.0.0.1:9"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("takes no --model-endpoint"), std::string::npos) << r.err;
}

TEST_F(LocalSetupTest, ConfigureShowsNoEndpointForTheLocalProvider) {
  auto r = run({"configure", "--llm-provider", "local"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto text = run({"configure", "--show"});
  EXPECT_NE(text.out.find("model = smollm2-135m-instruct\nmodel_endpoint = \nmodel_endpoint_type = local\n"),
            std::string::npos)
      << text.out;
  EXPECT_EQ(text.out.find("api.openai.com"), std::string::npos) << text.out;
}

TEST_F(LocalSetupTest, ConfigureTakesAGgufPathAndStoresItAbsolute) {
  testing::TempDir models;
  ASSERT_EQ(testing::run_process({"/bin/cp", kPackagedGguf, models.file("my-model.gguf")}).exit_code, 0);
  testing::RunOptions in_models;
  in_models.cwd = models.path();
  auto r = run({"configure", "--llm-provider", "local", "--model", "./my-model.gguf"}, in_models);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(shown()["model"]["model"], models.file("my-model.gguf"));
}

TEST_F(LocalSetupTest, AMissingOrNonGgufModelFileIsAOneLineErrorAndChangesNothing) {
  ASSERT_EQ(run({"configure", "--llm-provider", "local"}).exit_code, 0);
  auto missing = run({"configure", "--model", home_.file("nope.gguf")});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("no GGUF model file at " + home_.file("nope.gguf")), std::string::npos) << missing.err;
  EXPECT_EQ(std::count(missing.err.begin(), missing.err.end(), '\n'), 1) << missing.err;

  testing::write_text(home_.file("notes.txt"), "not a model");
  auto text = run({"configure", "--llm-provider", "local", "--model", home_.file("notes.txt")});
  EXPECT_NE(text.exit_code, 0);
  EXPECT_NE(text.err.find("is not a GGUF model file"), std::string::npos) << text.err;
  EXPECT_EQ(shown()["model"]["model"], "smollm2-135m-instruct");
}

#endif

}  // namespace
}  // namespace memgpt
