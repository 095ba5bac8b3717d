#include "llm/call_stream.h"

#include <utility>

namespace memgpt::llm {
namespace {

constexpr const char* kInnerThoughts = "inner_thoughts";

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

void append_utf8(std::string& out, unsigned cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

constexpr unsigned kReplacement = 0xFFFD;

}  // namespace

size_t utf8_complete_prefix(std::string_view text) {
  // Look back at most 3 bytes for the lead byte of a character that is not complete yet.
  size_t n = text.size();
  for (size_t back = 1; back <= 4 && back <= n; ++back) {
    auto b = static_cast<unsigned char>(text[n - back]);
    if ((b & 0xC0) == 0x80) continue;  // a continuation byte: keep looking for its lead
    size_t need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;  // only continuation bytes: not ours to hold back
}

FunctionCallStream::FunctionCallStream(bool function_call, Emit emit)
    : function_call_(function_call), emit_(std::move(emit)) {}

void FunctionCallStream::feed(std::string_view piece) {
  if (!function_call_) {
    content_.append(piece);
  } else {
    for (char c : piece) step(c);
  }
  flush();
}

void FunctionCallStream::flush() {
  StreamDelta out;
  size_t n = utf8_complete_prefix(content_);
  out.content = content_.substr(0, n);
  content_.erase(0, n);
  n = utf8_complete_prefix(arguments_);
  out.tool_arguments = arguments_.substr(0, n);
  arguments_.erase(0, n);
  out.tool_name = std::exchange(name_done_, "");
  if (emit_ && (!out.content.empty() || !out.tool_name.empty() || !out.tool_arguments.empty())) emit_(out);
}

bool FunctionCallStream::in_params() const {
  return stack_.size() == 2 && stack_[0].key == "params" && stack_[1].object;
}

FunctionCallStream::Role FunctionCallStream::role_of_value() const {
  if (stack_.size() == 1) {
    if (stack_[0].key == "function") return Role::kName;
    if (stack_[0].key == kInnerThoughts) return Role::kThoughts;
  }
  if (in_params() && stack_[1].key == kInnerThoughts) return Role::kThoughts;
  return Role::kOther;
}

void FunctionCallStream::step(char c) {
  if (broken_) return;
  if (in_string_) {
    if (argument_member_) {
      arguments_ += c;
    } else if (string_is_key_ && in_params()) {
      pending_member_ += c;
    }
    string_char(c);
    return;
  }
  if (stack_.empty()) {
    if (is_space(c)) return;
    if (c != '{') {
      broken_ = true;  // prose, or text after the object: the reader's business
      return;
    }
    stack_.push_back({true, true, ""});
    return;
  }
  if (in_params()) {
    if (c == ',') {  // the member ends; the next argument brings its own separator
      argument_member_ = false;
      stack_.back().expect_key = true;
      return;
    }
    if (c == '}') {
      argument_member_ = false;
      arguments_ += arguments_open_ ? "}" : "{}";
      stack_.pop_back();
      return;
    }
    if (!argument_member_ && stack_.back().expect_key && c == '"') pending_member_ = "\"";
  }
  if (argument_member_) arguments_ += c;
  value_starts(c);
}

void FunctionCallStream::value_starts(char c) {
  Level& top = stack_.back();
  switch (c) {
    case '{':
      stack_.push_back({true, true, ""});
      break;
    case '[':
      stack_.push_back({false, false, ""});
      break;
    case '}':
    case ']':
      stack_.pop_back();
      if (stack_.empty()) broken_ = true;  // the call is complete: nothing after it is streamed
      break;
    case ',':
      if (top.object) top.expect_key = true;
      break;
    case '"':
      in_string_ = true;
      string_is_key_ = top.object && top.expect_key;
      string_role_ = string_is_key_ ? Role::kOther : role_of_value();
      key_text_.clear();
      if (string_role_ == Role::kName) name_.clear();
      break;
    default:
      break;
  }
}

void FunctionCallStream::string_char(char c) {
  if (escape_.empty()) {
    if (c == '\\') {
      escape_ = "\\";
      return;
    }
    if (c != '"') {
      if (high_surrogate_ != 0) {
        std::string lone;
        append_utf8(lone, kReplacement);
        high_surrogate_ = 0;
        decoded(lone);
      }
      decoded(std::string(1, c));
      return;
    }
    // The string ends.
    in_string_ = false;
    high_surrogate_ = 0;
    if (string_is_key_) {
      Level& top = stack_.back();
      top.key = key_text_;
      top.expect_key = false;
      if (in_params()) {
        argument_member_ = key_text_ != kInnerThoughts;
        if (argument_member_) {
          arguments_ += arguments_open_ ? "," : "{";
          arguments_ += pending_member_;
          arguments_open_ = true;
        }
        pending_member_.clear();
      }
    } else if (string_role_ == Role::kName) {
      name_done_ = name_;
    }
    return;
  }
  escape_ += c;
  std::string bytes;
  if (escape_[1] != 'u') {
    switch (c) {
      case 'n': bytes = "\n"; break;
      case 't': bytes = "\t"; break;
      case 'r': bytes = "\r"; break;
      case 'b': bytes = "\b"; break;
      case 'f': bytes = "\f"; break;
      default: bytes = std::string(1, c);  // \" \\ \/ and anything a model invents
    }
    escape_.clear();
    decoded(bytes);
    return;
  }
  if (escape_.size() < 6) return;
  unsigned unit = 0;
  for (size_t i = 2; i < 6; ++i) {
    char h = escape_[i];
    unsigned v = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : 0;
    unit = unit * 16 + v;
  }
  escape_.clear();
  if (unit >= 0xD800 && unit <= 0xDBFF) {
    if (high_surrogate_ != 0) append_utf8(bytes, kReplacement);
    high_surrogate_ = unit;
  } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
    append_utf8(bytes, high_surrogate_ != 0 ? 0x10000 + ((high_surrogate_ - 0xD800) << 10) + (unit - 0xDC00) : kReplacement);
    high_surrogate_ = 0;
  } else {
    if (high_surrogate_ != 0) append_utf8(bytes, kReplacement);
    high_surrogate_ = 0;
    append_utf8(bytes, unit);
  }
  if (!bytes.empty()) decoded(bytes);
}

void FunctionCallStream::decoded(const std::string& bytes) {
  if (string_is_key_) {
    key_text_ += bytes;
  } else if (string_role_ == Role::kName) {
    name_ += bytes;
  } else if (string_role_ == Role::kThoughts) {
    content_ += bytes;
  }
}

}  // namespace memgpt::llm
