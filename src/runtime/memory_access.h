// Reading and writing memory from outside a step, one home for the CLI (`memgpt search`), the
// server's archival routes and the MCP tools: archival memory inserts and searches, and source
// searches, each checking first that the stored vectors were made by the configured embedder
// (a query or a text embedded by another model would be compared with the wrong vectors).
#pragma once

#include <string>
#include <vector>

#include "runtime/runtime.h"
#include "sources/passage_store.h"
#include "store/agent_record.h"
#include "store/metadata_store.h"
#include "util/status.h"

namespace memgpt::runtime {

// The agent's archival memory: the passage store on the agent's vector space.
sources::PassageStore archival_of(const Archival& archival, const store::AgentRecord& agent);

// Embeds `text` (split into chunks of `chunk_tokens`) into the agent's archival memory and
// returns the stored passages.
Result<std::vector<sources::Passage>> insert_archival_text(const Archival& archival, const store::AgentRecord& agent, const std::string& text,
                                                           int chunk_tokens);

// The agent's archival passages nearest to `query`, best first.
Result<sources::PassagePage> search_archival_text(const Archival& archival, const store::AgentRecord& agent, const std::string& query,
                                                  int64_t limit, sources::SearchMode mode = sources::SearchMode::kHybrid);

// kFailedPrecondition naming both embedders and the fix when the source was embedded by
// another model than the configured one.
Status check_source_embedder(const store::SourceRecord& source, const embed::Embedder& configured);

// The source's passages nearest to `query`, best first.
Result<sources::PassagePage> search_source_text(const Archival& archival, const store::SourceRecord& source,
                                                const std::string& query, int64_t limit,
                                                sources::SearchMode mode = sources::SearchMode::kHybrid);

}  // namespace memgpt::runtime
