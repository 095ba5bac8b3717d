// Milvus 2.5's full-text search in a create request: the analyzer of a VarChar field, the BM25
// function of schema.functions and the index of its SparseFloatVector output field
// (docs/storage.md says what `memgpt milvus serve` supports of them).
#include "vector/milvus_rest_full_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

namespace memgpt::vector::milvus_rest {

// Milvus's analyzers: the engine has the "standard" one only (the default).
Status check_analyzer(const Fields& params, const std::string& field) {
  MEMGPT_ASSIGN_OR_RETURN(Fields analyzer, params.object("analyzer_params"));
  for (const char* key : {"type", "tokenizer"}) {
    MEMGPT_ASSIGN_OR_RETURN(std::string value, analyzer.string(key, "standard"));
    if (value != "standard") {
      return invalid_parameter(fmt::format("analyzer {} of field {} is not supported by memgpt's engine: use the "
                                           "standard analyzer (analyzer_params {{\"type\": \"standard\"}})",
                                           value.substr(0, 64), field));
    }
  }
  const Json* filters = analyzer.find("filter");
  const Json* stop_words = analyzer.find("stop_words");
  if ((filters && !(filters->is_array() && filters->empty())) || stop_words) {
    return invalid_parameter(fmt::format("analyzer filters and stop words of field {} are not supported by memgpt's "
                                         "engine: the standard analyzer splits words and lower-cases them",
                                         field));
  }
  return {};
}

// schema.functions: one BM25 function whose output is a SparseFloatVector field of the schema.
Status functions_from_create(const Fields& schema, const std::vector<std::string>& sparse_fields, CollectionSpec& spec) {
  MEMGPT_ASSIGN_OR_RETURN(const Json* functions, schema.array("functions"));
  for (size_t i = 0; functions && i < functions->size(); ++i) {
    std::string path = fmt::format("schema.functions[{}]", i);
    const Json& f = (*functions)[i];
    if (!f.is_object()) return wrong_type(path, "an object", f);
    Fields fn(f, path + ".");
    Bm25Function bm25;
    MEMGPT_ASSIGN_OR_RETURN(bm25.name, fn.required_string("name"));
    MEMGPT_ASSIGN_OR_RETURN(std::string type, fn.required_string("type"));
    if (type != "BM25") {
      return invalid_parameter(fmt::format("function type {} is not supported: memgpt's engine has BM25 functions only",
                                           type.substr(0, 64)));
    }
    if (spec.bm25) return invalid_parameter("memgpt's engine supports one BM25 function per collection");
    MEMGPT_ASSIGN_OR_RETURN(auto inputs, fn.strings("inputFieldNames"));
    MEMGPT_ASSIGN_OR_RETURN(auto outputs, fn.strings("outputFieldNames"));
    if (inputs.size() != 1 || outputs.size() != 1) {
      return invalid_parameter("BM25 function should have exactly one input field and one output field");
    }
    bm25.input_field = inputs[0];
    bm25.output_field = outputs[0];
    if (std::find(sparse_fields.begin(), sparse_fields.end(), bm25.output_field) == sparse_fields.end()) {
      return invalid_parameter(fmt::format("BM25 function output field {} must be a SparseFloatVector field of the "
                                           "schema",
                                           bm25.output_field.substr(0, 255)));
    }
    spec.bm25 = bm25;
  }
  for (const auto& name : sparse_fields) {
    if (!spec.bm25 || name != spec.bm25->output_field) {
      return invalid_parameter(fmt::format("SparseFloatVector field {} is supported only as the output of a BM25 "
                                           "function (memgpt's engine keeps no sparse vectors of its own)",
                                           name.substr(0, 255)));
    }
  }
  return {};
}

// The index of a BM25 function's output: metric BM25, SPARSE_INVERTED_INDEX or AUTOINDEX, and
// the ranking's bm25_k1 and bm25_b (numbers or strings, as Milvus's params maps carry them).
Status bm25_index_from_create(const Fields& index, const Fields& params, Bm25Function& fn) {
  MEMGPT_ASSIGN_OR_RETURN(std::string fallback_metric, params.string("metric_type", "BM25"));
  MEMGPT_ASSIGN_OR_RETURN(std::string metric, index.string("metricType", fallback_metric));
  if (metric != "BM25") {
    return invalid_parameter(fmt::format("the index of BM25 function output field {} needs metric type BM25, not {}",
                                         fn.output_field, metric.substr(0, 64)));
  }
  MEMGPT_ASSIGN_OR_RETURN(std::string fallback_type, params.string("index_type", "SPARSE_INVERTED_INDEX"));
  MEMGPT_ASSIGN_OR_RETURN(fn.index_type, index.string("indexType", fallback_type));
  for (auto [key, target] : {std::pair<const char*, double*>{"bm25_k1", &fn.k1}, {"bm25_b", &fn.b}}) {
    const Json* v = params.find(key);
    if (!v) continue;
    char* end = nullptr;
    std::string text = v->is_string() ? v->get<std::string>() : "";
    double parsed = v->is_number() ? v->get<double>() : std::strtod(text.c_str(), &end);
    if (!v->is_number() && (text.empty() || end != text.c_str() + text.size())) {
      return invalid_parameter(fmt::format("{}: {} is not a number", key, v->dump().substr(0, 64)));
    }
    *target = parsed;
  }
  MEMGPT_ASSIGN_OR_RETURN(std::string algo, params.string("inverted_index_algo", "DAAT_MAXSCORE"));
  if (algo != "DAAT_MAXSCORE" && algo != "DAAT_WAND" && algo != "TAAT_NAIVE") {
    return invalid_parameter(fmt::format("inverted_index_algo {} is invalid: DAAT_MAXSCORE, DAAT_WAND or TAAT_NAIVE",
                                         algo.substr(0, 64)));
  }
  return {};  // every algorithm gives the same top k; the engine's is MaxScore
}

}  // namespace memgpt::vector::milvus_rest
