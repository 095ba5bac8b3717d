// Where the operator's keys may go, and what a server user may choose (runtime/model_endpoints).
#include "runtime/model_endpoints.h"

#include <gtest/gtest.h>

namespace memgpt::runtime {
namespace {

MemgptConfig local_proxy_config() {
  MemgptConfig c;
  c.model_endpoint_type = "openai";
  c.model_endpoint = "http://proxy.internal:8080/v1";
  c.model = "gpt-4o-mini";
  c.context_window = 8192;
  return c;
}

TEST(ModelEndpoints, OperatorEndpointsAreTheConfiguredOneAndTheProvidersOfficialApi) {
  MemgptConfig c = local_proxy_config();
  Credentials creds;
  EXPECT_TRUE(is_operator_endpoint(c, creds, "openai", "http://proxy.internal:8080/v1"));
  EXPECT_TRUE(is_operator_endpoint(c, creds, "openai", "HTTP://Proxy.Internal:8080/v1/"));  // same place
  EXPECT_TRUE(is_operator_endpoint(c, creds, "openai", "https://api.openai.com/v1"));
  EXPECT_TRUE(is_operator_endpoint(c, creds, "anthropic", "https://api.anthropic.com/v1"));
  EXPECT_FALSE(is_operator_endpoint(c, creds, "openai", "http://127.0.0.1:9999/v1"));
  EXPECT_FALSE(is_operator_endpoint(c, creds, "openai", "http://proxy.internal:8080/V1"));  // paths are exact
  EXPECT_FALSE(is_operator_endpoint(c, creds, "openai", "https://api.openai.com.evil.example/v1"));
  // The configured endpoint belongs to the configured provider only.
  EXPECT_FALSE(is_operator_endpoint(c, creds, "anthropic", "http://proxy.internal:8080/v1"));
  EXPECT_FALSE(is_operator_endpoint(c, creds, "ollama", "http://localhost:11434"));
  EXPECT_FALSE(is_operator_endpoint(c, creds, "openai", ""));
}

TEST(ModelEndpoints, AServerUserCannotNameAnEndpoint) {
  MemgptConfig c = local_proxy_config();
  Credentials creds;
  Json asked = {{"model", "gpt-4"}, {"model_endpoint", "http://127.0.0.1:9999/v1"}};
  auto r = checked_llm_config(c, creds, asked, EndpointChoice::kOperatorOnly);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("model_endpoint"), std::string::npos);
  // Left out: the operator's endpoint for the provider.
  auto ok = checked_llm_config(c, creds, {{"model", "gpt-4"}}, EndpointChoice::kOperatorOnly);
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->model_endpoint, "http://proxy.internal:8080/v1");
  auto official = checked_llm_config(c, creds, {{"model", "claude-3-5-haiku"}, {"model_endpoint_type", "anthropic"}},
                                     EndpointChoice::kOperatorOnly);
  ASSERT_TRUE(official.ok());
  EXPECT_EQ(official->model_endpoint, "https://api.anthropic.com/v1");
  // A local backend the operator did not configure is not served.
  EXPECT_FALSE(checked_llm_config(c, creds, {{"model", "llama3"}, {"model_endpoint_type", "ollama"}},
                                  EndpointChoice::kOperatorOnly)
                   .ok());
  // Keeping the agent's present endpoint is not a choice.
  EXPECT_TRUE(checked_llm_config(c, creds, asked, EndpointChoice::kOperatorOnly, "http://127.0.0.1:9999/v1").ok());
}

TEST(ModelEndpoints, TheOperatorMayNameAnyEndpoint) {
  MemgptConfig c = local_proxy_config();
  Credentials creds;
  Json asked = {{"model", "llama3"}, {"model_endpoint_type", "ollama"}, {"model_endpoint", "http://gpu:11434"}};
  auto r = checked_llm_config(c, creds, asked, EndpointChoice::kAny);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->model_endpoint, "http://gpu:11434");
  EXPECT_FALSE(checked_llm_config(c, creds, {{"model", "llama3"}, {"model_endpoint_type", "ollama"}}, EndpointChoice::kAny)
                   .ok());  // no endpoint known for it
}

TEST(ModelEndpoints, WrongTypesAreValidationErrors) {
  MemgptConfig c = local_proxy_config();
  Credentials creds;
  for (const Json& asked : {Json{{"model", 5}}, Json{{"model", "m"}, {"model_endpoint", 1}},
                            Json{{"model", "m"}, {"context_window", "big"}}, Json{{"model", "m"}, {"context_window", 0}},
                            Json::array(), Json{{"model", ""}}}) {
    auto r = checked_llm_config(c, creds, asked, EndpointChoice::kAny);
    EXPECT_FALSE(r.ok()) << asked.dump();
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << asked.dump();
  }
}

TEST(ModelEndpoints, HandlesResolveToOperatorEndpoints) {
  MemgptConfig c = local_proxy_config();
  Credentials creds;
  auto same = llm_config_for_handle(c, creds, "openai/gpt-4o");
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->model_endpoint, "http://proxy.internal:8080/v1");
  EXPECT_EQ(same->model, "gpt-4o");
  auto bare = llm_config_for_handle(c, creds, "");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->model, "gpt-4o-mini");
  auto groq = llm_config_for_handle(c, creds, "groq/llama-3.1-70b-versatile");
  ASSERT_TRUE(groq.ok());
  EXPECT_EQ(groq->model_endpoint, "https://api.groq.com/openai/v1");
  EXPECT_FALSE(llm_config_for_handle(c, creds, "ollama/llama3").ok());
  EXPECT_FALSE(llm_config_for_handle(c, creds, "made-up/model").ok());
}

// The in-process provider's model is a file the server would open: a user names no path.
TEST(ModelEndpoints, AServerUserCannotPickAFileAsAnInProcessModel) {
  MemgptConfig c;
  c.model_endpoint_type = "local";
  c.model = "/srv/models/operator.gguf";
  c.context_window = 8192;
  Credentials creds;
  for (const char* path : {"/etc/passwd", "../../home/other/secret.gguf", "/srv/models/other.gguf"}) {
    auto asked = checked_llm_config(c, creds, {{"model", path}, {"model_endpoint_type", "local"}},
                                    EndpointChoice::kOperatorOnly);
    ASSERT_FALSE(asked.ok()) << path;
    EXPECT_EQ(asked.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(asked.status().message().find(path), std::string::npos) << "no echo of the path";
    EXPECT_EQ(asked.status().message().find("/srv/models"), std::string::npos) << "nor of the operator's";
    EXPECT_FALSE(llm_config_for_handle(c, creds, std::string("local/") + path).ok()) << path;
  }
  EXPECT_TRUE(checked_llm_config(c, creds, {{"model", "/srv/models/operator.gguf"}, {"model_endpoint_type", "local"}},
                                 EndpointChoice::kOperatorOnly)
                  .ok());
  EXPECT_TRUE(llm_config_for_handle(c, creds, "local/smollm2-135m-instruct").ok());  // the packaged model
  // The operator (the server password) may load any file.
  EXPECT_TRUE(checked_llm_config(c, creds, {{"model", "/srv/models/other.gguf"}, {"model_endpoint_type", "local"}},
                                 EndpointChoice::kAny)
                  .ok());
}

}  // namespace
}  // namespace memgpt::runtime
