// The full-text search parts of a collections/create request (Milvus 2.5): analyzers, BM25
// functions and the BM25 index. Errors carry Milvus codes (1100, 1801, 1802).
#pragma once

#include <string>
#include <vector>

#include "vector/milvus_rest_fields.h"
#include "vector/vector_store.h"

namespace memgpt::vector::milvus_rest {

// elementTypeParams.analyzer_params of `field`: the "standard" analyzer (the default) only.
Status check_analyzer(const Fields& params, const std::string& field);
// schema.functions: at most one, of type BM25, whose output is one of `sparse_fields` (the
// schema's SparseFloatVector fields), each of which must be that output.
Status functions_from_create(const Fields& schema, const std::vector<std::string>& sparse_fields, CollectionSpec& spec);
// An indexParams entry of the function's output field: metric BM25, SPARSE_INVERTED_INDEX or
// AUTOINDEX, bm25_k1 / bm25_b (numbers or strings; the engine checks their ranges) and
// inverted_index_algo.
Status bm25_index_from_create(const Fields& index, const Fields& params, Bm25Function& fn);

}  // namespace memgpt::vector::milvus_rest
