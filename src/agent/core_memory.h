// Core memory: labelled text blocks (by default `persona` and `human`) that live in the system
// message, each with a character limit. The agent edits them through functions; an edit that
// would pass the limit fails with a message telling the model how to make room.
#pragma once

#include <string>
#include <vector>

#include "store/agent_record.h"
#include "util/status.h"

namespace memgpt::agent {

inline constexpr int kDefaultCoreMemoryLimit = store::kDefaultCoreMemoryLimit;
using MemoryBlock = store::MemoryBlock;  // as the agent record stores it

class CoreMemory {
 public:
  CoreMemory() = default;
  explicit CoreMemory(std::vector<MemoryBlock> blocks) : blocks_(std::move(blocks)) {}

  const std::vector<MemoryBlock>& blocks() const { return blocks_; }
  const MemoryBlock* block(const std::string& label) const;
  // Adds a block; kAlreadyExists when the label is taken, kInvalidArgument when over limit.
  Status add_block(MemoryBlock block);
  Status remove_block(const std::string& label);

  // Replaces a block's value (checked against its limit).
  Status set_value(const std::string& label, const std::string& value);
  Status set_limit(const std::string& label, int limit);
  // core_memory_append: value + "\n" + content.
  Status append(const std::string& label, const std::string& content);
  // core_memory_replace: every occurrence of old_content (exact match, non-empty) becomes
  // new_content; an empty new_content deletes.
  Status replace(const std::string& label, const std::string& old_content,
                 const std::string& new_content);

  // The blocks as they appear in the system message:
  // <persona characters="12/2000">\n...\n</persona>
  std::string compile() const;

 private:
  MemoryBlock* find(const std::string& label);
  Status check_limit(const MemoryBlock& block, const std::string& new_value) const;
  std::vector<MemoryBlock> blocks_;
};

// Number of Unicode code points (what "characters" means for limits).
size_t utf8_chars(const std::string& s);

}  // namespace memgpt::agent
