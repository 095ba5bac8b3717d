#include "llm/function_grammar.h"

#include <fmt/format.h>

#include <set>

namespace memgpt::llm {
namespace {

constexpr const char* kInnerThoughts = "inner_thoughts";
constexpr const char* kInnerThoughtsDescription = "Deep inner monologue private to you only.";

// A GBNF string literal matching `text` exactly.
std::string gbnf_literal(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += c;
    }
  }
  return out + "\"";
}

// The JSON text of a key or enum value, as a GBNF literal.
std::string json_literal(const Json& value) { return gbnf_literal(value.dump()); }

// A GBNF expression for values of `schema` (rules string/integer/... are defined in the
// grammar's fixed tail).
std::string gbnf_for(const Json& schema) {
  if (!schema.is_object()) return "value";
  if (schema.contains("enum") && schema["enum"].is_array() && !schema["enum"].empty()) {
    std::string alts;
    for (const auto& v : schema["enum"]) alts += (alts.empty() ? "" : " | ") + json_literal(v);
    return "(" + alts + ")";
  }
  if (schema.contains("const")) return json_literal(schema["const"]);
  const Json type = schema.value("type", Json());
  if (type.is_array()) {
    std::string alts;
    for (const auto& t : type) {
      Json one = schema;
      one["type"] = t;
      alts += (alts.empty() ? "" : " | ") + gbnf_for(one);
    }
    return alts.empty() ? "value" : "(" + alts + ")";
  }
  std::string t = type.is_string() ? type.get<std::string>() : "";
  if (t == "string" || t == "integer" || t == "number" || t == "boolean" || t == "null") return t;
  if (t == "array") {
    if (schema.contains("items") && schema["items"].is_object()) {
      std::string item = gbnf_for(schema["items"]);
      return fmt::format("(\"[\" ws ({0} (ws \",\" ws {0})*)? ws \"]\")", item);
    }
    return "array";
  }
  if (t == "object") return "object";
  return "value";
}

// MemGPT asks for an inner monologue of at most 50 words; bounding it leaves a small model that
// rambles the tokens of its reply for the call's own arguments.
constexpr int kMaxInnerThoughtsChars = 300;

const char* kGbnfTail = R"(string ::= "\"" char* "\""
char ::= [^"\\\x7F\x00-\x1F] | "\\" (["\\/bfnrt] | "u" hex hex hex hex)
hex ::= [0-9a-fA-F]
integer ::= "-"? ("0" | [1-9] digits)
# At most 15 digits: an integer a model writes stays exact in int64 and double.
digits ::= ([0-9] ([0-9] ([0-9] ([0-9] ([0-9] ([0-9] ([0-9] ([0-9] ([0-9] ([0-9] ([0-9] ([0-9] ([0-9] ([0-9])?)?)?)?)?)?)?)?)?)?)?)?)?)?
number ::= integer ("." [0-9]+)? ([eE] [-+]? [0-9]+)?
boolean ::= "true" | "false"
null ::= "null"
value ::= object | array | string | number | boolean | null
object ::= "{" ws (string ws ":" ws value (ws "," ws string ws ":" ws value)*)? ws "}"
array ::= "[" ws (value (ws "," ws value)*)? ws "]"
# Bounded, so a model cannot loop on whitespace; nested, so each indent matches one way only.
ws ::= | " " | "\n" indent
indent ::= ([ \t] ([ \t] ([ \t] ([ \t] ([ \t] ([ \t] ([ \t] ([ \t])?)?)?)?)?)?)?)?
)";

}  // namespace

std::vector<FunctionParam> function_params(const Json& function) {
  std::vector<FunctionParam> out;
  const Json params = function.value("parameters", Json::object());
  const Json props =
      params.is_object() ? params.value("properties", Json::object()) : Json::object();
  const Json required =
      params.is_object() ? params.value("required", Json::array()) : Json::array();
  std::set<std::string> seen = {kInnerThoughts};
  Json thoughts = props.is_object() && props.contains(kInnerThoughts)
                      ? props[kInnerThoughts]
                      : Json{{"type", "string"}, {"description", kInnerThoughtsDescription}};
  out.push_back({kInnerThoughts, thoughts, true});
  if (!props.is_object()) return out;
  if (required.is_array()) {
    for (const auto& r : required) {
      if (!r.is_string() || seen.count(r.get<std::string>()) ||
          !props.contains(r.get<std::string>()))
        continue;
      seen.insert(r.get<std::string>());
      out.push_back({r.get<std::string>(), props[r.get<std::string>()], true});
    }
  }
  for (const auto& [name, schema] : props.items()) {
    if (seen.insert(name).second) out.push_back({name, schema, false});
  }
  return out;
}

std::string function_call_gbnf(const Json& tools) {
  std::string calls, rules;
  int index = 0;
  for (const auto& tool : tools) {
    const Json fn = tool.value("function", Json::object());
    if (!fn.contains("name") || !fn["name"].is_string()) continue;
    std::string call = fmt::format("call-{}", index);
    std::string params = fmt::format("params-{}", index);
    ++index;
    calls += (calls.empty() ? "" : " | ") + call;
    rules += fmt::format("{} ::= {} ws \",\" ws {} ws \":\" ws {}\n", call,
                         json_literal(fn["name"]), json_literal("params"), params);
    // inner_thoughts and the required arguments in order, each optional one may follow.
    std::string body;
    for (const auto& p : function_params(fn)) {
      std::string value = gbnf_for(p.schema);
      if (p.name == kInnerThoughts && value == "string") value = "thoughts";
      std::string pair = fmt::format("{} ws \":\" ws {}", json_literal(p.name), value);
      if (body.empty()) {
        body = pair;
      } else if (p.required) {
        body += " ws \",\" ws " + pair;
      } else {
        body += " (ws \",\" ws " + pair + ")?";
      }
    }
    rules += fmt::format("{} ::= \"{{\" ws {} ws \"}}\"\n", params, body);
  }
  if (calls.empty()) return "";
  return fmt::format(
      "# One function call: {{\"function\": <name>, \"params\": {{\"inner_thoughts\": ..., "
      "<arguments>}}}}\n"
      "root ::= \"{{\" ws {} ws \":\" ws call ws \"}}\"\n"
      "call ::= {}\n{}thoughts ::= \"\\\"\" char{{0,{}}} \"\\\"\"\n{}",
      json_literal("function"), calls, rules, kMaxInnerThoughtsChars, kGbnfTail);
}

OrderedJson function_call_json_schema(const Json& tools) {
  OrderedJson any = OrderedJson::array();
  for (const auto& tool : tools) {
    const Json fn = tool.value("function", Json::object());
    if (!fn.contains("name") || !fn["name"].is_string()) continue;
    OrderedJson props = OrderedJson::object();
    OrderedJson required = OrderedJson::array();
    for (const auto& p : function_params(fn)) {
      props[p.name] = OrderedJson::parse(p.schema.dump());
      if (p.required) required.push_back(p.name);
    }
    OrderedJson params = {{"type", "object"},
                          {"properties", props},
                          {"required", required},
                          {"additionalProperties", false}};
    OrderedJson name = {{"type", "string"}, {"enum", {fn["name"].get<std::string>()}}};
    any.push_back({{"type", "object"},
                   {"properties", {{"function", name}, {"params", params}}},
                   {"required", {"function", "params"}},
                   {"additionalProperties", false}});
  }
  return {{"anyOf", any}};
}

}  // namespace memgpt::llm
