// Passages in Milvus: source passages (what `memgpt load` reads) and agents' archival memory,
// in collections named per embedding dimension (memgpt_passages_<dim>, memgpt_archival_<dim>;
// no zero padding). Schema in docs/storage.md. This is the archival layer the agent uses.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "embed/embedder.h"
#include "sources/chunker.h"
#include "store/metadata_store.h"
#include "util/json.h"
#include "util/status.h"
#include "vector/vector_store.h"

namespace memgpt::sources {

struct Passage {
  std::string id;
  std::string text;
  std::string user_id;
  std::string agent_id;  // archival passages: the owner; source passages: ""
  std::string source_id;
  std::string data_source;  // the source's name
  std::string doc_id;       // e.g. "paper.pdf#page=3"
  int64_t created_at = 0;   // epoch ms
  Json metadata = Json::object();
  std::vector<float> embedding;  // filled on insert when empty
};

struct PassageHit {
  Passage passage;
  double score = 0;
};

struct PassagePage {
  std::vector<PassageHit> hits;
  int64_t total = 0;
};

enum class SearchMode { kHybrid, kVector, kText };
Result<SearchMode> parse_search_mode(const std::string& name);
const char* search_mode_name(SearchMode mode);

// Which collections hold a set of vectors. Loads and new agents write the per-dimension ones
// (memgpt_passages_<dim>, memgpt_archival_<dim>), shared by every embedder of that dimension
// and told apart by the source or agent the rows belong to. A re-embed writes the new vectors
// beside the old ones, so it needs collections of their own even when the dimension does not
// change: the embedder's own (memgpt_passages_<dim>_<model>, named by `tag`).
struct VectorSpace {
  int dim = 0;
  std::string tag;  // "" : the per-dimension collections

  std::string passages_collection() const;
  std::string archival_collection() const;
  bool operator==(const VectorSpace&) const = default;
};
// Where a source's passages are; where an agent's archival memory is (an agent that recorded
// no dimension has the configured one, `configured_dim`).
VectorSpace space_of(const store::SourceRecord& source);
VectorSpace space_of(const store::AgentEmbeddingConfig& embedding, int configured_dim);
// The collections a re-embed with `model` writes: its own (the tag is the model name with
// everything but letters and digits made '_').
VectorSpace own_space(const std::string& model, int dim);

// A stable id from parts (128-bit hash, hex): the same source and text give the same id.
std::string passage_id(std::initializer_list<std::string_view> parts);

// The embedding model's input limit, for chunking (none when the embedder knows none).
ModelLimit model_limit(embed::Embedder& embedder);

// Passages of one vector space (by default the per-dimension collections of the embedder's
// dimension); in() gives the same store on another space. Cheap to copy.
class PassageStore {
 public:
  PassageStore(vector::VectorStore* store, embed::Embedder* embedder)
      : store_(store), embedder_(embedder), space_{embedder->dim(), ""} {}

  // The vector index of the collections ensure_collections() creates: HNSW (float vectors, the
  // default) or HNSW_SQ (the graph keeps 8-bit codes, about a third of the memory, and each
  // search re-ranks its candidates from the stored floats). A collection that exists keeps the
  // index it was created with.
  enum class Index { kHnsw, kHnswSq };
  void set_index(Index index) { index_ = index; }

  // The same store and embedder on the collections of `space`: what is read and written there.
  // Embedding (inserts, vector search) needs an embedder of the space's dimension.
  PassageStore in(const VectorSpace& space) const;
  const VectorSpace& space() const { return space_; }

  int dim() const { return embedder_->dim(); }
  embed::Embedder& embedder() { return *embedder_; }
  vector::VectorStore& vector_store() { return *store_; }
  std::string passages_collection() const;
  std::string archival_collection() const;
  // The collections of passages embedded with `dim` dimensions (a source keeps the dimension
  // it was loaded with, whatever the embedder configured now).
  static std::string passages_collection_for(int dim);
  static std::string archival_collection_for(int dim);
  Status ensure_collections();

  // Source passages (upsert: loading the same text again changes nothing).
  Status upsert_source_passages(std::vector<Passage>& passages);
  Result<int64_t> count_source_passages(const std::string& source_id);
  Result<int64_t> delete_source_passages(const std::string& source_id);
  Result<PassagePage> search_source(const std::string& source_id, const std::string& query,
                                    int64_t offset, int64_t limit, SearchMode mode);
  // The first `limit` passages (at most 16384) in primary-key order, without vectors. There is
  // no offset: a Milvus server refuses offset + limit > 16384; for_each_page walks them all.
  Result<std::vector<Passage>> list_source_passages(const std::string& source_id, int64_t limit);

