#include "llm/prompt_wrapper.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <random>

#include "llm/function_grammar.h"
#include "llm/json_repair.h"

namespace memgpt::llm {
namespace {

// How one chat template lays out the turns. Each `*_open`/`*_close` pair surrounds the text of
// a turn; `generation` starts the assistant's answer.
struct Template {
  std::string name;
  std::string begin;
  std::string system_open, system_close;
  std::string later_system_open, later_system_close;  // system messages after the first
  std::string user_open, user_close;
  std::string assistant_open, assistant_close;
  std::string tool_open, tool_close;  // function results (none of these models has a tool role)
  std::string generation;
  std::vector<std::string> stop;
};

// As in MemGPT's wrappers: function results go back as a turn prefixed "FUNCTION RETURN:".
const std::vector<Template>& templates() {
  static const std::vector<Template> kTemplates = {
      {.name = "chatml",
       .system_open = "<|im_start|>system\n",
       .system_close = "<|im_end|>",
       .later_system_open = "\n<|im_start|>system\n",
       .later_system_close = "<|im_end|>",
       .user_open = "\n<|im_start|>user\n",
       .user_close = "<|im_end|>",
       .assistant_open = "\n<|im_start|>assistant\n",
       .assistant_close = "<|im_end|>",
       .tool_open = "\n<|im_start|>assistant\nFUNCTION RETURN:\n",
       .tool_close = "<|im_end|>",
       .generation = "\n<|im_start|>assistant\n",
       .stop = {"<|im_end|>", "<|im_start|>", "FUNCTION RETURN"}},
      {.name = "llama3",
       .begin = "<|begin_of_text|>",
       .system_open = "<|start_header_id|>system<|end_header_id|>\n\n",
       .system_close = "<|eot_id|>",
       .later_system_open = "<|start_header_id|>system<|end_header_id|>\n\n",
       .later_system_close = "<|eot_id|>",
       .user_open = "<|start_header_id|>user<|end_header_id|>\n\n",
       .user_close = "<|eot_id|>",
       .assistant_open = "<|start_header_id|>assistant<|end_header_id|>\n\n",
       .assistant_close = "<|eot_id|>",
       .tool_open = "<|start_header_id|>assistant<|end_header_id|>\n\nFUNCTION RETURN:\n",
       .tool_close = "<|eot_id|>",
       .generation = "<|start_header_id|>assistant<|end_header_id|>\n\n",
       .stop = {"<|eot_id|>", "<|end_of_text|>", "<|start_header_id|>", "FUNCTION RETURN"}},
      // Plain "USER:/ASSISTANT:" turns; the system text opens the prompt unmarked.
      {.name = "airoboros-l2-70b-2.1",
       .later_system_open = "\nUSER: ",
       .user_open = "\nUSER: ",
       .assistant_open = "\nASSISTANT: ",
       .tool_open = "\nFUNCTION RETURN: ",
       .generation = "\nASSISTANT:",
       .stop = {"\nUSER:", "\nASSISTANT:", "\nFUNCTION RETURN:", "</s>"}},
      {.name = "zephyr-7B",
       .system_open = "<|system|>\n",
       .system_close = "</s>",
       .later_system_open = "\n<|system|>\n",
       .later_system_close = "</s>",
       .user_open = "\n<|user|>\n",
       .user_close = "</s>",
       .assistant_open = "\n<|assistant|>\n",
       .assistant_close = "</s>",
       .tool_open = "\n<|assistant|>\nFUNCTION RETURN:\n",
       .tool_close = "</s>",
       .generation = "\n<|assistant|>\n",
       .stop = {"</s>", "<|user|>", "<|system|>", "<|assistant|>", "FUNCTION RETURN"}},
      // ChatML with function results in the user turn.
      {.name = "dolphin-2.1-mistral-7b",
       .system_open = "<|im_start|>system\n",
       .system_close = "<|im_end|>\n",
       .later_system_open = "<|im_start|>system\n",
       .later_system_close = "<|im_end|>\n",
       .user_open = "<|im_start|>user\n",
       .user_close = "<|im_end|>\n",
       .assistant_open = "<|im_start|>assistant\n",
       .assistant_close = "<|im_end|>\n",
       .tool_open = "<|im_start|>user\nFUNCTION RETURN: ",
       .tool_close = "<|im_end|>\n",
       .generation = "<|im_start|>assistant\n",
       .stop = {"<|im_end|>", "<|im_start|>", "FUNCTION RETURN"}},
  };
  return kTemplates;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r\n");
  if (a == std::string::npos) return "";
  size_t b = s.find_last_not_of(" \t\r\n");
  return s.substr(a, b - a + 1);
}

std::string new_call_id() {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  std::lock_guard lock(mu);
  return fmt::format("call_{:016x}", rng());
}

// JSON content (user events, function results) indented like MemGPT did; other text as is.
std::string pretty(const std::string& text) {
  OrderedJson j = parse_ordered_json_or_discarded(text);
  if (j.is_discarded() || !(j.is_object() || j.is_array())) return trim(text);
  return j.dump(2, ' ', false, OrderedJson::error_handler_t::replace);
}

// The answer prefix: `{\n  "function":` and, when the function is forced, its name.
std::string answer_prefix(const std::string& forced_function) {
  std::string p = "{\n  \"function\":";
  if (!forced_function.empty()) p += " " + Json(forced_function).dump() + ",";
  return p;
}

// An earlier function call, written the way the model is asked to answer.
std::string render_call(const ToolCall& call, const std::string& thoughts) {
  OrderedJson args = parse_ordered_json_or_discarded(call.arguments);
  // Unparseable calls carry the model's whole answer: show it as written, so the model sees
  // its own mistake next to the Failed result.
  if (!args.is_object()) return trim(call.arguments);
  OrderedJson params = OrderedJson::object();
  params["inner_thoughts"] = thoughts;
  for (auto& [k, v] : args.items()) {
    if (k != "inner_thoughts") params[k] = v;
  }
  OrderedJson out = {{"function", call.name}, {"params", params}};
  return out.dump(2, ' ', false, OrderedJson::error_handler_t::replace);
}

std::string function_block(const Json& tools) {
  std::string out =
      "Please select the most suitable function and parameters from the list of available "
      "functions below, based on the ongoing conversation. Provide your response in JSON format: "
      "{\"function\": \"<function name>\", \"params\": {\"inner_thoughts\": \"<your inner "
      "monologue>\", <the function's parameters>}}.\nAvailable functions:";
  for (const auto& tool : tools) {
    const Json fn = tool.value("function", Json::object());
    out += fmt::format("\n{}:\n  description: {}\n  params:", fn.value("name", ""),
                       fn.value("description", ""));
    for (const auto& p : function_params(fn)) {
      std::string description = p.schema.is_object() ? p.schema.value("description", "") : "";
      std::string type =
          p.schema.is_object() && p.schema.contains("type") && p.schema["type"].is_string()
              ? p.schema["type"].get<std::string>()
              : "any";
      out += fmt::format("\n    {} ({}{}): {}", p.name, type, p.required ? "" : ", optional",
                         description);
    }
  }
  return out;
}

// The tools `request` offers after tool_choice narrowing; `forced` is the one named function.
Json offered_tools(const ChatRequest& request, std::string& forced) {
  Json tools = Json::array();
  if (request.tool_choice == "none") return tools;
  bool named = request.tool_choice != "auto" && request.tool_choice != "required";
  for (const auto& tool : request.tools) {
    if (named && tool.value("/function/name"_json_pointer, "") != request.tool_choice) continue;
    tools.push_back(tool);
  }
  if (named && !tools.empty()) forced = request.tool_choice;
  if (named && tools.empty()) tools = request.tools;  // an unknown name: offer them all
  return tools;
}

class TemplateWrapper final : public PromptWrapper {
 public:
  explicit TemplateWrapper(Template t) : t_(std::move(t)) {}
  std::string name() const override { return t_.name; }

