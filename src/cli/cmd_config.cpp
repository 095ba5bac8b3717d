// `memgpt configure`, `memgpt version`, `memgpt folder`.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "cli/commands.h"
#include "cli/context.h"
#include "cli/prompt.h"
#include "cli/term.h"
#include "config/config.h"
#include "config/providers.h"
#include "llm/llm_config.h"
#include "runtime/embedder_records.h"
#if MEMGPT_LOCAL_LLM
#include "llm/llama_chat.h"
#include "llm/llama_runtime.h"
#endif
#include "util/files.h"
#include "util/http_client.h"
#include "util/json.h"
#include "vector/simd_level.h"

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
     "webui, together, openrouter, local (a GGUF model run in process)"},
    {"--model-endpoint-type", "model", "model_endpoint_type", "Same as --llm-provider"},
    {"--model", "model", "model", "Model name, e.g. gpt-4o-mini; for local, a GGUF file or smollm2-135m-instruct"},
    {"--model-endpoint", "model", "model_endpoint", "Endpoint URL of the LLM backend"},
    {"--model-wrapper", "model", "model_wrapper", "Prompt wrapper for local models (chatml, ...)"},
    {"--context-window", "model", "context_window", "Context window in tokens"},
    {"--model-timeout", "model", "timeout",
     "Seconds one model call may take, retries included (default 120)"},
    {"--model-threads", "model", "threads",
     "CPU threads of the in-process model (default: MEMGPT_LLM_THREADS, else min(cores, 4))"},
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
    {"--archival-index-type", "archival_storage", "index_type",
     "Vector index of new archival collections: HNSW (float vectors, the default) or HNSW_SQ (8-bit "
     "vectors re-ranked from the floats: about a third of the memory, for millions of passages)"},
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

// Embedding settings implied by a provider when the user gives none. Returns the line saying
// which local embedder was picked, if one was.
std::string apply_embedding_provider_defaults(MemgptConfig& c, bool model_given, bool dim_given) {
  std::string picked;
  if (c.embedding_endpoint_type == "local") {
    if (!model_given) picked = runtime::choose_default_embedding(c);
    if (model_given) runtime::fit_chunk_size_to_embedder(c);
    if (!dim_given) c.embedding_dim = kBuiltinEmbeddingDim;
    c.embedding_endpoint.clear();
  } else if (c.embedding_endpoint_type == "openai") {
    if (!model_given && c.embedding_model == kBuiltinEmbeddingModel) {
      c.embedding_model = "text-embedding-ada-002";
    }
    if (!dim_given && c.embedding_model == "text-embedding-ada-002") c.embedding_dim = 1536;
    if (c.embedding_endpoint.empty()) c.embedding_endpoint = "https://api.openai.com/v1";
  }
  return picked;
}

// Endpoint (and wrapper) implied by an LLM provider when the user gives none.
void apply_llm_provider_defaults(MemgptConfig& c) {
  const Provider* p = find_provider(c.model_endpoint_type);
  c.model_endpoint = p ? std::string(p->default_endpoint) : "";
  bool wrapped = p && !p->default_wrapper.empty();
  if (wrapped && c.model_wrapper.empty()) c.model_wrapper = p->default_wrapper;
  if (!wrapped) c.model_wrapper.clear();
}

// The embedder the settings make, e.g. "memgpt-builtin-384 (384 dims)"; what is wrong when
// they make none.
Result<std::string> embedder_status(const MemgptConfig& c, const Credentials& creds) {
  MEMGPT_ASSIGN_OR_RETURN(auto made, embed::make_embedder(embedder_config(c, creds)));
  return runtime::embedder_label(made->model(), made->dim());
}

// Checks the embedding settings by making the embedder (no list of names here: the embedder
// factory knows which models exist). A local model takes the dimension the embedder has.
void check_embedding_settings(MemgptConfig& c, const Credentials& creds, bool dim_given) {
  auto made = embed::make_embedder(embedder_config(c, creds));
  if (!made.ok()) fail(fmt::format("--embedding-model: {}", made.status().message()));
  if (c.embedding_endpoint_type != "local") return;
  if ((*made)->model() != c.embedding_model) {
    fail(fmt::format("--embedding-model: the local provider has no model '{}' here (it offers {})", c.embedding_model,
                     (*made)->model()));
  }
  if (dim_given && c.embedding_dim != (*made)->dim()) {
    fail(fmt::format("--embedding-dim: {} makes {} dimensions, not {}", c.embedding_model, (*made)->dim(),
                     c.embedding_dim));
  }
  c.embedding_dim = (*made)->dim();
}

