#include "agent/functions.h"

#include "agent/external_functions.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ctime>

#include "agent/protocol.h"

namespace memgpt::agent {
namespace {

struct Param {
  const char* name;
  const char* type;  // JSON schema type
  const char* description;
  bool required = true;
};

struct FunctionSpec {
  const char* name;
  const char* description;
  std::vector<Param> params;
};

const std::vector<FunctionSpec>& specs() {
  static const std::vector<FunctionSpec> kSpecs = {
      {"send_message",
       "Sends a message to the user. This is the only way the user sees anything you say.",
       {{"message", "string", "The message text. All unicode, including emojis, is supported."}}},
      {"pause_heartbeats",
       "Stops timed heartbeats for a while; events such as user messages still wake you.",
       {{"minutes", "integer", "How many minutes to pause for (at most 360)."}}},
      {"core_memory_append",
       "Adds text to the end of a core memory block (it always stays in your context).",
       {{"name", "string", "The block to edit: 'persona' or 'human' (or another block label)."},
        {"content", "string", "The text to add. Unicode, including emojis, is supported."}}},
      {"core_memory_replace",
       "Replaces text in a core memory block. old_content must match exactly; every occurrence "
       "is replaced. To delete text, pass an empty new_content.",
       {{"name", "string", "The block to edit: 'persona' or 'human' (or another block label)."},
        {"old_content", "string", "The exact text to replace."},
        {"new_content", "string", "The text to put in its place (empty to delete)."}}},
      {"conversation_search",
       "Searches earlier messages of the conversation (recall memory) for a text, ignoring "
       "case. Results come in pages of 5.",
       {{"query", "string", "The text to look for."},
        {"page", "integer", "Which page of results to return (0 is the first).", false}}},
      {"conversation_search_date",
       "Searches earlier messages of the conversation (recall memory) by date. Results come in "
       "pages of 5.",
       {{"start_date", "string", "First day, as 'YYYY-MM-DD'."},
        {"end_date", "string", "Last day (inclusive), as 'YYYY-MM-DD'."},
        {"page", "integer", "Which page of results to return (0 is the first).", false}}},
      {"archival_memory_insert",
       "Stores text in archival memory, your unlimited long-term store. Write it so that you "
       "can find it again later with a search.",
       {{"content", "string", "The text to store. Unicode, including emojis, is supported."}}},
      {"archival_memory_search",
       "Searches archival memory by meaning (semantic search) and keywords. Results come in "
       "pages of 5, best first.",
       {{"query", "string", "What to look for."},
        {"page", "integer", "Which page of results to return (0 is the first).", false}}},
  };
  return kSpecs;
}

const FunctionSpec* find_spec(const std::string& name) {
  for (const auto& s : specs()) {
    if (name == s.name) return &s;
  }
  return nullptr;
}

FunctionResult failed(std::string message) { return {false, std::move(message)}; }
FunctionResult ok_null() { return {true, std::nullopt}; }

// Checks argument names and types against the spec; integers given as numeric strings or
// whole floats are accepted (local models produce them).
std::optional<std::string> validate(const FunctionSpec& spec, const Json& args, Json& normalised) {
  if (!args.is_object()) return std::string("the arguments must be a JSON object");
  normalised = Json::object();
  for (const auto& [key, value] : args.items()) {
    const Param* param = nullptr;
    for (const auto& p : spec.params) {
      if (key == p.name) param = &p;
    }
    if (!param) {
      std::string allowed;
      for (const auto& p : spec.params) allowed += (allowed.empty() ? "" : ", ") + std::string(p.name);
      return fmt::format("{}() got an unexpected argument '{}' (it takes: {})", spec.name, key,
                         allowed);
    }
    if (std::string(param->type) == "string") {
      if (!value.is_string()) {
        return fmt::format("argument '{}' of {}() must be a string", key, spec.name);
      }
      normalised[key] = value;
    } else {  // integer
      if (value.is_number_integer()) {
        normalised[key] = value.get<int64_t>();
      } else if (value.is_number_float() && std::floor(value.get<double>()) == value.get<double>() &&
                 std::fabs(value.get<double>()) < 1e15) {  // a whole number int64 holds (a model once wrote 155 digits)
        normalised[key] = static_cast<int64_t>(value.get<double>());
      } else if (value.is_string() && !value.get<std::string>().empty() &&
                 value.get<std::string>().find_first_not_of("0123456789") == std::string::npos &&
                 value.get<std::string>().size() < 10) {
        normalised[key] = std::stoll(value.get<std::string>());
      } else if (value.is_null() && !param->required) {
        continue;
      } else {
        return fmt::format("argument '{}' of {}() must be an integer", key, spec.name);
      }
    }
  }
  for (const auto& p : spec.params) {
    if (p.required && !normalised.contains(p.name)) {
      return fmt::format("{}() is missing the required argument '{}'", spec.name, p.name);
    }
  }
  return std::nullopt;
}

int64_t page_of(const Json& args) { return args.value("page", int64_t{0}); }

// Local midnight of "YYYY-MM-DD" in epoch ms.
std::optional<int64_t> parse_day(const std::string& s) {
  std::tm tm{};
  const char* end = ::strptime(s.c_str(), "%Y-%m-%d", &tm);
  if (!end || *end != '\0') return std::nullopt;
  tm.tm_isdst = -1;
  std::time_t t = std::mktime(&tm);
  if (t == -1) return std::nullopt;
  return static_cast<int64_t>(t) * 1000;
}

std::string recall_item(const store::MessageRecord& m) {
  std::string text = m.search_text.empty() ? m.text : m.search_text;
  return fmt::format("timestamp: {}, {} - {}", format_memgpt_time(m.created_at), m.role, text);
}

FunctionResult search_recall_text(FunctionContext& ctx, const Json& args) {
  if (!ctx.recall) return failed("recall memory is not available");
  int64_t page = page_of(args);
  if (page < 0) return failed("page must be 0 or more");
  auto res = ctx.recall->search_text(ctx.agent_id, args["query"].get<std::string>(),
                                     page * kSearchPageSize, kSearchPageSize);
  if (!res.ok()) return failed(res.status().message());
  std::vector<std::string> items;
  for (const auto& m : res->rows) items.push_back(recall_item(m));
  return {true, format_search_page(items, res->total, page)};
}

FunctionResult search_recall_date(FunctionContext& ctx, const Json& args) {
  if (!ctx.recall) return failed("recall memory is not available");
  auto start = parse_day(args["start_date"].get<std::string>());
  auto end = parse_day(args["end_date"].get<std::string>());
  if (!start || !end) return failed("dates must be given as 'YYYY-MM-DD'");
  if (*end < *start) return failed("end_date is before start_date");
  int64_t page = page_of(args);
  if (page < 0) return failed("page must be 0 or more");
  constexpr int64_t kDayMs = 24LL * 3600 * 1000;
  // +1 day (+1 h against daylight-saving shifts, then back to midnight) makes end_date inclusive.
  auto end_exclusive = parse_day([&] {
    std::time_t t = static_cast<std::time_t>((*end + kDayMs + 3600 * 1000) / 1000);
    std::tm tm{};
    ::localtime_r(&t, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return std::string(buf);
  }());
  auto res = ctx.recall->search_date(ctx.agent_id, *start, end_exclusive.value_or(*end + kDayMs),
                                     page * kSearchPageSize, kSearchPageSize);
  if (!res.ok()) return failed(res.status().message());
  std::vector<std::string> items;
  for (const auto& m : res->rows) items.push_back(recall_item(m));
  return {true, format_search_page(items, res->total, page)};
}

FunctionResult search_archival(FunctionContext& ctx, const Json& args) {
  if (!ctx.archival) return failed("archival memory is not available for this agent");
  int64_t page = page_of(args);
  if (page < 0) return failed("page must be 0 or more");
  auto res = ctx.archival->search(args["query"].get<std::string>(), page * kSearchPageSize,
                                  kSearchPageSize);
  if (!res.ok()) return failed(res.status().message());
  std::vector<std::string> items;
  for (const auto& h : res->hits) {
    items.push_back(fmt::format("timestamp: {}, memory: {}", format_memgpt_time(h.created_at),
                                h.text));
  }
  return {true, format_search_page(items, res->total, page)};
}

}  // namespace

const std::vector<std::string>& builtin_function_names() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> out;
    for (const auto& s : specs()) out.push_back(s.name);
    return out;
  }();
  return kNames;
}