  WrappedPrompt render(const ChatRequest& request, bool prefill) const override {
    WrappedPrompt out;
    out.stop = t_.stop;
    std::string forced;
    out.tools = offered_tools(request, forced);
    out.expects_function_call = !out.tools.empty();
    std::string& p = out.prompt;
    p = t_.begin;
    size_t first = 0;
    std::string system;
    if (!request.messages.empty() && request.messages[0].role == "system") {
      system = trim(request.messages[0].content);
      first = 1;
    }
    if (out.expects_function_call)
      system += (system.empty() ? "" : "\n") + function_block(out.tools);
    if (!system.empty()) p += t_.system_open + system + t_.system_close;
    for (size_t i = first; i < request.messages.size(); ++i) {
      const ChatMessage& m = request.messages[i];
      if (m.role == "system") {
        p += t_.later_system_open + trim(m.content) + t_.later_system_close;
      } else if (m.role == "user") {
        p += t_.user_open + pretty(m.content) + t_.user_close;
      } else if (m.role == "tool") {
        p += t_.tool_open + pretty(m.content) + t_.tool_close;
      } else if (m.role == "assistant") {
        std::string text;
        for (const auto& call : m.tool_calls)
          text += (text.empty() ? "" : "\n") + render_call(call, m.content);
        if (m.tool_calls.empty()) text = trim(m.content);
        p += t_.assistant_open + text + t_.assistant_close;
      }
    }
    p += t_.generation;
    if (out.expects_function_call && prefill) {
      out.prefill = answer_prefix(forced);
      // Templates whose generation marker ends without a newline get one before the JSON.
      if (!p.empty() && p.back() != '\n') p += "\n";
      p += out.prefill;
    }
    return out;
  }

