// Re-embedding: every passage of a source, or of an agent's archival memory, gets a vector of
// another embedder, and the record names the new embedder. One home for the CLI (`memgpt
// reembed`) and anything else that needs it.
//
// Nothing is lost if it stops part way (Ctrl-C, kill -9, a failing embedder): the new vectors
// are written beside the old ones, in the new embedder's own collections (sources::own_space),
// while searches and steps keep using the old ones; only when every new vector is stored does
// the record switch to them, in one transaction, and then the old vectors are removed. The work
// under way is recorded (store::ReembedRecord), so a rerun resumes an interrupted re-embed to
// the same embedder (what is stored is not embedded again) or first removes the leftovers of
// one to another embedder.
//
// Locking: a source's re-embed holds the source's lock (uploads and deletes wait), an agent's
// holds the agent's lock (its steps wait).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "embed/embedder.h"
#include "runtime/agent_service.h"
#include "runtime/runtime.h"
#include "runtime/sources_service.h"
#include "store/agent_record.h"

namespace memgpt::runtime {

struct ReembedOptions {
  int batch_size = 64;                            // passages embedded and stored together
  std::function<void(int64_t done, int64_t total)> on_progress;
  const std::atomic<bool>* cancel = nullptr;      // checked between batches: kCancelled
  std::string endpoint;  // the target embedder's base URL, recorded with it ("" for a local one)
};

struct ReembedReport {
  store::AgentEmbeddingConfig from;  // the embedder the vectors had
  store::AgentEmbeddingConfig to;    // the embedder they have now
  int64_t passages = 0;              // passages that have the new vectors
  int64_t resumed = 0;               // of those, stored by an interrupted earlier run
  bool unchanged = false;            // they had the target embedder already: nothing was done
};

class ReembedService {
 public:
  // Everything given must outlive the service.
  ReembedService(AppContext& ctx, Archival& archival, AgentService& agents, SourcesService& sources);

  // Re-embeds a ready source with `target` (kNotFound once it is deleted, kFailedPrecondition
  // when it stays busy, kCancelled when options.cancel was set: the old vectors stay in use).
  Result<ReembedReport> reembed_source(const store::SourceRecord& source, embed::Embedder& target,
                                       const ReembedOptions& options = {});
  // The same for an agent's archival memory (its own passages and the copies of attached
  // sources).
  Result<ReembedReport> reembed_agent(const store::AgentRecord& agent, embed::Embedder& target,
                                      const ReembedOptions& options = {});

 private:
  struct Job;
  Result<ReembedReport> run(Job& job, embed::Embedder& target, const ReembedOptions& options);

  AppContext& ctx_;
  Archival& archival_;
  AgentService& agents_;
  SourcesService& sources_;
};

}  // namespace memgpt::runtime