bool is_builtin_function(const std::string& name) { return find_spec(name) != nullptr; }

bool takes_heartbeat_argument(const std::string& name) {
  return name != "send_message" && name != "pause_heartbeats";
}

Json function_tools(const std::vector<std::string>& names, bool inner_thoughts_in_args) {
  Json tools = Json::array();
  for (const auto& name : names) {
    const FunctionSpec* spec = find_spec(name);
    if (!spec) continue;
    Json props = Json::object();
    Json required = Json::array();
    if (inner_thoughts_in_args) {
      props["inner_thoughts"] = {{"type", "string"},
                                 {"description", "Your private inner monologue (under 50 words)."}};
      required.push_back("inner_thoughts");
    }
    for (const auto& p : spec->params) {
      props[p.name] = {{"type", p.type}, {"description", p.description}};
      if (p.required) required.push_back(p.name);
    }
    if (takes_heartbeat_argument(name)) {
      props["request_heartbeat"] = {
          {"type", "boolean"},
          {"description",
           "Request an immediate heartbeat after the function returns. Set it to true when you "
           "want to send a follow-up message or call another function."}};
      required.push_back("request_heartbeat");
    }
    tools.push_back({{"type", "function"},
                     {"function",
                      {{"name", spec->name},
                       {"description", spec->description},
                       {"parameters",
                        {{"type", "object"}, {"properties", props}, {"required", required}}}}}});
  }
  return tools;
}