bool is_in_process(const std::string& endpoint_type) {
  const Provider* p = find_provider(endpoint_type);
  return p && p->api == ProviderApi::kInProcess;
}

// The [model] model of the in-process provider: the packaged model's name, or the path of a GGUF
// file, stored absolute so that `memgpt run` finds it from any folder. Fails (one line) for a
// path with no GGUF file behind it; the packaged model may be installed later, so its absence is
// only a warning.
std::string checked_local_model(const std::string& model) {
#if MEMGPT_LOCAL_LLM
  const std::string packaged = llm::kPackagedLocalModel;
  if (model.empty() || model == packaged) {
    auto found = llm::resolve_local_model(packaged);
    if (!found.ok()) fmt::print("⚠️  {}\n", found.status().message());
    return packaged;
  }
  auto path = llm::resolve_local_model(model);
  if (!path.ok()) fail(path.status().message());
  if (!llm::is_gguf_file(*path)) {
    fail(fmt::format("{} is not a GGUF model file (give a .gguf file or '{}')", model, packaged));
  }
  std::error_code ec;
  std::string absolute = std::filesystem::absolute(*path, ec).lexically_normal().string();
  return ec ? *path : absolute;
#else
  (void)model;
  fail("this memgpt was built without the in-process model (llama.cpp): run scripts/setup.sh and rebuild");
#endif
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
                      {"context_window", c.context_window},
                      {"timeout", c.model_timeout},
                      // What the in-process model will use ([model] threads, MEMGPT_LLM_THREADS, cores).
                      {"threads", llm::local_model_threads(c.model_threads)}};
  section("embedding") = {{"embedding_endpoint_type", c.embedding_endpoint_type},
                          {"embedding_endpoint", c.embedding_endpoint},
                          {"embedding_model", c.embedding_model},
                          {"embedding_dim", c.embedding_dim},
                          {"embedding_chunk_size", c.embedding_chunk_size}};
  auto embedder = embedder_status(c, creds);
  section("embedding")["embedder"] = embedder.ok() ? *embedder : "unavailable: " + embedder.status().message();
  for (auto [name, s] : {std::pair{"archival_storage", &c.archival_storage},
                         std::pair{"recall_storage", &c.recall_storage},
                         std::pair{"metadata_storage", &c.metadata_storage}}) {
    section(name) = {{"type", s->type}, {"path", s->path}, {"uri", s->uri}};
    if (s == &c.archival_storage) section(name)["index_type"] = c.archival_index_type();
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

// Lists the models an OpenAI-compatible endpoint serves (GET <endpoint>/models); a warning
// line when it cannot be reached. Returns true when the endpoint answered.
bool check_llm_endpoint(const MemgptConfig& c, const Credentials& creds) {
  if (is_in_process(c.model_endpoint_type)) return true;  // no server: the model file was checked
  std::string base = c.model_endpoint;
  while (!base.empty() && base.back() == '/') base.pop_back();
  const std::string& type = c.model_endpoint_type;
  // Each backend lists its models in its own way: OpenAI-style GET /v1/models (data[].id),
  // Ollama's /api/tags (models[].name), koboldcpp's /api/v1/model (result), Anthropic's
  // /v1/models with its own key header.
  const Provider* provider = find_provider(type);
  std::string path = provider ? std::string(provider->models_path) : "/models";
  bool add_v1 = provider && provider->appends_v1;
  if (add_v1 && (base.size() < 3 || base.compare(base.size() - 3, 3, "/v1") != 0)) base += "/v1";
  HttpRequest req{"GET", base + path};
  req.timeout_ms = 3000;
  req.connect_timeout_ms = 2000;
  std::string key_hint = "`memgpt configure --openai-key KEY` or OPENAI_API_KEY";
  if (type == "anthropic") {
    req.headers.emplace_back("x-api-key", creds.anthropic_key());
    req.headers.emplace_back("anthropic-version", "2023-06-01");
    key_hint = "`memgpt configure --anthropic-key KEY` or ANTHROPIC_API_KEY";
  } else if (type != "ollama" && type != "koboldcpp") {
    std::string key = creds.openai_key();
    if (!key.empty()) req.headers.emplace_back("Authorization", "Bearer " + key);
  }
  auto http = make_curl_http_client();
  auto r = http->send(req);
  if (!r.ok()) {
    fmt::print("⚠️  Could not reach {} ({}): start the server or fix the endpoint with "
               "`memgpt configure --model-endpoint URL`\n",
               base, r.status().message());
    return false;
  }
  if (r->status == 401 || r->status == 403) {
    fmt::print("⚠️  {} refused the API key (HTTP {}): set it with {}\n", base, r->status, key_hint);
    return false;
  }
  Json j = parse_json_or_discarded(r->body);
  std::vector<std::string> models;
  auto collect = [&](const char* list, const char* field) {
    if (j.is_object() && j.contains(list) && j[list].is_array()) {
      for (const auto& m : j[list]) {
        if (m.is_object() && m.contains(field) && m[field].is_string()) models.push_back(m[field]);
      }
    }
  };
  collect("data", "id");
  collect("models", "name");
  if (j.is_object() && j.contains("result") && j["result"].is_string()) models.push_back(j["result"]);
  if (models.empty()) {
    fmt::print("⚠️  {} answered HTTP {} without a model list\n", base, r->status);
    return false;
  }
  bool found = std::find(models.begin(), models.end(), c.model) != models.end();
  std::string shown;
  for (size_t i = 0; i < models.size() && i < 8; ++i) shown += (i ? ", " : "") + models[i];
  fmt::print("✅ {} is reachable; models: {}{}\n", base, shown, models.size() > 8 ? ", ..." : "");
  if (!found) fmt::print("⚠️  model '{}' is not in that list (set it with `memgpt configure --model NAME`)\n", c.model);
  return true;
}

// MemGPT's configure questions, each defaulting to the current value.
void configure_interactively(MemgptConfig& c, Credentials& creds) {
  std::vector<std::string> provider_types;
  for (const Provider& p : providers()) provider_types.emplace_back(p.type);
  auto index_of = [](const std::vector<std::string>& v, const std::string& x) -> std::optional<size_t> {
    auto it = std::find(v.begin(), v.end(), x);
    if (it == v.end()) return std::nullopt;
    return static_cast<size_t>(it - v.begin());
  };
  auto provider = choose("Select LLM inference provider:", provider_types,
                         index_of(provider_types, c.model_endpoint_type));
  if (provider && provider_types[*provider] != c.model_endpoint_type) {
    c.model_endpoint_type = provider_types[*provider];
    apply_llm_provider_defaults(c);
  }
  if (is_in_process(c.model_endpoint_type)) {
    c.model_endpoint.clear();
    c.model = checked_local_model(
        ask(fmt::format("Enter a GGUF file or '{}' (packaged)", find_provider("local")->default_model), c.model));
  } else {
    c.model_endpoint = ask("Enter default endpoint", c.model_endpoint);
    c.model = ask("Enter default model name", c.model);
  }
  static const std::vector<std::string> kWindows = {"4096", "8192", "16384", "32768", "128000", "custom"};
  auto window = choose("Select your model's context window:", kWindows,
                       index_of(kWindows, std::to_string(c.context_window)).value_or(1));
  if (window && kWindows[*window] == "custom") {
    std::string w = ask("Enter the context window in tokens", std::to_string(c.context_window));
    Status s = c.set("model", "context_window", w);
    if (!s.ok()) fmt::print("{} (kept {})\n", s.message(), c.context_window);
  } else if (window) {
    c.context_window = std::stoi(kWindows[*window]);
  }
  const Provider* chosen = find_provider(c.model_endpoint_type);
  if (chosen && !chosen->default_wrapper.empty()) {
    static const std::vector<std::string> kWrappers = {"chatml", "llama3", "airoboros-l2-70b-2.1", "zephyr"};
    auto w = choose("Select default model wrapper (recommended: chatml):", kWrappers,
                    index_of(kWrappers, c.model_wrapper).value_or(0));
    if (w) c.model_wrapper = kWrappers[*w];
  }
  if ((c.model_endpoint_type == "openai" || c.model_endpoint_type == "azure") && creds.openai_key().empty() &&
      c.model_endpoint.find("api.openai.com") != std::string::npos) {
    std::string key = ask("Enter your OpenAI API key (starts with 'sk-', empty to skip)", "");
    if (!key.empty()) creds.set("openai", "key", key);
  }
  static const std::vector<std::string> kEmbeddings = {"local", "openai", "azure", "ollama", "llamacpp", "vllm", "tei"};
  auto emb = choose("Select embedding provider:", kEmbeddings, index_of(kEmbeddings, c.embedding_endpoint_type));
  if (emb && kEmbeddings[*emb] != c.embedding_endpoint_type) {
    c.embedding_endpoint_type = kEmbeddings[*emb];
    apply_embedding_provider_defaults(c, false, false);
    if (c.embedding_endpoint_type != "local") {
      c.embedding_endpoint = ask("Enter the embedding endpoint", c.embedding_endpoint);
      c.embedding_model = ask("Enter the embedding model", c.embedding_model);
      std::string dim = ask("Enter the embedding dimension", std::to_string(c.embedding_dim));
      Status s = c.set("embedding", "embedding_dim", dim);
      if (!s.ok()) fmt::print("{} (kept {})\n", s.message(), c.embedding_dim);
    }
  }
  choose("Select storage backend for archival data:", {"milvus"}, 0);
  c.archival_storage.uri = ask("Enter the Milvus connection URI (Default: ~/.memgpt/milvus.db)",
                               display_path(c.archival_storage.uri));
  c.archival_storage.uri = expand_user(c.archival_storage.uri);
  choose("Select storage backend for recall data:", {"sqlite"}, 0);
}

}  // namespace

