#include "agent/core_memory.h"

#include <fmt/format.h>

namespace memgpt::agent {

size_t utf8_chars(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;
  return n;
}

const MemoryBlock* CoreMemory::block(const std::string& label) const {
  for (const auto& b : blocks_) {
    if (b.label == label) return &b;
  }
  return nullptr;
}

MemoryBlock* CoreMemory::find(const std::string& label) {
  for (auto& b : blocks_) {
    if (b.label == label) return &b;
  }
  return nullptr;
}

Status CoreMemory::check_limit(const MemoryBlock& block, const std::string& new_value) const {
  size_t n = utf8_chars(new_value);
  if (n > static_cast<size_t>(block.limit)) {
    return {ErrorCode::kResourceExhausted,
            fmt::format("Edit failed: the '{}' block would hold {} characters, over its limit of "
                        "{}. Make room first: summarise or shorten what the block holds (with "
                        "core_memory_replace), or move less important details to archival "
                        "memory (archival_memory_insert), then try again.",
                        block.label, n, block.limit)};
  }
  return {};
}

Status CoreMemory::add_block(MemoryBlock block) {
  if (block.label.empty()) return invalid_argument("a memory block needs a label");
  if (find(block.label)) return already_exists(fmt::format("block '{}' exists", block.label));
  if (block.limit <= 0) return invalid_argument("a memory block limit must be positive");
  MEMGPT_RETURN_IF_ERROR(check_limit(block, block.value));
  blocks_.push_back(std::move(block));
  return {};
}

Status CoreMemory::remove_block(const std::string& label) {
  auto before = blocks_.size();
  std::erase_if(blocks_, [&](const MemoryBlock& b) { return b.label == label; });
  if (blocks_.size() == before) return not_found(fmt::format("no memory block '{}'", label));
  return {};
}

static Status no_block(const std::string& label, const std::vector<MemoryBlock>& blocks) {
  std::string names;
  for (const auto& b : blocks) names += (names.empty() ? "'" : ", '") + b.label + "'";
  return not_found(fmt::format("No memory block named '{}' (the blocks are {})", label, names));
}

Status CoreMemory::set_value(const std::string& label, const std::string& value) {
  MemoryBlock* b = find(label);
  if (!b) return no_block(label, blocks_);
  MEMGPT_RETURN_IF_ERROR(check_limit(*b, value));
  b->value = value;
  return {};
}

Status CoreMemory::set_limit(const std::string& label, int limit) {
  MemoryBlock* b = find(label);
  if (!b) return no_block(label, blocks_);
  if (limit <= 0) return invalid_argument("a memory block limit must be positive");
  if (utf8_chars(b->value) > static_cast<size_t>(limit)) {
    return invalid_argument(fmt::format("block '{}' already holds {} characters, more than {}",
                                        label, utf8_chars(b->value), limit));
  }
  b->limit = limit;
  return {};
}

Status CoreMemory::append(const std::string& label, const std::string& content) {
  MemoryBlock* b = find(label);
  if (!b) return no_block(label, blocks_);
  std::string v = b->value.empty() ? content : b->value + "\n" + content;
  MEMGPT_RETURN_IF_ERROR(check_limit(*b, v));
  b->value = std::move(v);
  return {};
}

Status CoreMemory::replace(const std::string& label, const std::string& old_content,
                           const std::string& new_content) {
  MemoryBlock* b = find(label);
  if (!b) return no_block(label, blocks_);
  if (old_content.empty()) return invalid_argument("old_content must not be empty");
  if (b->value.find(old_content) == std::string::npos) {
    return not_found(fmt::format("The text '{}' was not found in the '{}' block (it must match "
                                 "exactly)",
                                 old_content, label));
  }
  std::string v;
  size_t pos = 0;
  for (;;) {
    size_t hit = b->value.find(old_content, pos);
    if (hit == std::string::npos) break;
    v.append(b->value, pos, hit - pos);
    v += new_content;
    pos = hit + old_content.size();
  }
  v.append(b->value, pos, std::string::npos);
  MEMGPT_RETURN_IF_ERROR(check_limit(*b, v));
  b->value = std::move(v);
  return {};
}

std::string CoreMemory::compile() const {
  std::string out;
  for (const auto& b : blocks_) {
    out += fmt::format("<{} characters=\"{}/{}\">\n{}\n</{}>\n", b.label, utf8_chars(b.value),
                       b.limit, b.value, b.label);
  }
  return out;
}

}  // namespace memgpt::agent