  // Archival memory of one agent.
  Result<std::vector<std::string>> insert_archival(const std::string& user_id,
                                                   const std::string& agent_id,
                                                   const std::string& text, int chunk_tokens = 300);
  Result<PassagePage> search_archival(const std::string& agent_id, const std::string& query,
                                      int64_t offset, int64_t limit, SearchMode mode = SearchMode::kHybrid);
  Result<int64_t> count_archival(const std::string& agent_id);
  // The same for an agent's archival memory (by time: archival_index).
  Result<std::vector<Passage>> list_archival(const std::string& agent_id, int64_t limit);
  // The agent's passages among `ids`, in the order of `ids` (unknown ids are left out).
  Result<std::vector<Passage>> get_archival(const std::string& agent_id, const std::vector<std::string>& ids);
  // (created_at, id) of every passage of the agent, oldest first: the order clients page in.
  Result<std::vector<std::pair<int64_t, std::string>>> archival_index(const std::string& agent_id);
  Result<int64_t> delete_archival(const std::string& agent_id, const std::vector<std::string>& ids);
  Result<int64_t> delete_agent_archival(const std::string& agent_id);
  // Removes the passages an attach of `source_id` copied into the agent's archival memory.
  Result<int64_t> detach_source(const std::string& source_id, const std::string& agent_id);

  // What removing a source (or one uploaded file of it) took out.
  struct Removed {
    int64_t passages = 0;        // the source's own passages
    int64_t archival_copies = 0; // copies attached agents held in their archival memory
  };
  // Removes a source's passages (from its space) and every agent's copies of them (from the
  // archival collections of its dimension: the per-dimension ones and its model's own, where an
  // agent with the same embedder keeps them). Missing collections hold nothing. Safe to repeat.
  Result<Removed> remove_source_everywhere(const store::SourceRecord& source);
  // The same for the passages of one uploaded file (metadata["file_id"]).
  Result<Removed> remove_file_everywhere(const store::SourceRecord& source, const std::string& file_id);
  // Copies a source's passages (with their embeddings, read from `source_space`) into the
  // archival memory of this store's space; ids derive from agent and passage, so attaching twice
  // adds nothing. Returns passages copied.
  Result<int64_t> attach_source(const VectorSpace& source_space, const std::string& source_id,
                                const std::string& agent_id, const std::string& user_id,
                                const std::function<void(int64_t done, int64_t total)>& progress = nullptr);

  // Every row of a source (filter_field "source_id") or an agent ("agent_id") in this space,
  // every field but the vector (unless `with_embeddings`), handed to `each` a page of at most
  // `page_size` rows at a time, in primary-key order; stops at the first error `each` returns.
  // Pages are asked for by key (`id > <last id>`, no offset), so no set is too large for a
  // Milvus server's query window (vector_store.h, query()). A row written during the walk is
  // seen only when its key comes after the page being read. A missing collection holds no rows.
  Status for_each_page(bool archival, const std::string& filter_field, const std::string& owner_id,
                       int64_t page_size, bool with_embeddings,
                       const std::function<Status(std::vector<Passage>&)>& each);
  // For re-embedding: which of `ids` are stored here; and rows written as they are (vectors
  // included).
  Result<std::vector<std::string>> existing_ids(bool archival, const std::vector<std::string>& ids);
  Status upsert_rows(bool archival, const std::vector<Passage>& passages);
  // Removes every row of the owner (source_id or agent_id) from this space; missing
  // collections hold nothing.
  Result<int64_t> remove_owner(bool archival, const std::string& filter_field, const std::string& owner_id);

 private:
  Result<PassagePage> search(const std::string& collection, const std::string& filter,
                             const std::string& query, int64_t offset, int64_t limit, SearchMode mode);
  Status embed_missing(std::vector<Passage>& passages);
  Json to_row(const Passage& p) const;
  static Passage from_row(const Json& row);

  vector::VectorStore* store_;
  embed::Embedder* embedder_;
  VectorSpace space_;
  Index index_ = Index::kHnsw;
};

}  // namespace memgpt::sources