  ChatMessage parse(const std::string& completion, const WrappedPrompt& prompt) const override {
    std::string text = completion;
    // Servers that do not strip the stop sequence leave the end-of-turn marker in the text.
    for (bool cut = true; cut;) {
      cut = false;
      std::string t = trim(text);
      for (const auto& s : t_.stop) {
        std::string marker = trim(s);
        if (!marker.empty() && t.size() >= marker.size() &&
            t.compare(t.size() - marker.size(), marker.size(), marker) == 0) {
          text = t.substr(0, t.size() - marker.size());
          cut = true;
          break;
        }
      }
    }
    if (!prompt.expects_function_call) {
      ChatMessage m;
      m.role = "assistant";
      m.content = trim(text);
      return m;
    }
    return parse_function_call_output(text, prompt.prefill);
  }

 private:
  Template t_;
};

// The function name a broken completion meant, when it can be read at all.
std::string guess_function_name(const std::string& text) {
  size_t key = text.find("\"function\"");
  if (key == std::string::npos) return "";
  size_t colon = text.find(':', key);
  if (colon == std::string::npos) return "";
  size_t open = text.find('"', colon);
  if (open == std::string::npos) return "";
  size_t close = text.find('"', open + 1);
  if (close == std::string::npos) return "";
  std::string name = text.substr(open + 1, close - open - 1);
  bool word = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
  return word ? name : "";
}

// {"function": name, "params": {...}} and the shapes models drift into: the call nested under
// "function", "name"/"arguments" keys, arguments as a JSON string, or arguments at top level.
bool read_call(const Json& object, std::string& name, Json& params) {
  Json j = object;
  if (j.contains("function") && j["function"].is_object()) j = j["function"];
  for (const char* key : {"function", "name"}) {
    if (j.contains(key) && j[key].is_string()) {
      name = j[key].get<std::string>();
      break;
    }
  }
  if (name.empty()) return false;
  for (const char* key : {"params", "arguments", "parameters"}) {
    if (!j.contains(key)) continue;
    if (j[key].is_object()) {
      params = j[key];
    } else if (j[key].is_string()) {
      auto inner = parse_json_leniently(j[key].get<std::string>());
      if (!inner) return false;
      params = *inner;
    } else {
      return false;
    }
    break;
  }
  if (params.is_null()) {
    params = Json::object();
    for (const auto& [k, v] : j.items()) {
      if (k != "function" && k != "name") params[k] = v;
    }
  }
  // Inner thoughts written beside the call instead of inside it.
  if (!params.contains("inner_thoughts") && object.contains("inner_thoughts")) {
    params["inner_thoughts"] = object["inner_thoughts"];
  }
  return true;
}

}  // namespace

ProtocolTurns protocol_turns(const ChatRequest& request) {
  ProtocolTurns out;
  std::string forced;
  out.tools = offered_tools(request, forced);
  out.expects_function_call = !out.tools.empty();
  size_t first = 0;
  std::string system;
  if (!request.messages.empty() && request.messages[0].role == "system") {
    system = trim(request.messages[0].content);
    first = 1;
  }
  // A named function narrows what the model may call (the grammar), not the list it reads: the
  // system turn stays the same from step to step, so an in-process model keeps it cached.
  if (out.expects_function_call) {
    system += (system.empty() ? "" : "\n") + function_block(forced.empty() ? out.tools : request.tools);
  }
  if (!system.empty()) out.turns.push_back({"system", system});
  for (size_t i = first; i < request.messages.size(); ++i) {
    const ChatMessage& m = request.messages[i];
    if (m.role == "system") {
      // Many chat templates know one leading system turn only.
      out.turns.push_back({"user", trim(m.content)});
    } else if (m.role == "user") {
      out.turns.push_back({"user", pretty(m.content)});
    } else if (m.role == "tool") {
      out.turns.push_back({"user", "FUNCTION RETURN:\n" + pretty(m.content)});
    } else if (m.role == "assistant") {
      std::string text;
      for (const auto& call : m.tool_calls) text += (text.empty() ? "" : "\n") + render_call(call, m.content);
      if (m.tool_calls.empty()) text = trim(m.content);
      out.turns.push_back({"assistant", text});
    }
  }
  return out;
}

ChatMessage parse_function_call_output(const std::string& completion, const std::string& prefill) {
  ChatMessage m;
  m.role = "assistant";
  std::string body = trim(completion);
  // A prefilled prompt means the model continued the JSON: put its beginning back.
  std::vector<std::string> candidates;
  if (!prefill.empty() && body.rfind(trim(prefill), 0) != 0)
    candidates.push_back(prefill + completion);
  candidates.push_back(body);
  std::string name;
  Json params;
  for (const auto& candidate : candidates) {
    name.clear();
    params = Json();
    auto object = parse_json_leniently(candidate);
    if (object && read_call(*object, name, params)) break;
    name.clear();
  }
  ToolCall call;
  call.id = new_call_id();
  if (name.empty()) {
    // Not a function call: hand the raw text on as arguments; the agent answers the model with
    // a Failed result quoting it, and the model gets another try.
    std::string raw = candidates.front();
    call.name = guess_function_name(raw);
    if (call.name.empty()) call.name = kUnknownFunctionName;
    call.arguments = raw;
    m.tool_calls.push_back(std::move(call));
    return m;
  }
  if (params.contains("inner_thoughts")) {
    const Json& t = params["inner_thoughts"];
    m.content = t.is_string() ? t.get<std::string>() : (t.is_null() ? "" : t.dump());
    params.erase("inner_thoughts");
  }
  call.name = name;
  call.arguments = params.dump(-1, ' ', false, Json::error_handler_t::replace);
  m.tool_calls.push_back(std::move(call));
  return m;
}

std::vector<std::string> known_prompt_wrappers() {
  std::vector<std::string> names;
  for (const auto& t : templates()) {
    names.push_back(t.name);
    names.push_back(t.name + "-grammar");
  }
  return names;
}

Result<std::unique_ptr<PromptWrapper>> make_prompt_wrapper(const std::string& requested) {
  std::string name = lower(trim(requested));
  if (name.empty()) name = "chatml";
  // The "-grammar" variants of MemGPT differ only in dropping the answer prefix, which the
  // backends here decide by whether they constrain the output.
  const std::string kGrammar = "-grammar";
  if (name.size() > kGrammar.size() &&
      name.compare(name.size() - kGrammar.size(), kGrammar.size(), kGrammar) == 0) {
    name.resize(name.size() - kGrammar.size());
  }
  static const std::pair<const char*, const char*> kAliases[] = {
      {"airoboros", "airoboros-l2-70b-2.1"},
      {"zephyr", "zephyr-7b"},
      {"dolphin", "dolphin-2.1-mistral-7b"},
      {"llama-3", "llama3"}};
  for (const auto& [alias, target] : kAliases) {
    if (name == alias) name = target;
  }
  for (const auto& t : templates()) {
    if (lower(t.name) == name)
      return std::unique_ptr<PromptWrapper>(std::make_unique<TemplateWrapper>(t));
  }
  std::string known;
  for (const auto& t : templates()) known += (known.empty() ? "" : ", ") + t.name;
  return invalid_argument(fmt::format(
      "unknown model wrapper '{}': use one of {} (optionally with -grammar); set [model] "
      "model_wrapper or --model-wrapper",
      requested, known));
}

}  // namespace memgpt::llm
