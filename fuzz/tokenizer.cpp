// The BPE tokenizers (tokenizer/tokenizer.h), one target per encoding (MEMGPT_FUZZ_ENCODING):
// any bytes encode; count agrees with encode; decoding the ids gives the text back when it is
// UTF-8 (ill-formed bytes become U+FFFD first, as documented).
#include "fuzz_support.h"
#include "tokenizer/tokenizer.h"

#ifndef MEMGPT_FUZZ_ENCODING
#error "define MEMGPT_FUZZ_ENCODING as cl100k_base or o200k_base"
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& tok = memgpt::tokenizer::MEMGPT_FUZZ_ENCODING();
  std::string_view text = memgpt::fuzz::as_text(data, size);
  auto ids = tok.encode(text);
  if (tok.count(text) != ids.size()) memgpt::fuzz::finding("count differs from the number of ids encode gives");
  if (!memgpt::fuzz::valid_utf8(text)) return 0;
  if (tok.decode(ids) != text) memgpt::fuzz::finding("decode(encode(text)) is not the text");
  auto special = tok.encode_with_special(text);
  if (tok.decode(special) != text) memgpt::fuzz::finding("decode(encode_with_special(text)) is not the text");
  return 0;
}
