#include "runtime/model_endpoints.h"

#include <algorithm>
#include <cctype>
#include <limits>

#include <fmt/format.h>

#include "config/providers.h"
#include "llm/llm_config.h"

namespace memgpt::runtime {
namespace {

Result<std::string> string_field(const Json& j, const char* key, const std::string& fallback) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  if (!j[key].is_string()) return invalid_argument(fmt::format("'llm_config.{}' must be a string", key));
  return j[key].get<std::string>();
}

// An in-process provider's "model" is a file the server opens: a user may pick only the model
// the operator configured or the packaged default, never a path of their own.
Status check_in_process_model(const MemgptConfig& config, const std::string& type, const std::string& model) {
  const Provider* provider = find_provider(type);
  if (!provider || provider->api != ProviderApi::kInProcess) return {};
  if (model == provider->default_model) return {};
  if (type == config.model_endpoint_type && model == config.model) return {};
  // No path in the answer, the operator's included.
  return invalid_argument(fmt::format(
      "'llm_config.model' of provider '{}' is chosen by the server operator: use '{}' or a model GET /v1/models "
      "lists",
      type, provider->default_model));
}

}  // namespace

std::string official_endpoint(const std::string& endpoint_type, const Credentials& creds) {
  const Provider* provider = find_provider(endpoint_type);
  // A key of its own means an API of its own; local servers borrow the [openai] key.
  if (!provider || provider->credential_section != provider->type) return "";
  if (provider->default_endpoint.empty()) return creds.get(std::string(provider->credential_section), "endpoint");
  return std::string(provider->default_endpoint);
}

std::string normalized_endpoint(const std::string& url) {
  std::string out = url;
  while (!out.empty() && out.back() == '/') out.pop_back();
  // Scheme and host are case-insensitive; the path is not.
  size_t scheme_end = out.find("://");
  size_t host_end = scheme_end == std::string::npos ? 0 : out.find('/', scheme_end + 3);
  if (host_end == std::string::npos) host_end = out.size();
  std::transform(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(host_end), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_operator_endpoint(const MemgptConfig& config, const Credentials& creds, const std::string& endpoint_type,
                          const std::string& endpoint) {
  std::string want = normalized_endpoint(endpoint);
  if (want.empty()) return false;
  if (endpoint_type == config.model_endpoint_type && want == normalized_endpoint(config.model_endpoint)) return true;
  std::string official = official_endpoint(endpoint_type, creds);
  return !official.empty() && want == normalized_endpoint(official);
}

Result<std::string> operator_endpoint(const MemgptConfig& config, const Credentials& creds,
                                      const std::string& endpoint_type) {
  if (endpoint_type == config.model_endpoint_type && !config.model_endpoint.empty()) return config.model_endpoint;
  // A model run in process has no endpoint.
  if (const Provider* p = find_provider(endpoint_type); p && p->api == ProviderApi::kInProcess) return std::string();
  std::string official = official_endpoint(endpoint_type, creds);
  if (!official.empty()) return official;
  return not_found(fmt::format("provider '{}' is not served here; configured: {}", endpoint_type,
                               config.model_endpoint_type));
}

Result<store::AgentLlmConfig> checked_llm_config(const MemgptConfig& config, const Credentials& creds,
                                                 const Json& requested, EndpointChoice choice,
                                                 const std::string& current_endpoint) {
  if (!requested.is_object()) return invalid_argument("'llm_config' must be an object");
  MEMGPT_ASSIGN_OR_RETURN(std::string model, string_field(requested, "model", ""));
  if (model.empty()) return invalid_argument("'llm_config.model' is required");
  MEMGPT_ASSIGN_OR_RETURN(std::string type, string_field(requested, "model_endpoint_type", config.model_endpoint_type));
  MEMGPT_ASSIGN_OR_RETURN(std::string endpoint, string_field(requested, "model_endpoint", ""));
  MEMGPT_ASSIGN_OR_RETURN(std::string wrapper, string_field(requested, "model_wrapper",
                                                            type == config.model_endpoint_type ? config.model_wrapper : ""));
  int window = config.context_window;
  if (requested.contains("context_window") && !requested["context_window"].is_null()) {
    if (!requested["context_window"].is_number_integer()) {
      return invalid_argument("'llm_config.context_window' must be an integer");
    }
    int64_t asked = requested["context_window"].get<int64_t>();
    if (asked <= 0) return invalid_argument("'llm_config.context_window' must be positive");
    if (asked > std::numeric_limits<int>::max()) return invalid_argument("'llm_config.context_window' is too large");
    window = static_cast<int>(asked);
  }
  if (choice == EndpointChoice::kOperatorOnly) MEMGPT_RETURN_IF_ERROR(check_in_process_model(config, type, model));
  if (endpoint.empty()) {
    auto fallback = operator_endpoint(config, creds, type);
    if (!fallback.ok()) {
      return invalid_argument(choice == EndpointChoice::kOperatorOnly
                                  ? fallback.status().message()
                                  : fmt::format("'llm_config.model_endpoint' is required for provider '{}'", type));
    }
    endpoint = *fallback;
  } else if (choice == EndpointChoice::kOperatorOnly) {
    bool kept = !current_endpoint.empty() && normalized_endpoint(endpoint) == normalized_endpoint(current_endpoint);
    if (!kept && !is_operator_endpoint(config, creds, type, endpoint)) {
      return invalid_argument(
          "'llm_config.model_endpoint' is chosen by the server operator: leave it out, or pick a provider with "
          "'model_endpoint_type' or a model handle such as 'openai/gpt-4o-mini' (GET /v1/models)");
    }
  }
  return store::AgentLlmConfig{model, type, endpoint, wrapper, window};
}

Result<store::AgentLlmConfig> llm_config_for_handle(const MemgptConfig& config, const Credentials& creds,
                                                    const std::string& handle) {
  std::string type = config.model_endpoint_type, model = config.model;
  if (!handle.empty()) {
    auto slash = handle.find('/');
    if (slash == std::string::npos) {
      model = handle;
    } else {
      type = handle.substr(0, slash);
      model = handle.substr(slash + 1);
    }
  }
  if (model.empty()) return invalid_argument("no model given and none configured ('model': 'openai/gpt-4o-mini')");
  MEMGPT_RETURN_IF_ERROR(check_in_process_model(config, type, model));
  auto endpoint = operator_endpoint(config, creds, type);
  if (!endpoint.ok()) return invalid_argument(endpoint.status().message());
  int window = config.context_window;
  if (model != config.model && llm::known_context_window(model) > 0) window = llm::known_context_window(model);
  return store::AgentLlmConfig{model, type, *endpoint, type == config.model_endpoint_type ? config.model_wrapper : "",
                               window};
}

}  // namespace memgpt::runtime