std::string format_search_page(const std::vector<std::string>& items, int64_t total,
                               int64_t page) {
  if (total == 0 || items.empty()) {
    if (total > 0) {
      int64_t last = (total + kSearchPageSize - 1) / kSearchPageSize - 1;
      return fmt::format("No results on page {} (there are {} results on pages 0 to {}).", page,
                         total, last);
    }
    return "No results found.";
  }
  int64_t last_page = (total + kSearchPageSize - 1) / kSearchPageSize - 1;
  Json list = items;
  return fmt::format("Showing {} of {} results (page {}/{}): {}", items.size(), total, page,
                     last_page, list.dump(-1, ' ', false, Json::error_handler_t::replace));
}

FunctionResult call_function(const std::string& name, const Json& raw_args, FunctionContext& ctx) {
  const FunctionSpec* spec = find_spec(name);
  if (!spec) return failed(fmt::format("No function named '{}'.", name));
  Json args;
  if (auto err = validate(*spec, raw_args, args)) return failed(*err);

  if (name == "send_message") return ok_null();
  if (name == "pause_heartbeats") {
    int64_t minutes = args["minutes"].get<int64_t>();
    if (minutes < 0 || minutes > kMaxPauseHeartbeatMinutes) {
      return failed(fmt::format("minutes must be between 0 and {}", kMaxPauseHeartbeatMinutes));
    }
    ctx.pause_minutes = static_cast<int>(minutes);
    return {true, fmt::format("Pausing timed heartbeats for {} min", minutes)};
  }
  if (name == "core_memory_append" || name == "core_memory_replace") {
    if (!ctx.memory) return failed("core memory is not available");
    Status s = name == "core_memory_append"
                   ? ctx.memory->append(args["name"], args["content"])
                   : ctx.memory->replace(args["name"], args["old_content"], args["new_content"]);
    if (!s.ok()) return failed(s.message());
    ctx.memory_changed = true;
    return ok_null();
  }
  if (name == "conversation_search") return search_recall_text(ctx, args);
  if (name == "conversation_search_date") return search_recall_date(ctx, args);
  if (name == "archival_memory_insert") {
    if (!ctx.archival) return failed("archival memory is not available for this agent");
    auto id = ctx.archival->insert(args["content"].get<std::string>());
    if (!id.ok()) return failed(id.status().message());
    return ok_null();
  }
  if (name == "archival_memory_search") return search_archival(ctx, args);
  return failed(fmt::format("No function named '{}'.", name));
}

Json external_function_tools(const std::vector<ExternalFunction>& functions, bool inner_thoughts_in_args) {
  Json tools = Json::array();
  for (const auto& f : functions) {
    Json parameters = f.parameters.is_object() ? f.parameters : Json::object();
    parameters["type"] = "object";
    if (!parameters.contains("properties") || !parameters["properties"].is_object()) parameters["properties"] = Json::object();
    if (!parameters.contains("required") || !parameters["required"].is_array()) parameters["required"] = Json::array();
    if (inner_thoughts_in_args) {
      parameters["properties"]["inner_thoughts"] = {
          {"type", "string"}, {"description", "Your private inner monologue (under 50 words)."}};
      parameters["required"].push_back("inner_thoughts");
    }
    // Optional here: the tool's own schema may forbid unknown arguments, and the model may leave
    // it out (no heartbeat then).
    parameters["properties"]["request_heartbeat"] = {
        {"type", "boolean"},
        {"description", "Request an immediate heartbeat after the function returns."}};
    tools.push_back({{"type", "function"},
                     {"function", {{"name", f.name}, {"description", f.description}, {"parameters", parameters}}}});
  }
  return tools;
}

}  // namespace memgpt::agent
