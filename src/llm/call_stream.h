// Streaming a local model's function call as it is generated. The wrappers' protocol
// (llm/function_grammar.h) has the model write one JSON object,
//   {"function": <name>, "params": {"inner_thoughts": <string>, <arguments>...}}
// and its reader moves inner_thoughts into the reply's content (llm/prompt_wrapper.h). This
// turns the text, piece by piece, into the deltas a streaming tool-calling API sends: the
// inner thoughts, decoded, as `content`; the function name once it is complete; the other
// members of "params" as pieces of the call's arguments (their concatenation is the arguments
// object, without inner_thoughts). A delta never ends inside a UTF-8 character, whatever the
// tokeniser cut. Text that is not such an object yields no call deltas (the reader decides).
// Thread-safety: one per completion, used by one thread.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "llm/chat_model.h"

namespace memgpt::llm {

class FunctionCallStream {
 public:
  using Emit = std::function<void(const StreamDelta&)>;
  // `function_call`: the completion is a call in the JSON protocol; otherwise plain text, all
  // of it content.
  FunctionCallStream(bool function_call, Emit emit);

  // The next piece of the completion; emits one delta when it completes something to show.
  void feed(std::string_view piece);

 private:
  enum class Role { kOther, kName, kThoughts, kArgument };
  struct Level {
    bool object = false;  // else an array
    bool expect_key = false;
    std::string key;      // the member being read (objects)
  };

  void step(char c);
  void value_starts(char c);
  void string_char(char c);
  void decoded(const std::string& bytes);
  Role role_of_value() const;
  bool in_params() const;
  void flush();

  bool function_call_;
  Emit emit_;
  bool broken_ = false;  // not the protocol's JSON: nothing more to stream as a call
  std::vector<Level> stack_;
  // The string being read.
  bool in_string_ = false;
  bool string_is_key_ = false;
  Role string_role_ = Role::kOther;
  std::string escape_;      // an escape sequence not yet complete ("\\", "\\u12", ...)
  unsigned high_surrogate_ = 0;
  std::string key_text_;    // a key being read (decoded)
  std::string name_;        // the function name being read
  // Raw text of a params member whose key is still being read (decided when the key ends).
  std::string pending_member_;
  bool argument_member_ = false;  // inside a params member that is an argument
  bool arguments_open_ = false;   // "{" of the arguments emitted
  // Output not yet emitted: held back while it ends inside a UTF-8 character.
  std::string content_, arguments_;
  std::string name_done_;
};

// The length of the longest prefix of `text` that does not end inside a UTF-8 character.
size_t utf8_complete_prefix(std::string_view text);

}  // namespace memgpt::llm
