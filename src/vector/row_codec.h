// The row codec: a Milvus row (a JSON object, field -> value) to the columns of a collection's
// table (embedded_schema.h) and back, and the rules every stored or searched vector follows.
//
// Contract:
//  - encode() checks a whole row before anything is written: the primary key (Int64, or a
//    numeric string for one; VarChar: 1..max_length bytes of UTF-8), each scalar's type, VarChar
//    lengths and UTF-8, Array fields (a JSON array of at most max_capacity elements, each of the
//    element type; stored as JSON text), and the vector (below). Fields outside the schema go to the dynamic JSON
//    object when the collection allows them. Errors carry Milvus codes (1100, 1801 dimension,
//    1802 missing, 1806 primary key type) and name the row.
//  - Vectors: every value must be a number that is finite as a float32 (|x| <= 3.4028235e38;
//    1e39 and NaN are refused, as Milvus does). Subnormal values (e.g. 1e-45) are kept as they
//    are; COSINE normalises in double precision, so a vector of tiny values keeps its direction
//    instead of becoming inf/NaN. For IP and L2 the vector's length must be at most 1e18, so that
//    no distance between two stored or searched vectors overflows float32. A zero vector is kept
//    (COSINE leaves it unnormalised: its similarity to anything is 0).
//  - decode() gives back the requested output fields ("*" = all scalars and dynamic fields); the
//    primary key always. Stored JSON is read with parse_json (damaged text reads as null).
// Thread-safe: a codec is immutable after construction.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "util/json.h"
#include "util/sql.h"
#include "util/status.h"
#include "vector/vector_store.h"

namespace memgpt::vector::embedded {

inline constexpr double kMaxVectorLength = 1e18;  // IP and L2 (see above)

// A row ready for INSERT: values in the table's column order (pk, scalars..., dyn, vec).
struct EncodedRow {
  SqlValue pk;
  std::vector<SqlValue> scalars;
  std::string dyn;
  std::vector<float> vec;
};

class RowCodec {
 public:
  explicit RowCodec(CollectionSpec spec);
  RowCodec(const RowCodec&) = delete;  // holds pointers into its own spec
  RowCodec& operator=(const RowCodec&) = delete;

  // `index` is the row's place in its batch, for messages.
  Status encode(const Json& row, size_t index, EncodedRow& out) const;

  // Columns to SELECT for decode(): rid, pk, scalars..., dyn.
  const std::string& select_list() const { return select_list_; }
  // Column names for INSERT, matching EncodedRow: pk, scalars..., dyn, vec.
  const std::string& insert_columns() const { return insert_columns_; }
  size_t insert_arity() const { return scalars_.size() + 3; }

  Json pk(const SqlRow& r) const;  // from a row selected with select_list()
  // The requested fields of a row selected with select_list(); the vector field, when asked
  // for, comes from `vector_of(rid)`.
  Result<Json> decode(const SqlRow& r, const std::vector<std::string>& wanted,
                      const std::function<Result<Json>(int64_t rid)>& vector_of) const;

 private:
  const CollectionSpec spec_;
  std::vector<const FieldSchema*> scalars_;  // non-pk, non-vector fields in column order
  std::string select_list_;
  std::string insert_columns_;
};

// Converts a JSON array to a vector of `field`'s dim float32 values under the rules above
// (normalised for COSINE). `where` ends its messages, e.g. " of row 3".
Status vector_from_json(const Json& values, const FieldSchema& field, MetricType metric, const std::string& where,
                        std::vector<float>& out);
// Checks a vector given as floats (a search vector) under the same rules, without changing it.
Status check_vector(const std::vector<float>& v, MetricType metric, const std::string& what);
// Scales to unit length in double precision (a zero vector stays zero).
void normalize(std::vector<float>& v);

// Vectors in the table: dim float32 values in host byte order.
std::string vector_blob(const std::vector<float>& v);
std::vector<float> vector_of_blob(const std::string& blob);

}  // namespace memgpt::vector::embedded
