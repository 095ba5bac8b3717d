// How a transcript writes a message and how it matches what happened (see ../README.md).
// Nothing here knows the product's types: messages arrive as plain fields, read by the MemGPT
// protocol (JSON-packed user events and function results).
#pragma once

#include <string>

#include "util/json.h"

namespace memgpt::transcripts {

// One message as a transcript writes it:
//   system:    {"system": text}
//   user:      {"user": message} | {"heartbeat": reason} | {"login": last_login} |
//              {"alert": system alert}          (an unpacked text: {"user_raw": text})
//   assistant: {"assistant": inner thoughts, "call": function, "args": {...} | "raw text"}
//   tool:      {"tool": function, "status": "OK" | "Failed", "message": text | null}
// `call_args` is the call's argument text ("" with no call).
Json message_view(const std::string& role, const std::string& text, const std::string& call_name,
                  const std::string& call_args, const std::string& tool_name);

// The view of a Chat Completions request as the model received it: {"model", "tools" (count),
// "tool_choice", "stream", "system" (the first message's text), "messages" (views, the system
// message first), "last" (the view of the last message)}.
Json request_view(const Json& request);

// Empty when `actual` matches `expected`; otherwise what differs, with its path. Rules:
//   a string, number, bool: equal;   null: absent or null;
//   an array: the same length, element by element;
//   an object: every key given matches (keys not given are not checked), unless it is one of
//   the operators {"contains": x} (strings: every given piece occurs; arrays: every given item
//   matches some element), {"not_contains": x} (no piece occurs; no element matches any item),
//   {"starts_with": x} (a string prefix; for arrays, the first elements match the items given),
//   {"regex": "..."} (ECMAScript, searched), {"count": n} (array length), {"any": true}
//   (present, any value; false: absent).
std::string match(const Json& expected, const Json& actual, const std::string& path = "");

}  // namespace memgpt::transcripts
