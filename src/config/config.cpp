#include "config/config.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <functional>

#include "config/providers.h"
#include "util/clock.h"
#include "util/files.h"

namespace memgpt {
namespace {

constexpr const char* kEmbeddingEndpointTypes[] = {"local", "openai", "azure", "ollama",
                                                   "llamacpp", "vllm", "tei"};
constexpr const char* kArchivalTypes[] = {"milvus"};
constexpr const char* kArchivalIndexTypes[] = {"HNSW", "HNSW_SQ"};
constexpr const char* kRecallTypes[] = {"sqlite", "postgres"};

Result<int> parse_positive_int(const std::string& key, const std::string& value) {
  int out = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (ec != std::errc() || ptr != value.data() + value.size() || out <= 0) {
    return invalid_argument(fmt::format("{} must be a positive integer, got '{}'", key, value));
  }
  return out;
}

template <size_t N>
Status one_of(const std::string& key, const std::string& value, const char* const (&allowed)[N]) {
  for (const char* a : allowed) {
    if (value == a) return {};
  }
  std::string list;
  for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  return invalid_argument(fmt::format("{} must be one of: {} (got '{}')", key, list, value));
}

// One row per known key: how to read it from and write it into MemgptConfig.
struct Field {
  const char* section;
  const char* key;
  std::function<std::string(const MemgptConfig&)> get;
  std::function<Status(MemgptConfig&, const std::string&)> set;
};

Field str_field(const char* section, const char* key, std::string MemgptConfig::*member) {
  return {section, key, [member](const MemgptConfig& c) { return c.*member; },
          [member](MemgptConfig& c, const std::string& v) {
            c.*member = v;
            return Status{};
          }};
}

Field int_field(const char* section, const char* key, int MemgptConfig::*member) {
  return {section, key, [member](const MemgptConfig& c) { return std::to_string(c.*member); },
          [member, key](MemgptConfig& c, const std::string& v) -> Status {
            auto n = parse_positive_int(key, v);
            if (!n.ok()) return n.status();
            c.*member = *n;
            return {};
          }};
}

Field storage_field(const char* section, const char* key, StorageConfig MemgptConfig::*storage,
                    std::string StorageConfig::*member) {
  return {section, key, [storage, member](const MemgptConfig& c) { return (c.*storage).*member; },
          [storage, member](MemgptConfig& c, const std::string& v) {
            (c.*storage).*member = v;
            return Status{};
          }};
}

const std::vector<Field>& fields() {
  static const std::vector<Field> kFields = [] {
    std::vector<Field> f;
    f.push_back(str_field("defaults", "preset", &MemgptConfig::preset));
    f.push_back(str_field("defaults", "persona", &MemgptConfig::persona));
    f.push_back(str_field("defaults", "human", &MemgptConfig::human));
    f.push_back(str_field("model", "model", &MemgptConfig::model));
    f.push_back(str_field("model", "model_endpoint", &MemgptConfig::model_endpoint));
    Field endpoint_type = str_field("model", "model_endpoint_type",
                                    &MemgptConfig::model_endpoint_type);
    endpoint_type.set = [](MemgptConfig& c, const std::string& v) -> Status {
      if (!find_provider(v)) {
        return invalid_argument(
            fmt::format("model_endpoint_type must be one of: {} (got '{}')", provider_type_list(), v));
      }
      c.model_endpoint_type = v;
      return {};
    };
    f.push_back(endpoint_type);
    f.push_back(str_field("model", "model_wrapper", &MemgptConfig::model_wrapper));
    f.push_back(int_field("model", "context_window", &MemgptConfig::context_window));
    f.push_back(int_field("model", "timeout", &MemgptConfig::model_timeout));
    // Optional: absent (0) means automatic (MEMGPT_LLM_THREADS, else min(cores, 4)).
    Field threads = int_field("model", "threads", &MemgptConfig::model_threads);
    threads.get = [](const MemgptConfig& c) { return c.model_threads > 0 ? std::to_string(c.model_threads) : ""; };
    f.push_back(threads);
    Field emb_type = str_field("embedding", "embedding_endpoint_type",
                               &MemgptConfig::embedding_endpoint_type);
    emb_type.set = [](MemgptConfig& c, const std::string& v) -> Status {
      MEMGPT_RETURN_IF_ERROR(one_of("embedding_endpoint_type", v, kEmbeddingEndpointTypes));
      c.embedding_endpoint_type = v;
      return {};
    };
    f.push_back(emb_type);
    f.push_back(str_field("embedding", "embedding_endpoint", &MemgptConfig::embedding_endpoint));
    f.push_back(str_field("embedding", "embedding_model", &MemgptConfig::embedding_model));
    f.push_back(int_field("embedding", "embedding_dim", &MemgptConfig::embedding_dim));
    f.push_back(
        int_field("embedding", "embedding_chunk_size", &MemgptConfig::embedding_chunk_size));
    for (auto entry :
         {std::pair{"archival_storage", &MemgptConfig::archival_storage},
          std::pair{"recall_storage", &MemgptConfig::recall_storage},
          std::pair{"metadata_storage", &MemgptConfig::metadata_storage}}) {
      // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
      const char* section = entry.first;
      auto member = entry.second;
      Field type = storage_field(section, "type", member, &StorageConfig::type);
      std::string sec = section;
      type.set = [sec, member](MemgptConfig& c, const std::string& v) -> Status {
        if (sec == "archival_storage") {
          MEMGPT_RETURN_IF_ERROR(one_of("archival_storage.type", v, kArchivalTypes));
        } else {
          MEMGPT_RETURN_IF_ERROR(one_of(sec + ".type", v, kRecallTypes));
        }
        (c.*member).type = v;
        return {};
      };
      f.push_back(type);
      f.push_back(storage_field(section, "path", member, &StorageConfig::path));
      f.push_back(storage_field(section, "uri", member, &StorageConfig::uri));
      if (sec == "archival_storage") {
        Field index = storage_field(section, "index_type", member, &StorageConfig::index_type);
        index.set = [](MemgptConfig& c, const std::string& v) -> Status {
          MEMGPT_RETURN_IF_ERROR(one_of("archival_storage.index_type", v, kArchivalIndexTypes));
          c.archival_storage.index_type = v;
          return {};
        };
        f.push_back(index);
      }
    }
    f.push_back(str_field("client", "anon_clientid", &MemgptConfig::anon_clientid));
    f.push_back(str_field("version", "memgpt_version", &MemgptConfig::memgpt_version));
    return f;
  }();
  return kFields;
}

void apply_storage_defaults(MemgptConfig& c) {
  std::string home = memgpt_home();
  if (c.archival_storage.type.empty()) c.archival_storage.type = "milvus";
  if (c.archival_storage.uri.empty()) c.archival_storage.uri = home + "/milvus.db";
  for (StorageConfig* s : {&c.recall_storage, &c.metadata_storage}) {
    if (s->type.empty()) s->type = "sqlite";
    if (s->path.empty() && s->type == "sqlite") s->path = home;
  }
}

}  // namespace

std::vector<std::string> known_config_keys() {
  std::vector<std::string> out;
  for (const auto& f : fields()) out.push_back(std::string(f.section) + "." + f.key);
  return out;
}

Result<MemgptConfig> MemgptConfig::load() { return load_from(config_path()); }

Result<MemgptConfig> MemgptConfig::load_from(const std::string& path) {
  MemgptConfig c;
  c.path = path;
  c.exists = path_exists(path);
  MEMGPT_ASSIGN_OR_RETURN(c.ini, IniFile::load(path));
  for (const auto& f : fields()) {
    auto v = c.ini.get(f.section, f.key);
    if (!v || v->empty()) continue;
    Status s = f.set(c, *v);
    if (!s.ok()) {
      return invalid_argument(fmt::format("{}: [{}] {}", path, f.section, s.message()));
    }
  }
  // No endpoint written: the provider's own (none for an in-process model), not OpenAI's.
  if (auto endpoint = c.ini.get("model", "model_endpoint"); !endpoint || endpoint->empty()) {
    const Provider* provider = find_provider(c.model_endpoint_type);
    if (provider) c.model_endpoint = std::string(provider->default_endpoint);
  }
  apply_storage_defaults(c);
  return c;
}

Status MemgptConfig::save() {
  if (anon_clientid.empty()) anon_clientid = new_uuid();
  memgpt_version = kMemgptVersion;
  for (const auto& f : fields()) {
    std::string v = f.get(*this);
    if (v.empty() && !ini.get(f.section, f.key)) continue;  // do not add empty optional keys
    ini.set(f.section, f.key, v);
  }
  std::string dir = path.substr(0, path.find_last_of('/'));
  if (!dir.empty()) MEMGPT_RETURN_IF_ERROR(ensure_dir(dir));
  Status s = ini.save(path, 0644);
  if (s.ok()) exists = true;
  return s;
}

Status MemgptConfig::set(const std::string& section, const std::string& key,
                         const std::string& value) {
  for (const auto& f : fields()) {
    if (section == f.section && key == f.key) return f.set(*this, value);
  }
  std::string list;
  for (const auto& k : known_config_keys()) list += (list.empty() ? "" : ", ") + k;
  return invalid_argument(fmt::format("unknown setting {}.{} (known: {})", section, key, list));
}

std::string MemgptConfig::sqlite_path() const {
  std::string p = expand_user(recall_storage.path.empty() ? memgpt_home() : recall_storage.path);
  if (p.size() > 3 && p.compare(p.size() - 3, 3, ".db") == 0) return p;
  return p + "/sqlite.db";
}

std::string MemgptConfig::archival_uri() const { return expand_user(archival_storage.uri); }

// ---------------------------------------------------------------------------------------------

namespace {

struct EnvOverride {
  const char* env;
  const char* section;
  const char* key;
};
constexpr EnvOverride kEnvOverrides[] = {
    {"OPENAI_API_KEY", "openai", "key"},
    {"OPENAI_API_BASE", "openai", "api_base"},
    {"AZURE_OPENAI_KEY", "azure", "key"},
    {"AZURE_OPENAI_ENDPOINT", "azure", "endpoint"},
    {"AZURE_OPENAI_VERSION", "azure", "version"},
    {"ANTHROPIC_API_KEY", "anthropic", "key"},
    {"GROQ_API_KEY", "groq", "key"},
    {"MILVUS_TOKEN", "milvus", "token"},
};

}  // namespace

Result<Credentials> Credentials::load() { return load_from(credentials_path()); }

Result<Credentials> Credentials::load_from(const std::string& path) {
  Credentials c;
  c.path = path;
  MEMGPT_ASSIGN_OR_RETURN(c.ini, IniFile::load(path));
  return c;
}

std::string Credentials::get(const std::string& section, const std::string& key) const {
  for (const auto& o : kEnvOverrides) {
    if (section == o.section && key == o.key) {
      const char* v = std::getenv(o.env);
      if (v && *v) return v;
    }
  }
  return ini.get_or(section, key, "");
}

void Credentials::set(const std::string& section, const std::string& key,
                      const std::string& value) {
  ini.set(section, key, value);
}

Status Credentials::save() {
  std::string dir = path.substr(0, path.find_last_of('/'));
  if (!dir.empty()) MEMGPT_RETURN_IF_ERROR(ensure_dir(dir));
  return ini.save(path, 0600);
}

std::string mask_secret(const std::string& secret) {
  if (secret.empty()) return "";
  if (secret.size() < 12) return std::string(secret.size(), '*');
  return secret.substr(0, 4) + "****" + secret.substr(secret.size() - 4);
}

}  // namespace memgpt
