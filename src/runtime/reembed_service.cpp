#include "runtime/reembed_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <unordered_set>

#include "runtime/embedder_records.h"
#include "vector/filter.h"

namespace memgpt::runtime {

// What differs between re-embedding a source and an agent.
struct ReembedService::Job {
  std::string kind;        // "source" | "agent": as recorded, and in messages
  std::string name;        // the source's or agent's name, for messages
  std::string owner_id;
  bool archival = false;   // rows in the archival collections (an agent's) or the passages ones
  std::string owner_field; // "agent_id" | "source_id"
  store::AgentEmbeddingConfig from;  // the record's embedder, with its space
  // Writes `to` into the record and `cleanup` into the store, in one transaction.
  std::function<Status(const store::AgentEmbeddingConfig& to, const store::ReembedRecord& cleanup)> switch_record;
};

namespace {

Result<int64_t> count_rows(sources::PassageStore& store, bool archival, const std::string& field,
                           const std::string& owner_id) {
  std::string collection = archival ? store.archival_collection() : store.passages_collection();
  MEMGPT_ASSIGN_OR_RETURN(bool exists, store.vector_store().has_collection(collection));
  if (!exists) return int64_t{0};
  return store.vector_store().count(collection, field + " == " + vector::filter_string_literal(owner_id));
}

store::AgentEmbeddingConfig embedder_record(const embed::Embedder& e, const std::string& endpoint,
                                            const store::AgentEmbeddingConfig& like) {
  store::AgentEmbeddingConfig out = like;  // the chunk size stays
  out.embedding_endpoint_type = e.endpoint_type();
  out.embedding_endpoint = endpoint;
  out.embedding_model = e.model();
  out.embedding_dim = e.dim();
  return out;
}

}  // namespace

ReembedService::ReembedService(AppContext& ctx, Archival& archival, AgentService& agents, SourcesService& sources)
    : ctx_(ctx), archival_(archival), agents_(agents), sources_(sources) {}

Result<ReembedReport> ReembedService::run(Job& job, embed::Embedder& target, const ReembedOptions& options) {
  store::MetadataStore& meta = *ctx_.store;
  sources::PassageStore base(archival_.store.get(), &target);
  const sources::VectorSpace from_space = sources::space_of(job.from, archival_.passages->dim());
  ReembedReport report;
  report.from = job.from;

  // Settle what an earlier run left: finish its cleanup, or keep its new vectors when it was
  // writing the same embedder (resumed below), else remove them.
  std::optional<store::ReembedRecord> resume;
  if (auto pending = meta.get_reembed(job.owner_id); pending.ok()) {
    const bool cleanup = pending->phase == store::ReembedPhase::kCleanup;
    const store::AgentEmbeddingConfig& leftover = cleanup ? pending->from : pending->to;
    sources::VectorSpace leftover_space = sources::space_of(leftover, archival_.passages->dim());
    if (!cleanup && same_embedder(pending->to, target) && leftover_space != from_space) {
      resume = *pending;
    } else {
      if (leftover_space != from_space) {
        sources::PassageStore leftovers = base.in(leftover_space);
        MEMGPT_RETURN_IF_ERROR(leftovers.remove_owner(job.archival, job.owner_field, job.owner_id).status());
      }
      MEMGPT_RETURN_IF_ERROR(meta.delete_reembed(job.owner_id));
    }
  } else if (pending.status().code() != ErrorCode::kNotFound) {
    return pending.status();
  }

  if (same_embedder(job.from, target)) {
    report.to = job.from;
    report.unchanged = true;
    sources::PassageStore current = base.in(from_space);
    MEMGPT_ASSIGN_OR_RETURN(report.passages, count_rows(current, job.archival, job.owner_field, job.owner_id));
    return report;
  }

  store::ReembedRecord record;
  if (resume) {
    record = *resume;
  } else {
    record.owner_id = job.owner_id;
    record.kind = job.kind;
    record.from = job.from;
    record.to = embedder_record(target, options.endpoint, job.from);
    sources::VectorSpace own = sources::own_space(target.model(), target.dim());
    if (own == from_space) own.tag += "_2";  // two model names that read the same as a tag
    record.to.embedding_space = own.tag;
    record.phase = store::ReembedPhase::kStaging;
    MEMGPT_RETURN_IF_ERROR(meta.put_reembed(record));
  }
  const sources::VectorSpace to_space = sources::space_of(record.to, target.dim());
  sources::PassageStore old_rows = base.in(from_space);
  sources::PassageStore new_rows = base.in(to_space);
  MEMGPT_RETURN_IF_ERROR(new_rows.ensure_collections());

  // The old rows do not change meanwhile (the lock keeps writers out), so one walk sees them all.
  MEMGPT_ASSIGN_OR_RETURN(int64_t total, count_rows(old_rows, job.archival, job.owner_field, job.owner_id));
  const int64_t batch = std::max(1, options.batch_size);
  int64_t done = 0;
  if (options.on_progress) options.on_progress(0, total);
  auto reembed_page = [&](std::vector<sources::Passage>& page) -> Status {
    if (options.cancel && options.cancel->load()) {
      return Status(ErrorCode::kCancelled, fmt::format("re-embedding {} '{}' was interrupted", job.kind, job.name));
    }
    std::vector<std::string> ids;
    for (const auto& p : page) ids.push_back(p.id);
    MEMGPT_ASSIGN_OR_RETURN(auto stored, new_rows.existing_ids(job.archival, ids));
    std::unordered_set<std::string> have(stored.begin(), stored.end());
    std::vector<sources::Passage> todo;
    std::vector<std::string> texts;
    for (auto& p : page) {
      if (have.count(p.id)) continue;
      texts.push_back(p.text);
      todo.push_back(std::move(p));
    }
    report.resumed += static_cast<int64_t>(page.size() - todo.size());
    if (!todo.empty()) {
      auto vectors = target.embed(texts);
      if (!vectors.ok()) {
        return vectors.status().with_context(fmt::format("re-embedding {} '{}' with {}", job.kind, job.name,
                                                         embedder_label(target.model(), target.dim())));
      }
      for (size_t i = 0; i < todo.size(); ++i) todo[i].embedding = std::move((*vectors)[i]);
      MEMGPT_RETURN_IF_ERROR(new_rows.upsert_rows(job.archival, todo));
    }
    done += static_cast<int64_t>(page.size());
    if (options.on_progress) options.on_progress(done, total);
    return {};
  };
  MEMGPT_RETURN_IF_ERROR(old_rows.for_each_page(job.archival, job.owner_field, job.owner_id, batch, false, reembed_page));
  MEMGPT_ASSIGN_OR_RETURN(int64_t written, count_rows(new_rows, job.archival, job.owner_field, job.owner_id));
  if (written != total) {
    return internal_error(fmt::format("re-embedding {} '{}' stored {} of {} passages; the old vectors stay in use, run "
                                      "it again",
                                      job.kind, job.name, written, total));
  }

  // The switch: from here on the new vectors are the ones in use.
  store::ReembedRecord cleanup = record;
  cleanup.phase = store::ReembedPhase::kCleanup;
  MEMGPT_RETURN_IF_ERROR(job.switch_record(record.to, cleanup));
  // The old vectors go; a crash here leaves them to the next run (the record says where).
  MEMGPT_RETURN_IF_ERROR(old_rows.remove_owner(job.archival, job.owner_field, job.owner_id).status());
  MEMGPT_RETURN_IF_ERROR(meta.delete_reembed(job.owner_id));
  report.to = record.to;
  report.passages = written;
  return report;
}

Result<ReembedReport> ReembedService::reembed_source(const store::SourceRecord& requested, embed::Embedder& target,
                                                     const ReembedOptions& options) {
  MEMGPT_ASSIGN_OR_RETURN(auto guard, sources_.hold(requested));
  MEMGPT_ASSIGN_OR_RETURN(store::SourceRecord source, ctx_.store->get_source(requested.id));  // under the lock
  Job job;
  job.kind = "source";
  job.name = source.name;
  job.owner_id = source.id;
  job.archival = false;
  job.owner_field = "source_id";
  job.from = source_embedder(source);
  store::MetadataStore& meta = *ctx_.store;
  job.switch_record = [&](const store::AgentEmbeddingConfig& to, const store::ReembedRecord& cleanup) {
    return meta.db().transaction([&]() -> Status {
      MEMGPT_ASSIGN_OR_RETURN(store::SourceRecord current, meta.get_source(source.id));
      current.embedding_endpoint_type = to.embedding_endpoint_type;
      current.embedding_model = to.embedding_model;
      current.embedding_dim = to.embedding_dim;
      current.embedding_space = to.embedding_space;
      MEMGPT_RETURN_IF_ERROR(meta.update_source(current));
      return meta.put_reembed(cleanup);
    });
  };
  return run(job, target, options);
}

Result<ReembedReport> ReembedService::reembed_agent(const store::AgentRecord& requested, embed::Embedder& target,
                                                    const ReembedOptions& options) {
  MEMGPT_ASSIGN_OR_RETURN(auto guard, agents_.hold(requested.id));
  MEMGPT_ASSIGN_OR_RETURN(store::AgentRecord agent, ctx_.store->get_agent(requested.id));  // under the lock
  Job job;
  job.kind = "agent";
  job.name = agent.name;
  job.owner_id = agent.id;
  job.archival = true;
  job.owner_field = "agent_id";
  job.from = effective_embedder(agent.embedding_config, *archival_.embedder);
  store::MetadataStore& meta = *ctx_.store;
  job.switch_record = [&](const store::AgentEmbeddingConfig& to, const store::ReembedRecord& cleanup) {
    return meta.db().transaction([&]() -> Status {
      MEMGPT_ASSIGN_OR_RETURN(store::AgentRecord current, meta.get_agent(agent.id));
      current.embedding_config = to;
      MEMGPT_RETURN_IF_ERROR(meta.update_agent(current));
      return meta.put_reembed(cleanup);
    });
  };
  return run(job, target, options);
}

}  // namespace memgpt::runtime
