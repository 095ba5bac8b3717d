// Where an agent's model may be, and where the operator's keys may go.
//
// The keys in the credentials file belong to the endpoints the operator chose for them: the
// [model] model_endpoint of the configuration, and the official API of the provider a key is
// for (api.openai.com for the OpenAI key, ...). A server attaches them to no other endpoint,
// whoever asks; a user of the server picks among these endpoints by provider, never by URL.
// The CLI's user is the operator and may point an agent anywhere (keys go along, as before).
#pragma once

#include <string>

#include "config/config.h"
#include "store/agent_record.h"
#include "util/json.h"
#include "util/status.h"

namespace memgpt::runtime {

// The official API base URL of a provider with a key of its own (providers.h: its default
// endpoint; azure: the endpoint in the credentials); "" for local backends, providers that
// borrow another's key and unknown types.
std::string official_endpoint(const std::string& endpoint_type, const Credentials& creds);

// `url` without trailing slashes, scheme and host lower-cased (for comparing endpoints).
std::string normalized_endpoint(const std::string& url);

// True when `endpoint` is one the operator configured for `endpoint_type`: the configured
// model_endpoint when `endpoint_type` is the configured type, or the provider's official API.
bool is_operator_endpoint(const MemgptConfig& config, const Credentials& creds, const std::string& endpoint_type,
                          const std::string& endpoint);

// The endpoint a server user gets for a provider: the configured one for the configured type,
// else the provider's official API; kNotFound when the server has neither.
Result<std::string> operator_endpoint(const MemgptConfig& config, const Credentials& creds,
                                      const std::string& endpoint_type);

// Who chooses an agent's endpoint.
enum class EndpointChoice {
  kOperatorOnly,  // server users: the configured endpoints only; keys never go elsewhere
  kAny,           // the operator (CLI; the server password holder): any URL, keys go along
                  // only where the operator configured them
};

// An llm_config the caller asked for, checked against `choice`: `requested` may name
// model_endpoint_type, model_endpoint, model, model_wrapper, context_window (missing ones come
// from the configuration). `current_endpoint` is the agent's endpoint now: keeping it is not a
// choice (its keys are still only the operator's to give). kInvalidArgument names the field.
Result<store::AgentLlmConfig> checked_llm_config(const MemgptConfig& config, const Credentials& creds,
                                                 const Json& requested, EndpointChoice choice,
                                                 const std::string& current_endpoint = "");

// A "provider/model" handle (Letta's `model` field; a bare model name means the configured
// provider) as an llm_config on an operator endpoint. kInvalidArgument when the provider is not
// served here.
Result<store::AgentLlmConfig> llm_config_for_handle(const MemgptConfig& config, const Credentials& creds,
                                                    const std::string& handle);

}  // namespace memgpt::runtime
