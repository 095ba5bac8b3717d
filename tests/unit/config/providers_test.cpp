// The providers table is the one place that knows each LLM provider's defaults.
#include "config/providers.h"

#include <gtest/gtest.h>

#include <set>

namespace memgpt {
namespace {

TEST(Providers, EveryTypeIsListedOnceAndFoundByName) {
  std::set<std::string_view> seen;
  for (const Provider& p : providers()) {
    EXPECT_TRUE(seen.insert(p.type).second) << p.type;
    EXPECT_EQ(find_provider(p.type), &p);
    EXPECT_GT(p.default_context_window, 0) << p.type;
    EXPECT_FALSE(p.default_model.empty()) << p.type;
  }
  EXPECT_EQ(find_provider("nosuch"), nullptr);
  EXPECT_EQ(seen.size(), 13u);
}

TEST(Providers, LocalServersAreWrappedAndCarryThoughtsInArguments) {
  for (const Provider& p : providers()) {
    if (p.api == ProviderApi::kLocal) {
      EXPECT_EQ(p.default_wrapper, "chatml") << p.type;
      EXPECT_TRUE(p.inner_thoughts_in_args) << p.type;
      EXPECT_TRUE(p.default_endpoint.starts_with("http://localhost:")) << p.type;
    }
  }
  EXPECT_EQ(find_provider("ollama")->models_path, "/api/tags");
  EXPECT_EQ(find_provider("koboldcpp")->models_path, "/api/v1/model");
}

TEST(Providers, HostedProvidersUseHttpsAndTheirOwnCredentials) {
  EXPECT_EQ(find_provider("openai")->default_endpoint, "https://api.openai.com/v1");
  EXPECT_EQ(find_provider("anthropic")->api, ProviderApi::kAnthropic);
  EXPECT_EQ(find_provider("anthropic")->credential_section, "anthropic");
  EXPECT_EQ(find_provider("groq")->credential_section, "groq");
  EXPECT_TRUE(find_provider("azure")->default_endpoint.empty());  // each Azure resource has its own
}

TEST(Providers, TypeListNamesEveryProvider) {
  std::string list = provider_type_list();
  for (const Provider& p : providers()) EXPECT_NE(list.find(p.type), std::string::npos) << p.type;
  EXPECT_TRUE(list.starts_with("openai, azure, "));
}

}  // namespace
}  // namespace memgpt
