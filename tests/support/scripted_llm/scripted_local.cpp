// The local backends' native completion APIs for ScriptedLlmServer. Each route checks the
// fields its real server needs, answers like it (body shape, error shape), and plays the
// scenario's replies as a prompt-wrapped model would write them:
//   {"function": tool, "params": {"inner_thoughts": content, ...arguments}}
// continuing the answer prefix when the prompt ends with one. Reply fields as for the OpenAI
// route, plus "raw_text" (returned exactly) and "truncated" (llama.cpp's prompt-truncation flag).
// Scenario fields: "system", text every prompt must contain; "ollama_json_format_only", answer
// a schema in Ollama's `format` as Ollama before 0.5 did (HTTP 400).
// Routes: POST /api/generate (Ollama), /completion (llama.cpp), /api/v1/generate (koboldcpp),
// /v1/completions (text-generation-webui, LM Studio).
#include <httplib.h>

#include "scripted_llm.h"

namespace memgpt::testing {
namespace {

enum class Api { kOllama, kLlamaCpp, kKobold, kCompletions };

bool is_int(const Json& body, const char* key) {
  return body.contains(key) && body[key].is_number_integer();
}

bool has_grammar(const Json& body, const char* key) {
  return body.contains(key) && body[key].is_string() &&
         body[key].get<std::string>().find("root ::=") != std::string::npos;
}

// What the real server would reject, or what the backend should have sent and did not.
std::string validate(Api api, const Json& body, const Json& scenario) {
  if (!body.is_object()) return "the body is not a JSON object";
  if (!body.contains("prompt") || !body["prompt"].is_string() ||
      body["prompt"].get<std::string>().empty()) {
    return "'prompt' must be a non-empty string";
  }
  const std::string prompt = body["prompt"];
  std::string system = scenario.value("system", "");
  if (!system.empty() && prompt.find(system) == std::string::npos)
    return "the prompt lacks the system text";
  bool wants_call = prompt.find("Available functions:") != std::string::npos;
  switch (api) {
    case Api::kOllama:
      if (!body.contains("model") || !body["model"].is_string() ||
          body["model"].get<std::string>().empty()) {
        return "'model' is required";
      }
      if (body.value("raw", false) != true) return "'raw' must be true for a pre-templated prompt";
      if (body.value("stream", true) != false) return "'stream' must be false";
      if (!body.contains("options") || !body["options"].is_object() ||
          !is_int(body["options"], "num_ctx") || body["options"]["num_ctx"].get<int>() <= 0) {
        return "'options.num_ctx' must be a positive integer";
      }
      // A schema, or "json" after an old Ollama (scenario "ollama_json_format_only") refused one.
      if (wants_call &&
          !(body.contains("format") &&
            ((body["format"].is_object() && body["format"].contains("anyOf")) ||
             (scenario.value("ollama_json_format_only", false) && body["format"] == "json")))) {
        return "'format' must be a JSON schema with anyOf for a function call";
      }
      break;
    case Api::kLlamaCpp:
      if (!is_int(body, "n_predict")) return "'n_predict' must be an integer";
      if (body.value("cache_prompt", false) != true) return "'cache_prompt' should be true";
      if (wants_call && !has_grammar(body, "grammar") &&
          !(body.contains("json_schema") && body["json_schema"].is_object())) {
        return "'grammar' or 'json_schema' is required for a function call";
      }
      break;
    case Api::kKobold:
      if (!is_int(body, "max_length") || !is_int(body, "max_context_length")) {
        return "'max_length' and 'max_context_length' must be integers";
      }
      if (wants_call && !has_grammar(body, "grammar"))
        return "'grammar' is required for a function call";
      break;
    case Api::kCompletions:
      if (!is_int(body, "max_tokens")) return "'max_tokens' must be an integer";
      if (body.contains("grammar_string") && !has_grammar(body, "grammar_string")) {
        return "'grammar_string' is not a GBNF grammar";
      }
      // Without a grammar the prompt must start the JSON answer itself.
      if (wants_call && !body.contains("grammar_string")) {
        size_t at = prompt.rfind("\"function\":");
        if (at == std::string::npos || prompt.find('\n', at) != std::string::npos) {
          return "an unconstrained prompt must end with the answer prefix";
        }
      }
      break;
  }
  return "";
}

// The model's text for a reply, minus what the prompt already wrote of it.
std::string completion_text(const Json& reply, const std::string& prompt) {
  if (reply.contains("raw_text")) return reply["raw_text"].get<std::string>();
  std::string content = reply.value("content", "");
  std::string tool = reply.value("tool", "");
  if (tool.empty()) return content;
  std::string text;
  OrderedJson args = OrderedJson::object();
  if (reply.contains("arguments")) {
    args = reply["arguments"].is_string()
               ? parse_ordered_json_or_discarded(reply["arguments"].get<std::string>())
               : parse_ordered_json_or_discarded(reply["arguments"].dump());
  }
  if (args.is_object()) {
    OrderedJson params = {{"inner_thoughts", content}};
    for (auto& [k, v] : args.items()) params[k] = v;
    text = OrderedJson({{"function", tool}, {"params", params}}).dump(2);
  } else {
    text = "{\n  \"function\": " + Json(tool).dump() +
           ",\n  \"params\": " + reply["arguments"].get<std::string>() + "\n}";
  }
  for (size_t k = std::min(prompt.size(), text.size()); k > 0; --k) {
    if (prompt.compare(prompt.size() - k, k, text, 0, k) == 0) return text.substr(k);
  }
  return text;
}

std::string error_text(const Json& error) {
  if (error.is_string()) return error.get<std::string>();
  if (error.is_object() && !error.empty()) return error.value("message", error.dump());
  return "scripted error";
}

Json error_body(Api api, int status, const std::string& message) {
  switch (api) {
    case Api::kOllama:
      return {{"error", message}};
    case Api::kLlamaCpp:
      return {{"error", {{"code", status}, {"message", message}, {"type", "server_error"}}}};
    case Api::kKobold:
      return {{"detail", {{"msg", message}, {"type", "service_unavailable"}}}};
    case Api::kCompletions:
      return {{"error", {{"message", message}, {"type", "server_error"}}}};
  }
  return Json();
}

Json success_body(Api api, const Json& reply, const std::string& text, const std::string& model) {
  std::string finish = reply.value("finish_reason", "stop");
  switch (api) {
    case Api::kOllama:
      return {{"model", model},        {"created_at", "2024-06-01T00:00:00Z"},
              {"response", text},      {"done", true},
              {"done_reason", finish}, {"prompt_eval_count", 100},
              {"eval_count", 20}};
    case Api::kLlamaCpp:
      return {{"content", text},
              {"stop", true},
              {"stopped_limit", finish == "length"},
              {"tokens_evaluated", 100},
              {"tokens_predicted", 20},
              {"truncated", reply.value("truncated", false)}};
    case Api::kKobold:
      return {{"results", {{{"text", text}, {"finish_reason", finish}}}}};
    case Api::kCompletions:
      return {
          {"id", "cmpl-scripted"},
          {"object", "text_completion"},
          {"model", model},
          {"choices", {{{"index", 0}, {"text", text}, {"finish_reason", finish}}}},
          {"usage", {{"prompt_tokens", 100}, {"completion_tokens", 20}, {"total_tokens", 120}}}};
  }
  return Json();
}

}  // namespace

void ScriptedLlmServer::add_local_routes() {
  const std::pair<const char*, Api> routes[] = {{"/api/generate", Api::kOllama},
                                                {"/completion", Api::kLlamaCpp},
                                                {"/api/v1/generate", Api::kKobold},
                                                {"/v1/completions", Api::kCompletions}};
  for (const auto& [path, api] : routes) {
    server_->Post(path, [this, api = api](const httplib::Request& req, httplib::Response& res) {
      std::string model = scenario_.value("model", "local-model");
      Json body = parse_json_or_discarded(req.body);
      record_request(body);
      auto reply_json = [&](int status, const Json& j) {
        res.status = status;
        res.set_content(j.dump(), "application/json");
      };
      std::string problem = validate(api, body, scenario_);
      if (!problem.empty()) {
        record_violation(problem);
        return reply_json(400, error_body(api, 400, problem));
      }
      // Ollama before 0.5 reads `format` into a string field.
      if (api == Api::kOllama && scenario_.value("ollama_json_format_only", false) &&
          body.contains("format") && body["format"].is_object()) {
        return reply_json(400, error_body(api, 400,
                                          "json: cannot unmarshal object into Go struct field "
                                          "GenerateRequest.format of type string"));
      }
      // Ollama serves many models and knows them by name.
      if (api == Api::kOllama && body["model"] != model) {
        return reply_json(404, error_body(api, 404,
                                          "model \"" + body["model"].get<std::string>() +
                                              "\" not found, try pulling it first"));
      }
      auto reply = take_reply(res, [&](int status, const Json& error) {
        reply_json(status, error_body(api, status, error_text(error)));
      });
      if (!reply) return;
      reply_json(200, success_body(api, *reply,
                                   completion_text(*reply, body["prompt"].get<std::string>()),
                                   model));
    });
  }
}

}  // namespace memgpt::testing
