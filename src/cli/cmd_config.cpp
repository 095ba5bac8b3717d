// `memgpt configure`, `memgpt version`, `memgpt folder`.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <map>

#include "cli/commands.h"
#include "cli/context.h"
#include "cli/term.h"
#include "config/config.h"
#include "util/files.h"
#include "util/json.h"

namespace memgpt::cli {
namespace {

// A flag of `configure` and the setting it writes.
struct SettingFlag {
  const char* flag;
  const char* section;
  const char* key;
  const char* help;
};

constexpr SettingFlag kSettingFlags[] = {
    {"--llm-provider", "model", "model_endpoint_type",
     "LLM backend: openai, azure, anthropic, groq, ollama, llamacpp, vllm, lmstudio, koboldcpp, "
     "webui, together, openrouter"},
    {"--model-endpoint-type", "model", "model_endpoint_type", "Same as --llm-provider"},
    {"--model", "model", "model", "Model name, e.g. gpt-4o-mini"},
    {"--model-endpoint", "model", "model_endpoint", "Endpoint URL of the LLM backend"},
    {"--model-wrapper", "model", "model_wrapper", "Prompt wrapper for local models (chatml, ...)"},
    {"--context-window", "model", "context_window", "Context window in tokens"},
    {"--embedding-provider", "embedding", "embedding_endpoint_type",
     "Embeddings: local (built-in, offline), openai, azure, ollama, llamacpp, vllm, tei"},
    {"--embedding-endpoint-type", "embedding", "embedding_endpoint_type",
     "Same as --embedding-provider"},
    {"--embedding-endpoint", "embedding", "embedding_endpoint", "Endpoint URL for embeddings"},
    {"--embedding-model", "embedding", "embedding_model", "Embedding model name"},
    {"--embedding-dim", "embedding", "embedding_dim", "Embedding dimension"},
    {"--embedding-chunk-size", "embedding", "embedding_chunk_size",
     "Tokens per passage when loading documents"},
    {"--archival-storage", "archival_storage", "type", "Archival storage: milvus"},
    {"--archival-uri", "archival_storage", "uri",
     "Milvus URI: a local file (~/.memgpt/milvus.db, embedded) or http://host:19530"},
    {"--recall-storage", "recall_storage", "type", "Recall storage: sqlite or postgres"},
    {"--recall-uri", "recall_storage", "uri", "postgresql://... for postgres"},
    {"--recall-path", "recall_storage", "path", "Folder or .db file for sqlite"},
    {"--metadata-storage", "metadata_storage", "type", "Metadata storage: sqlite or postgres"},
    {"--metadata-uri", "metadata_storage", "uri", "postgresql://... for postgres"},
    {"--metadata-path", "metadata_storage", "path", "Folder or .db file for sqlite"},
    {"--preset", "defaults", "preset", "Default preset for new agents"},
    {"--persona", "defaults", "persona", "Default persona for new agents"},
    {"--human", "defaults", "human", "Default human for new agents"},
};

struct SecretFlag {
  const char* flag;
  const char* section;
  const char* key;
  const char* help;
};

constexpr SecretFlag kSecretFlags[] = {
    {"--openai-key", "openai", "key", "OpenAI API key (stored in the credentials file)"},
    {"--anthropic-key", "anthropic", "key", "Anthropic API key"},
    {"--azure-key", "azure", "key", "Azure OpenAI key"},
    {"--azure-endpoint", "azure", "endpoint", "Azure OpenAI endpoint"},
    {"--azure-version", "azure", "version", "Azure OpenAI API version"},
    {"--groq-key", "groq", "key", "Groq API key"},
    {"--milvus-token", "milvus", "token", "Milvus token (user:password or API key)"},
};

// Embedding settings implied by a provider when the user gives none.
void apply_embedding_provider_defaults(MemgptConfig& c, bool model_given, bool dim_given) {
  if (c.embedding_endpoint_type == "local") {
    if (!model_given) c.embedding_model = kBuiltinEmbeddingModel;
    if (!dim_given) c.embedding_dim = kBuiltinEmbeddingDim;
    c.embedding_endpoint.clear();
  } else if (c.embedding_endpoint_type == "openai") {
    if (!model_given && c.embedding_model == kBuiltinEmbeddingModel) {
      c.embedding_model = "text-embedding-ada-002";
    }
    if (!dim_given && c.embedding_model == "text-embedding-ada-002") c.embedding_dim = 1536;
    if (c.embedding_endpoint.empty()) c.embedding_endpoint = "https://api.openai.com/v1";
  }
}

// Endpoint (and wrapper) implied by an LLM provider when the user gives none.
void apply_llm_provider_defaults(MemgptConfig& c) {
  static const std::map<std::string, std::string> kEndpoints = {
      {"openai", "https://api.openai.com/v1"},
      {"anthropic", "https://api.anthropic.com/v1"},
      {"groq", "https://api.groq.com/openai/v1"},
      {"together", "https://api.together.xyz/v1"},
      {"openrouter", "https://openrouter.ai/api/v1"},
      {"ollama", "http://localhost:11434"},
      {"llamacpp", "http://localhost:8080"},
      {"vllm", "http://localhost:8000"},
      {"lmstudio", "http://localhost:1234"},
      {"koboldcpp", "http://localhost:5001"},
      {"webui", "http://localhost:5000"},
  };
  auto it = kEndpoints.find(c.model_endpoint_type);
  c.model_endpoint = it != kEndpoints.end() ? it->second : "";
  bool local = c.model_endpoint_type == "ollama" || c.model_endpoint_type == "llamacpp" ||
               c.model_endpoint_type == "koboldcpp" || c.model_endpoint_type == "webui" ||
               c.model_endpoint_type == "lmstudio" || c.model_endpoint_type == "vllm";
  if (local && c.model_wrapper.empty()) c.model_wrapper = "chatml";
  if (!local) c.model_wrapper.clear();
}

void show_config(const MemgptConfig& c, const Credentials& creds, bool json) {
  OrderedJson out = OrderedJson::object();
  auto section = [&](const char* name) -> OrderedJson& {
    if (!out.contains(name)) out[name] = OrderedJson::object();
    return out[name];
  };
  section("defaults") = {{"preset", c.preset}, {"persona", c.persona}, {"human", c.human}};
  section("model") = {{"model", c.model},
                      {"model_endpoint", c.model_endpoint},
                      {"model_endpoint_type", c.model_endpoint_type},
                      {"model_wrapper", c.model_wrapper},
                      {"context_window", c.context_window}};
  section("embedding") = {{"embedding_endpoint_type", c.embedding_endpoint_type},
                          {"embedding_endpoint", c.embedding_endpoint},
                          {"embedding_model", c.embedding_model},
                          {"embedding_dim", c.embedding_dim},
                          {"embedding_chunk_size", c.embedding_chunk_size}};
  for (auto [name, s] : {std::pair{"archival_storage", &c.archival_storage},
                         std::pair{"recall_storage", &c.recall_storage},
                         std::pair{"metadata_storage", &c.metadata_storage}}) {
    section(name) = {{"type", s->type}, {"path", s->path}, {"uri", s->uri}};
  }
  section("client") = {{"anon_clientid", c.anon_clientid}};
  section("version") = {{"memgpt_version", c.memgpt_version}};
  OrderedJson secrets = OrderedJson::object();
  for (const auto& f : kSecretFlags) {
    std::string v = creds.get(f.section, f.key);
    if (v.empty()) continue;
    bool is_secret = std::string(f.key) == "key" || std::string(f.key) == "token";
    secrets[std::string(f.section) + "." + f.key] = is_secret ? mask_secret(v) : v;
  }
  if (json) {
    out["credentials"] = secrets;
    out["config_path"] = c.path;
    out["credentials_path"] = creds.path;
    fmt::print("{}\n", out.dump(2));
    return;
  }
  fmt::print("# {}{}\n", c.path, c.exists ? "" : " (not written yet: defaults)");
  for (const auto& [name, values] : out.items()) {
    fmt::print("[{}]\n", name);
    for (const auto& [k, v] : values.items()) {
      fmt::print("{} = {}\n", k, v.is_string() ? v.get<std::string>() : v.dump());
    }
    fmt::print("\n");
  }
  fmt::print("# {}\n[credentials]\n", creds.path);
  if (secrets.empty()) fmt::print("(none)\n");
  for (const auto& [k, v] : secrets.items()) fmt::print("{} = {}\n", k, v.get<std::string>());
}

}  // namespace

void register_config_commands(CLI::App& app) {
  auto* configure = app.add_subcommand(
      "configure", "Choose the LLM, embeddings and storage (flags set values without questions)");
  static std::map<std::string, std::string> values;  // flag -> value
  static bool show = false, json = false;
  for (const auto& f : kSettingFlags) {
    configure->add_option_function<std::string>(
        f.flag, [flag = std::string(f.flag)](const std::string& v) { values[flag] = v; }, f.help);
  }
  for (const auto& f : kSecretFlags) {
    configure->add_option_function<std::string>(
        f.flag, [flag = std::string(f.flag)](const std::string& v) { values[flag] = v; }, f.help);
  }
  configure->add_flag("--show", show, "Print the effective configuration (secrets masked)");
  configure->add_flag("--json", json, "With --show: print JSON");
  configure->callback([] {
    MemgptConfig config = check(MemgptConfig::load());
    Credentials creds = check(Credentials::load());
    if (show && values.empty()) {
      show_config(config, creds, json);
      return;
    }
    bool model_given = values.count("--embedding-model") > 0;
    bool dim_given = values.count("--embedding-dim") > 0;
    bool secrets_changed = false;
    for (const auto& f : kSettingFlags) {
      auto it = values.find(f.flag);
      if (it == values.end()) continue;
      Status s = config.set(f.section, f.key, it->second);
      if (!s.ok()) fail(fmt::format("{}: {}", f.flag, s.message()), kExitFailure);
    }
    bool provider_given = values.count("--llm-provider") || values.count("--model-endpoint-type");
    if (provider_given && !values.count("--model-endpoint")) {
      apply_llm_provider_defaults(config);
      if (config.model_endpoint_type == "azure" && config.model_endpoint.empty() &&
          creds.get("azure", "endpoint").empty() && !values.count("--azure-endpoint")) {
        fail("--llm-provider azure needs --model-endpoint or --azure-endpoint");
      }
    }
    if (values.count("--embedding-provider") || values.count("--embedding-endpoint-type")) {
      apply_embedding_provider_defaults(config, model_given, dim_given);
    }
    if (values.count("--archival-uri")) {
      std::string uri = config.archival_storage.uri;
      bool remote = uri.rfind("http://", 0) == 0 || uri.rfind("https://", 0) == 0;
      if (!remote && uri.find("://") != std::string::npos) {
        fail(fmt::format("--archival-uri: '{}' is neither a local file path nor http(s)://", uri));
      }
    }
    for (const auto& f : kSecretFlags) {
      auto it = values.find(f.flag);
      if (it == values.end()) continue;
      creds.set(f.section, f.key, it->second);
      secrets_changed = true;
    }
    Status s = config.save();
    if (!s.ok()) fail(s.with_context("cannot save the configuration"));
    if (secrets_changed) check(creds.save());
    if (show) {
      show_config(config, creds, json);
      return;
    }
    fmt::print("📖 Saving config to {}\n", display_path(config.path));
    if (secrets_changed) fmt::print("🔑 Saving credentials to {}\n", display_path(creds.path));
  });

  app.add_subcommand("version", "Print the memgpt version")->callback([] {
    fmt::print("{}\n", kMemgptVersion);
  });

  auto* folder = app.add_subcommand("folder", "Print the memgpt home folder (and open it)");
  static bool no_open = false;
  folder->add_flag("--no-open", no_open, "Only print the path");
  folder->callback([] {
    std::string home = memgpt_home();
    check(ensure_dir(home));
    fmt::print("{}\n", home);
    std::fflush(stdout);
    const char* display = std::getenv("DISPLAY");
    const char* wayland = std::getenv("WAYLAND_DISPLAY");
    bool desktop = (display && *display) || (wayland && *wayland);
    if (no_open || !desktop || !stdout_is_tty()) return;
    for (const char* opener : {"/usr/bin/xdg-open", "/usr/bin/gio"}) {
      if (::access(opener, X_OK) != 0) continue;
      pid_t pid = ::fork();
      if (pid == 0) {
        ::setsid();
        if (std::string(opener) == "/usr/bin/gio") {
          ::execl(opener, opener, "open", home.c_str(), static_cast<char*>(nullptr));
        } else {
          ::execl(opener, opener, home.c_str(), static_cast<char*>(nullptr));
        }
        _exit(127);
      }
      return;
    }
  });
}

}  // namespace memgpt::cli
