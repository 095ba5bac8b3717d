// Milvus filter expressions (vector/filter.h), the parser alone: any text must parse or fail
// with a Status (no crash, no exception, bounded stack); a string escaped as a filter literal
// must read back as the same string.
#include "fuzz_support.h"
#include "vector/filter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(memgpt::fuzz::as_text(data, size));
  auto parsed = memgpt::vector::parse_filter(text);
  if (!parsed.ok() && parsed.status().message().empty()) memgpt::fuzz::finding("a refused filter has no message");

  // Round trip of the literal escaping used to build `id in [...]` filters from stored ids.
  auto literal = memgpt::vector::parse_filter("f == " + memgpt::vector::filter_string_literal(text));
  if (!literal.ok()) memgpt::fuzz::finding("an escaped string literal does not parse: " + literal.status().message());
  const auto& node = **literal;
  if (node.children.size() != 2 || !node.children[1]->value.is_string() ||
      node.children[1]->value.get<std::string>() != text) {
    memgpt::fuzz::finding("an escaped string literal reads back as another value");
  }
  return 0;
}