void run_quickstart(const std::string& backend, const std::string& qs_model, bool check_endpoint,
                    const std::string& endpoint) {
  if (backend == "memgpt") {
    fail("the 'memgpt' quickstart points at MemGPT's hosted endpoint, which this build does not use; pick "
         "openai, anthropic, groq, ollama, llamacpp, koboldcpp, webui, vllm, lmstudio or local",
         kExitUnavailable);
  }
  const Provider* p = find_provider(backend);
  bool in_process = p && p->api == ProviderApi::kInProcess;
  if (!p || (p->default_endpoint.empty() && !in_process)) fail(fmt::format("unknown quickstart backend '{}'", backend));
  if (in_process && !endpoint.empty()) fail(fmt::format("--backend {} runs the model in process: it takes no --model-endpoint", backend));
  MemgptConfig config = check(MemgptConfig::load());
  Credentials creds = check(Credentials::load());
  config.model_endpoint_type = p->type;
  config.model_endpoint = endpoint.empty() ? std::string(p->default_endpoint) : endpoint;
  config.model = qs_model.empty() ? std::string(p->default_model) : qs_model;
  if (in_process) config.model = checked_local_model(config.model);
  config.context_window = p->default_context_window;
  config.model_wrapper = p->default_wrapper;
  // A new home gets the default embedder; an existing one keeps its own (its sources and
  // agents were embedded with it).
  std::string embeddings = config.exists ? fmt::format("embeddings: {} (kept)", config.embedding_model)
                                         : runtime::choose_default_embedding(config);
  config.archival_storage.type = "milvus";
  if (config.archival_storage.uri.empty()) config.archival_storage.uri = memgpt_home() + "/milvus.db";
  Status s = config.save();
  if (!s.ok()) fail(s.with_context("cannot save the configuration"));
  fmt::print("📖 MemGPT configuration file updated ({}): {} model '{}' {}, {}, archival memory in {}\n",
             display_path(config.path), p->type, config.model,
             in_process ? std::string("in process (no server)") : "at " + config.model_endpoint, embeddings,
             display_path(config.archival_uri()));
  if (backend == "openai" && creds.openai_key().empty()) {
    fmt::print("⚠️  No OpenAI API key yet: set OPENAI_API_KEY or run `memgpt configure --openai-key KEY`\n");
  } else if (check_endpoint) {
    check_llm_endpoint(config, creds);
  }
  fmt::print("Next: `memgpt run` to chat, or `memgpt load directory --name docs --input-dir DIR` first.\n");
}

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
    // A new home: the default embedder unless the flags name one.
    std::string embeddings;
    const bool embedding_flags = values.count("--embedding-provider") || values.count("--embedding-endpoint-type") ||
                                 values.count("--embedding-model") || values.count("--embedding-endpoint");
    if (!config.exists && !embedding_flags) embeddings = runtime::choose_default_embedding(config);
    if (values.empty() && !show && stdin_is_tty() && stdout_is_tty()) {
      configure_interactively(config, creds);
      Status saved = config.save();
      if (!saved.ok()) fail(saved.with_context("cannot save the configuration"));
      check(creds.save());
      fmt::print("📖 Saving config to {}\n", display_path(config.path));
      fmt::print("🧠 embeddings: {} ({})\n", config.embedding_model, config.embedding_endpoint_type);
      check_llm_endpoint(config, creds);
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
    if (is_in_process(config.model_endpoint_type) && (provider_given || values.count("--model"))) {
      if (values.count("--model-endpoint")) fail("--llm-provider local runs the model in process: it takes no --model-endpoint");
      config.model_endpoint.clear();
      config.model = checked_local_model(values.count("--model") ? config.model : "");
    }
    if (values.count("--embedding-provider") || values.count("--embedding-endpoint-type")) {
      embeddings = apply_embedding_provider_defaults(config, model_given, dim_given);
    }
    for (const char* flag : {"--embedding-provider", "--embedding-endpoint-type", "--embedding-model", "--embedding-dim",
                             "--embedding-endpoint"}) {
      if (values.count(flag)) {
        check_embedding_settings(config, creds, dim_given);
        break;
      }
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
    if (!embeddings.empty()) fmt::print("🧠 {}\n", embeddings);
    if (secrets_changed) fmt::print("🔑 Saving credentials to {}\n", display_path(creds.path));
  });

  auto* quickstart = app.add_subcommand("quickstart", "Configure memgpt for a backend in one step");
  static std::string backend = "openai", qs_model, qs_endpoint;
  static bool latest = false, no_check = false;
  quickstart->add_option("--backend", backend,
                         "openai, anthropic, groq, ollama, llamacpp, koboldcpp, webui, vllm, lmstudio, or local (a "
                         "GGUF model run in process, offline)")
      ->capture_default_str()
      ->check(CLI::IsMember({"openai", "anthropic", "groq", "ollama", "llamacpp", "koboldcpp", "webui", "vllm", "lmstudio", "local", "memgpt"}));
  quickstart->add_option("--model", qs_model,
                         "Model name (default: a sensible one for the backend); for local, a GGUF file or the "
                         "packaged smollm2-135m-instruct");
  quickstart->add_flag("--latest", latest, "Accepted for compatibility (the defaults are built in)");
  quickstart->add_option("--model-endpoint", qs_endpoint,
                         "The LLM server's URL (default: the backend's usual address, e.g. "
                         "http://localhost:8080 for llamacpp)");
  quickstart->add_flag("--no-check", no_check, "Do not contact the LLM endpoint");
  quickstart->callback([] { run_quickstart(backend, qs_model, !no_check, qs_endpoint); });

  auto* version = app.add_subcommand("version", "Print the memgpt version");
  static bool version_json = false;
  version->add_flag("--json", version_json, "Also the SIMD level of the vector kernels (MEMGPT_SIMD overrides it)");
  version->callback([] {
    if (!version_json) return fmt::print("{}\n", kMemgptVersion);
    Json j = {{"version", kMemgptVersion},
              {"vector_simd", vector::embedded::simd_level_name(vector::embedded::simd_level())}};
    fmt::print("{}\n", j.dump());
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
