// memgpt's configuration: the `config` and `credentials` INI files of MemGPT (same sections and
// keys), with defaults for an embedded, offline setup and environment overrides.
//
// Files: <home>/config ($MEMGPT_CONFIG_PATH) and <home>/credentials ($MEMGPT_CREDENTIALS_PATH,
// mode 0600); <home> = $MEMGPT_HOME or ~/.memgpt. Rewriting keeps comments and unknown keys.
#pragma once

#include <string>
#include <vector>

#include "config/providers.h"
#include "util/ini.h"
#include "util/status.h"

namespace memgpt {

inline constexpr const char* kMemgptVersion = "0.1.0";
// The built-in offline embedder (see docs/embeddings.md).
inline constexpr const char* kBuiltinEmbeddingModel = "memgpt-builtin-384";
inline constexpr int kBuiltinEmbeddingDim = 384;

struct StorageConfig {
  std::string type;  // archival: milvus | ...; recall/metadata: sqlite | postgres
  std::string path;  // sqlite: a folder (sqlite.db inside it) or a .db file
  std::string uri;   // milvus: local .db path or http(s)://host:19530; postgres: postgresql://...
  // archival only: the vector index of new collections, HNSW (float vectors; empty = HNSW) or
  // HNSW_SQ (8-bit vectors re-ranked from the floats: about a third of the memory)
  std::string index_type;
};

struct MemgptConfig {
  // [defaults]
  std::string preset = "memgpt_chat";
  std::string persona = "sam_pov";
  std::string human = "basic";
  // [model]
  std::string model = "gpt-4o-mini";
  std::string model_endpoint = "https://api.openai.com/v1";
  std::string model_endpoint_type = "openai";
  std::string model_wrapper;  // local backends: chatml (default), llama3, ...
  int context_window = kDefaultContextWindow;
  int model_timeout = 120;  // seconds for one model call, retries included ([model] timeout)
  int model_threads = 0;    // CPU threads of the in-process model ([model] threads; 0: automatic)
  // [embedding]
  std::string embedding_endpoint_type = "local";
  std::string embedding_endpoint;
  std::string embedding_model = kBuiltinEmbeddingModel;
  int embedding_dim = kBuiltinEmbeddingDim;
  int embedding_chunk_size = 300;
  // [archival_storage] [recall_storage] [metadata_storage]
  StorageConfig archival_storage;
  StorageConfig recall_storage;
  StorageConfig metadata_storage;
  // [client]
  std::string anon_clientid;  // the local user's id
  // [version]
  std::string memgpt_version = kMemgptVersion;

  std::string path;           // the file this came from / goes to
  bool exists = false;        // the file existed when loaded
  IniFile ini;                // the parsed file, so unknown keys survive a rewrite

  // Loads config_path(); a missing file yields the defaults (exists = false).
  static Result<MemgptConfig> load();
  static Result<MemgptConfig> load_from(const std::string& path);

  // Writes every known key into `ini` and saves it atomically; creates the home folder.
  Status save();

  // Sets one setting by its INI name ("model", "context_window", "archival_storage.uri", ...)
  // after validating it; unknown names are an error listing the valid ones.
  Status set(const std::string& section, const std::string& key, const std::string& value);

  // The file the recall/metadata SQLite database lives in (resolves folder-or-file `path`).
  std::string sqlite_path() const;
  // The archival Milvus URI with "~" expanded.
  std::string archival_uri() const;
  // [archival_storage] index_type, HNSW when unset.
  std::string archival_index_type() const { return archival_storage.index_type.empty() ? "HNSW" : archival_storage.index_type; }
};

// Secrets. Environment variables override the file: OPENAI_API_KEY, OPENAI_API_BASE,
// AZURE_OPENAI_KEY, AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_VERSION, ANTHROPIC_API_KEY,
// GROQ_API_KEY, MILVUS_TOKEN.
struct Credentials {
  IniFile ini;
  std::string path;

  static Result<Credentials> load();
  static Result<Credentials> load_from(const std::string& path);
  // The effective value: environment first, then the file. Empty when unset.
  std::string get(const std::string& section, const std::string& key) const;
  void set(const std::string& section, const std::string& key, const std::string& value);
  Status save();  // mode 0600

  std::string openai_key() const { return get("openai", "key"); }
  std::string anthropic_key() const { return get("anthropic", "key"); }
  std::string milvus_token() const { return get("milvus", "token"); }
};

// "sk-abc...wxyz" -> "sk-a****wxyz"; short secrets are fully masked.
std::string mask_secret(const std::string& secret);

// Every known config key as "section.key", in file order (for --show and error messages).
std::vector<std::string> known_config_keys();

}  // namespace memgpt
