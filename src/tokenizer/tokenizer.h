// Exact BPE tokenizers of OpenAI's models (tiktoken's cl100k_base and o200k_base), compiled
// into the binary from the rank files tiktoken ships. Used to budget prompts and chunk text.
// Thread-safety: the tokenizers are immutable singletons, safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace memgpt::tokenizer {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  virtual std::string_view name() const = 0;  // "cl100k_base", "o200k_base"
  // Ordinary text: special-token strings such as "<|endoftext|>" are encoded as plain text
  // (tiktoken's encode_ordinary).
  virtual std::vector<uint32_t> encode(std::string_view text) const = 0;
  // Recognises the encoding's special tokens (tiktoken's encode with allowed_special="all").
  virtual std::vector<uint32_t> encode_with_special(std::string_view text) const = 0;
  virtual size_t count(std::string_view text) const = 0;  // == encode(text).size()
  // The last `n` ids of encode(text) (all of them when there are fewer), at the cost of
  // encoding the end of the text only.
  virtual std::vector<uint32_t> encode_tail(std::string_view text, size_t n) const = 0;
  // The bytes of the tokens; may end inside a UTF-8 sequence when `ids` is a prefix.
  virtual std::string decode(std::span<const uint32_t> ids) const = 0;
};

const Tokenizer& cl100k_base();
const Tokenizer& o200k_base();

struct TokenizerChoice {
  const Tokenizer* tokenizer;
  bool exact;  // false: the model's own tokenizer is unknown and cl100k_base is an estimate
};
// gpt-4*, gpt-3.5* -> cl100k; gpt-4o*, o1/o3/o4*, gpt-4.1*, gpt-5* -> o200k; else cl100k estimate.
TokenizerChoice tokenizer_for_model(std::string_view model);

}  // namespace memgpt::tokenizer
