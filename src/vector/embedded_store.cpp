#include "vector/embedded_store.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <hnswlib/hnswlib.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <queue>
#include <shared_mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "util/clock.h"
#include "util/files.h"
#include "util/sql.h"
#include "vector/filter.h"
#include "vector/milvus_errors.h"

namespace memgpt::vector {
namespace {

constexpr int kMaxTopK = 16384;  // Milvus: limit + offset < 16384

bool valid_name(const std::string& s) {
  if (s.empty() || s.size() > 255) return false;
  if (!(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

bool valid_utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    if (n == 2 && c < 0xc2) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    }
    if (n == 3) {
      unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
      if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 >= 0xa0)) return false;
    }
    if (n == 4) {
      unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
      if ((c == 0xf0 && c1 < 0x90) || (c == 0xf4 && c1 >= 0x90) || c > 0xf4) return false;
    }
    i += n;
  }
  return true;
}

std::string quote_ident(const std::string& s) { return "\"" + s + "\""; }
std::string col(const std::string& field) { return quote_ident("f_" + field); }

Json spec_to_json(const CollectionSpec& spec) {
  Json fields = Json::array();
  for (const auto& f : spec.fields) {
    fields.push_back({{"name", f.name},
                      {"type", data_type_name(f.type)},
                      {"primary", f.is_primary},
                      {"partition_key", f.is_partition_key},
                      {"max_length", f.max_length},
                      {"dim", f.dim}});
  }
  return {{"name", spec.name},
          {"fields", fields},
          {"dynamic", spec.enable_dynamic_field},
          {"description", spec.description},
          {"index",
           {{"field", spec.index.field_name},
            {"metric", metric_type_name(spec.index.metric)},
            {"type", spec.index.index_type},
            {"M", spec.index.m},
            {"efConstruction", spec.index.ef_construction}}}};
}

Result<CollectionSpec> spec_from_json(const Json& j) {
  CollectionSpec spec;
  spec.name = j.value("name", "");
  spec.enable_dynamic_field = j.value("dynamic", true);
  spec.description = j.value("description", "");
  for (const auto& f : j.value("fields", Json::array())) {
    FieldSchema fs;
    fs.name = f.value("name", "");
    MEMGPT_ASSIGN_OR_RETURN(fs.type, parse_data_type(f.value("type", "")));
    fs.is_primary = f.value("primary", false);
    fs.is_partition_key = f.value("partition_key", false);
    fs.max_length = f.value("max_length", 65535);
    fs.dim = f.value("dim", 0);
    spec.fields.push_back(fs);
  }
  const Json& idx = j.value("index", Json::object());
  spec.index.field_name = idx.value("field", "");
  MEMGPT_ASSIGN_OR_RETURN(spec.index.metric, parse_metric_type(idx.value("metric", "IP")));
  spec.index.index_type = idx.value("type", "HNSW");
  spec.index.m = idx.value("M", 16);
  spec.index.ef_construction = idx.value("efConstruction", 200);
  return spec;
}

bool same_schema(const CollectionSpec& a, const CollectionSpec& b) {
  Json ja = spec_to_json(a), jb = spec_to_json(b);
  ja.erase("description");
  jb.erase("description");
  return ja == jb;
}

std::string vec_blob(const std::vector<float>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

void normalize(std::vector<float>& v) {
  double n = 0;
  for (float x : v) n += static_cast<double>(x) * x;
  if (n <= 0) return;
  float inv = static_cast<float>(1.0 / std::sqrt(n));
  for (float& x : v) x *= inv;
}

// ---- filter -> SQL -------------------------------------------------------------------------

struct SqlFilter {
  std::string where = "1";
  std::vector<SqlValue> params;
};

SqlValue literal_value(const Json& v) {
  if (v.is_boolean()) return int64_t{v.get<bool>() ? 1 : 0};
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) return v.get<std::string>();
  return nullptr;
}

Result<std::string> field_sql(const CollectionSpec& spec, const FilterNode& node) {
  const FieldSchema* f = spec.field(node.field);
  if (f && f->type == DataType::kFloatVector) {
    return invalid_parameter(fmt::format("cannot filter on vector field {}", node.field));
  }
  // Keys are written into a quoted JSON path label, which has no escapes: a double quote would
  // end the label and a NUL the SQL text, so such keys are refused here (SQLite's error would
  // name the database file).
  for (const auto& k : node.path) {
    if (k.find_first_of(std::string("\"\0", 2)) != std::string::npos) {
      return invalid_parameter(fmt::format("invalid JSON key in filter on {}: a key cannot contain '\"' or a NUL byte",
                                           node.field));
    }
  }
  std::string base;
  if (f && f->is_primary) {
    base = "pk";
  } else if (f) {
    base = col(f->name);
  } else if (spec.enable_dynamic_field) {
    std::string p = "$.\"" + node.field + "\"";
    for (const auto& k : node.path) p += ".\"" + k + "\"";
    std::string esc;
    for (char c : p) esc += c == '\'' ? std::string("''") : std::string(1, c);
    return "json_extract(dyn, '" + esc + "')";
  } else {
    return invalid_parameter(fmt::format("field {} not exist", node.field));
  }
  if (node.path.empty()) return base;
  if (!f || f->type != DataType::kJson) {
    return invalid_parameter(fmt::format("field {} is not a JSON field", node.field));
  }
  std::string p = "$";
  for (const auto& k : node.path) p += ".\"" + k + "\"";
  std::string esc;
  for (char c : p) esc += c == '\'' ? std::string("''") : std::string(1, c);
  return "json_extract(" + base + ", '" + esc + "')";
}

Status to_sql(const CollectionSpec& spec, const FilterNode& node, std::string& out,
              std::vector<SqlValue>& params) {
  switch (node.kind) {
    case FilterNode::Kind::kAnd:
    case FilterNode::Kind::kOr: {
      out += "(";
      MEMGPT_RETURN_IF_ERROR(to_sql(spec, *node.children[0], out, params));
      out += node.kind == FilterNode::Kind::kAnd ? " AND " : " OR ";
      MEMGPT_RETURN_IF_ERROR(to_sql(spec, *node.children[1], out, params));
      out += ")";
      return {};
    }
    case FilterNode::Kind::kNot:
      out += "(NOT ";
      MEMGPT_RETURN_IF_ERROR(to_sql(spec, *node.children[0], out, params));
      out += ")";
      return {};
    case FilterNode::Kind::kCompare: {
      MEMGPT_ASSIGN_OR_RETURN(std::string lhs, field_sql(spec, *node.children[0]));
      std::string op = node.op == "==" ? "=" : node.op;
      // NULL (missing dynamic field) never matches, as in Milvus.
      out += "(" + lhs + " " + op + " ?)";
      params.push_back(literal_value(node.children[1]->value));
      return {};
    }
    case FilterNode::Kind::kIn:
    case FilterNode::Kind::kNotIn: {
      MEMGPT_ASSIGN_OR_RETURN(std::string lhs, field_sql(spec, *node.children[0]));
      const Json& list = node.children[1]->value;
      if (list.empty()) {
        out += node.kind == FilterNode::Kind::kIn ? "(0)" : "(" + lhs + " IS NOT NULL)";
        return {};
      }
      out += "(" + lhs + (node.kind == FilterNode::Kind::kIn ? " IN (" : " NOT IN (");
      for (size_t i = 0; i < list.size(); ++i) {
        out += i ? ", ?" : "?";
        params.push_back(literal_value(list[i]));
      }
      out += "))";
      return {};
    }
    case FilterNode::Kind::kLike: {
      MEMGPT_ASSIGN_OR_RETURN(std::string lhs, field_sql(spec, *node.children[0]));
      // Milvus `like` is case-sensitive with % and _ wildcards: GLOB with the same meaning.
      std::string pat = node.value.get<std::string>(), glob;
      for (size_t i = 0; i < pat.size(); ++i) {
        char c = pat[i];
        if (c == '\\' && i + 1 < pat.size()) {
          char n = pat[++i];
          if (n == '*' || n == '?' || n == '[') glob += std::string("[") + n + "]";
          else glob += n;
        } else if (c == '%') {
          glob += '*';
        } else if (c == '_') {
          glob += '?';
        } else if (c == '*' || c == '?' || c == '[') {
          glob += std::string("[") + c + "]";
        } else {
          glob += c;
        }
      }
      out += "(" + lhs + " GLOB ?)";
      params.push_back(glob);
      return {};
    }
    case FilterNode::Kind::kLiteral:
      out += node.value.is_boolean() && node.value.get<bool>() ? "(1)" : "(0)";
      return {};
    default:
      return invalid_parameter("unsupported filter node");
  }
}

Result<SqlFilter> compile_filter(const CollectionSpec& spec, const std::string& expr) {
  SqlFilter f;
  MEMGPT_ASSIGN_OR_RETURN(auto tree, parse_filter(expr));
  if (!tree) return f;
  f.where.clear();
  Status s = to_sql(spec, *tree, f.where, f.params);
  if (!s.ok()) {
    return invalid_parameter(
        fmt::format("cannot parse expression: {}, error: {}", expr, s.message()));
  }
  return f;
}

// ---- graph file -----------------------------------------------------------------------------

using Graph = hnswlib::HierarchicalNSW<float>;

// An hnswlib graph whose level-0 block (vectors and base-layer links, nearly all of its bytes)
// may be a private mapping of the saved file: copying 1.7 GB into fresh heap pages costs
// seconds of page faults, a mapping shares the page cache and copies only pages that change.
// hnswlib frees and reallocs that block itself, so it moves to the heap before a resize and is
// unmapped before the graph is destroyed.
class GraphHolder {
 public:
  GraphHolder() = default;
  GraphHolder(const GraphHolder&) = delete;
  GraphHolder(GraphHolder&& other) noexcept { *this = std::move(other); }
  GraphHolder& operator=(const GraphHolder&) = delete;
  ~GraphHolder() { reset(); }
  GraphHolder& operator=(std::unique_ptr<Graph> g) {
    reset();
    graph_ = std::move(g);
    return *this;
  }
  GraphHolder& operator=(GraphHolder&& other) noexcept {
    reset();
    graph_ = std::move(other.graph_);
    std::swap(map_, other.map_);
    std::swap(map_size_, other.map_size_);
    return *this;
  }
  // The graph's level-0 block now lies inside [base, base + size), mapped by the caller.
  void adopt_mapping(void* base, size_t size) {
    map_ = base;
    map_size_ = size;
  }
  void reset() {
    if (map_) {
      graph_->data_level0_memory_ = nullptr;  // hnswlib's destructor frees it
      ::munmap(map_, map_size_);
      map_ = nullptr;
    }
    graph_.reset();
  }
  void resize(size_t max_elements) {
    if (map_) {
      size_t bytes = graph_->cur_element_count * graph_->size_data_per_element_;
      char* heap = static_cast<char*>(std::malloc(std::max<size_t>(bytes, 1)));
      if (!heap) throw std::bad_alloc();
      std::memcpy(heap, graph_->data_level0_memory_, bytes);
      graph_->data_level0_memory_ = heap;
      ::munmap(map_, map_size_);
      map_ = nullptr;
    }
    graph_->resizeIndex(max_elements);
  }
  Graph* get() const { return graph_.get(); }
  Graph* operator->() const { return graph_.get(); }
  explicit operator bool() const { return graph_ != nullptr; }

 private:
  std::unique_ptr<Graph> graph_;
  void* map_ = nullptr;
  size_t map_size_ = 0;
};

// Loads a graph written by hnswlib's saveIndex. hnswlib 0.6.2's own loadIndex makes several
// system calls per element (about 6 s for a million) and copies every byte, so this maps the
// file and parses it in place. Every size and neighbour id is checked (which also brings each
// page in now rather than during the first searches): a damaged file gives an empty holder
// (the caller rebuilds), never a graph that reads out of bounds.
GraphHolder load_graph(const std::string& path, hnswlib::SpaceInterface<float>* space, int m,
                       int ef_construction) {
  GraphHolder out;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  auto read_all = [fd](char* dst, size_t n) {
    while (n > 0) {
      ssize_t got = ::read(fd, dst, std::min<size_t>(n, size_t{1} << 30));
      if (got <= 0) return false;
      dst += got;
      n -= static_cast<size_t>(got);
    }
    return true;
  };
  struct Header {
    size_t offset_level0, max_elements, count, size_per_element, label_offset, offset_data;
    int max_level;
    hnswlib::tableint enter_point;
    size_t max_m, max_m0, m;
    double mult;
    size_t ef_construction;
  } hd{};
  // Field by field, as saveIndex writes them (no padding between).
  char raw[8 * 6 + 4 + 4 + 8 * 3 + 8 + 8];
  if (!read_all(raw, sizeof raw)) return out;
  size_t pos = 0;
  auto take = [&](auto& field) {
    std::memcpy(&field, raw + pos, sizeof field);
    pos += sizeof field;
  };
  take(hd.offset_level0), take(hd.max_elements), take(hd.count), take(hd.size_per_element);
  take(hd.label_offset), take(hd.offset_data), take(hd.max_level), take(hd.enter_point);
  take(hd.max_m), take(hd.max_m0), take(hd.m), take(hd.mult), take(hd.ef_construction);
  size_t data_size = space->get_data_size();
  size_t links0 = hd.max_m0 * sizeof(hnswlib::tableint) + sizeof(hnswlib::linklistsizeint);
  if (hd.m != static_cast<size_t>(m) || hd.max_m != hd.m || hd.max_m0 != 2 * hd.m || hd.offset_level0 != 0 ||
      hd.offset_data != links0 || hd.label_offset != links0 + data_size ||
      hd.size_per_element != links0 + data_size + sizeof(hnswlib::labeltype) || hd.count > (size_t{1} << 32) ||
      (hd.count > 0 && (hd.enter_point >= hd.count || hd.max_level < 0 || hd.max_level > 64))) {
    return out;
  }
  struct stat st{};
  if (::fstat(fd, &st) != 0) return out;
  size_t file_size = static_cast<size_t>(st.st_size);
  size_t level0_bytes = hd.count * hd.size_per_element;
  if (file_size < sizeof raw + level0_bytes + 4 * hd.count) return out;

  void* base = ::mmap(nullptr, file_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  if (base == MAP_FAILED) return GraphHolder();
  out = std::make_unique<Graph>(space, std::max<size_t>(hd.count, 1), hd.m, static_cast<size_t>(ef_construction));
  Graph* g = out.get();
  std::free(g->data_level0_memory_);
  g->data_level0_memory_ = static_cast<char*>(base) + sizeof raw;
  out.adopt_mapping(base, file_size);
  ::madvise(base, file_size, MADV_WILLNEED);
  g->ef_construction_ = hd.ef_construction;
  g->mult_ = hd.mult;
  g->revSize_ = 1.0 / hd.mult;
  std::string_view tail(static_cast<const char*>(base) + sizeof raw + level0_bytes,
                        file_size - sizeof raw - level0_bytes);
  // From here the destructor frees exactly the link lists whose level is set.
  g->cur_element_count = hd.count;
  size_t links = g->size_links_per_element_;
  auto links_ok = [&](const char* list, size_t max_count) {
    hnswlib::linklistsizeint n;
    std::memcpy(&n, list, sizeof n);
    n &= 0xffff;  // the upper bytes hold the deletion mark
    if (n > max_count) return false;
    const char* ids = list + sizeof n;
    for (size_t j = 0; j < n; ++j) {
      hnswlib::tableint id;
      std::memcpy(&id, ids + j * sizeof id, sizeof id);
      if (id >= hd.count) return false;
    }
    return true;
  };
  size_t at = 0;
  for (size_t i = 0; i < hd.count; ++i) {
    if (!links_ok(g->data_level0_memory_ + i * hd.size_per_element, hd.max_m0)) return GraphHolder();
    uint32_t size;
    if (tail.size() - at < sizeof size) return GraphHolder();
    std::memcpy(&size, tail.data() + at, sizeof size);
    at += sizeof size;
    if (size == 0) {
      g->element_levels_[i] = 0;
      g->linkLists_[i] = nullptr;
      continue;
    }
    if (size % links != 0 || size / links > static_cast<size_t>(hd.max_level) || tail.size() - at < size) {
      return GraphHolder();
    }
    char* list = static_cast<char*>(std::malloc(size));
    if (!list) return GraphHolder();
    std::memcpy(list, tail.data() + at, size);
    at += size;
    g->linkLists_[i] = list;
    g->element_levels_[i] = static_cast<int>(size / links);
    for (size_t l = 0; l < size / links; ++l) {
      if (!links_ok(list + l * links, hd.max_m)) return GraphHolder();
    }
  }
  if (at != tail.size()) return GraphHolder();
  g->maxlevel_ = hd.count ? hd.max_level : -1;
  g->enterpoint_node_ = hd.count ? hd.enter_point : static_cast<hnswlib::tableint>(-1);
  if (hd.count && g->element_levels_[hd.enter_point] != hd.max_level) return GraphHolder();
  g->label_lookup_.reserve(hd.count);
  g->num_deleted_ = 0;
  for (size_t i = 0; i < hd.count; ++i) {
    g->label_lookup_[g->getExternalLabel(static_cast<hnswlib::tableint>(i))] = static_cast<hnswlib::tableint>(i);
    if (g->isMarkedDeleted(static_cast<hnswlib::tableint>(i))) ++g->num_deleted_;
  }
  if (g->label_lookup_.size() != hd.count) return GraphHolder();
  return out;
}

// ---- per-collection state -----------------------------------------------------------------

// Primary keys by row id, so a search for ids needs no SQL. Dense vectors indexed by rid:
// rids are SQLite AUTOINCREMENT values (1, 2, ...), and a vector loads and looks up far faster
// than a hash map of a million entries.
class KeyTable {
 public:
  void reset(bool int_keys) {
    int_keys_ = int_keys;
    ints_.clear();
    strs_.clear();
    present_.clear();
    size_ = 0;
  }
  void set(int64_t rid, const SqlRow& r, size_t col) {
    if (rid <= 0) return;
    auto i = static_cast<size_t>(rid);
    if (i >= present_.size()) grow(i + 1);
    if (int_keys_) ints_[i] = r.integer(col);
    else strs_[i] = r.text(col);
    if (!present_[i]) ++size_;
    present_[i] = 1;
  }
  void erase(int64_t rid) {
    auto i = static_cast<size_t>(rid);
    if (rid <= 0 || i >= present_.size() || !present_[i]) return;
    present_[i] = 0;
    --size_;
    if (!int_keys_) std::string().swap(strs_[i]);
  }
  bool find(int64_t rid, Json& out) const {
    auto i = static_cast<size_t>(rid);
    if (rid <= 0 || i >= present_.size() || !present_[i]) return false;
    if (int_keys_) out = ints_[i];
    else out = strs_[i];
    return true;
  }
  size_t size() const { return size_; }

  // Binary image: "MGKEYS1\0", u64 stamp length, stamp, u8 int_keys, u64 entries, then per
  // entry i64 rid and either i64 key or u32 length + bytes. The stamp ties it to one index save.
  std::string serialize(const std::string& stamp) const {
    std::string out("MGKEYS1", 8);
    put<uint64_t>(out, stamp.size());
    out += stamp;
    put<uint8_t>(out, int_keys_ ? 1 : 0);
    put<uint64_t>(out, size_);
    for (size_t i = 0; i < present_.size(); ++i) {
      if (!present_[i]) continue;
      put<int64_t>(out, static_cast<int64_t>(i));
      if (int_keys_) {
        put<int64_t>(out, ints_[i]);
      } else {
        put<uint32_t>(out, static_cast<uint32_t>(strs_[i].size()));
        out += strs_[i];
      }
    }
    return out;
  }
  // False (table left empty) when the image is damaged or belongs to another save.
  bool parse(std::string_view in, const std::string& stamp, bool int_keys) {
    reset(int_keys);
    size_t pos = 0;
    auto ok = [&] {
      if (in.size() < 8 || in.substr(0, 8) != std::string_view("MGKEYS1", 8)) return false;
      pos = 8;
      uint64_t n = 0, len = 0;
      uint8_t flag = 0;
      if (!get(in, pos, len) || len != stamp.size() || in.size() - pos < len ||
          in.substr(pos, len) != stamp) {
        return false;
      }
      pos += len;
      if (!get(in, pos, flag) || (flag != 0) != int_keys || !get(in, pos, n)) return false;
      for (uint64_t e = 0; e < n; ++e) {
        int64_t rid = 0;
        if (!get(in, pos, rid) || rid <= 0 || rid > (int64_t{1} << 40)) return false;
        auto i = static_cast<size_t>(rid);
        if (i >= present_.size()) grow(std::max(i + 1, present_.size() * 2));
        if (int_keys) {
          if (!get(in, pos, ints_[i])) return false;
        } else {
          uint32_t sl = 0;
          if (!get(in, pos, sl) || in.size() - pos < sl) return false;
          strs_[i].assign(in.substr(pos, sl));
          pos += sl;
        }
        if (!present_[i]) ++size_;
        present_[i] = 1;
      }
      return pos == in.size();
    }();
    if (!ok) reset(int_keys);
    return ok;
  }

 private:
  void grow(size_t n) {
    present_.resize(n, 0);
    if (int_keys_) ints_.resize(n, 0);
    else strs_.resize(n);
  }
  template <typename T>
  static void put(std::string& out, T v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  template <typename T>
  static bool get(std::string_view in, size_t& pos, T& v) {
    if (in.size() - pos < sizeof v) return false;
    std::memcpy(&v, in.data() + pos, sizeof v);
    pos += sizeof v;
    return true;
  }

  bool int_keys_ = true;
  std::vector<int64_t> ints_;
  std::vector<std::string> strs_;
  std::vector<uint8_t> present_;
  size_t size_ = 0;
};

// The rows matching one filter, resolved against the graph.
struct FilterRows {
  int64_t matching = 0;                // rows the filter selects
  std::vector<hnswlib::tableint> ids;  // graph ids of the matching live rows (exact plan)
  std::vector<bool> allowed;           // by rid (filtered graph plan)
  // ids and allowed are left empty when most rows match (that plan filters hits by SQL).
};

struct Collection {
  CollectionSpec spec;
  std::string uid;
  std::string table;  // "c_<name>"
  std::string fts;    // "t_<name>" or "" when there is no text field
  std::vector<const FieldSchema*> scalars;  // non-pk, non-vector fields in column order
  std::unique_ptr<hnswlib::SpaceInterface<float>> space;
  GraphHolder hnsw;
  int64_t applied_rowid = 0;
  int64_t applied_tomb = 0;
  int64_t seen_data_version = -1;  // SQLite's data_version when last caught up
  KeyTable keys;
  // Rows matching recent filters (memgpt repeats `agent_id == ...`), valid while the collection
  // is unchanged (generation counts catch-ups that changed something).
  int64_t generation = 0;
  struct CachedFilter {
    int64_t generation;
    std::shared_ptr<const FilterRows> rows;  // shared: searches use it without copying
  };
  std::unordered_map<std::string, CachedFilter> filter_cache;
  std::shared_mutex mu;  // shared: searches; exclusive: index changes
};

}  // namespace

// A compiled filter as a cache key: its SQL and its parameters.
std::string filter_key(const SqlFilter& f) {
  std::string key = f.where;
  for (const auto& v : f.params) {
    key += '\x1f';
    if (auto i = std::get_if<int64_t>(&v)) key += std::to_string(*i);
    else if (auto d = std::get_if<double>(&v)) key += std::to_string(*d);
    else if (auto t = std::get_if<std::string>(&v)) key += *t;
  }
  return key;
}

class EmbeddedStore final : public VectorStore {
 public:
  EmbeddedStore(std::string path, std::unique_ptr<SqlDatabase> db, const EmbeddedOptions& options)
      : path_(std::move(path)), db_(std::move(db)), options_(options) {}

  ~EmbeddedStore() override {
    if (!options_.save_index_on_close) return;
    std::lock_guard lock(collections_mu_);
    for (auto& [name, c] : collections_) (void)save_index(*c);
  }

  Status init() {
    MEMGPT_RETURN_IF_ERROR(db_->exec_script(
        "PRAGMA case_sensitive_like = ON;"
        "CREATE TABLE IF NOT EXISTS _collections (name TEXT PRIMARY KEY, uid TEXT NOT NULL, "
        "spec TEXT NOT NULL, created_at INTEGER NOT NULL);"
        "CREATE TABLE IF NOT EXISTS _tombstones (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
        "collection TEXT NOT NULL, rid INTEGER NOT NULL);"
        "CREATE INDEX IF NOT EXISTS _tombstones_by_collection ON _tombstones (collection, seq);"));
    return {};
  }

  std::string uri() const override { return path_; }

  // ---- collections ----

  Status create_collection(const CollectionSpec& in) override {
    CollectionSpec spec = in;
    MEMGPT_RETURN_IF_ERROR(validate_spec(spec));
    return db_->transaction([&]() -> Status {
      std::vector<SqlValue> p{spec.name};
      MEMGPT_ASSIGN_OR_RETURN(auto rows, db_->query("SELECT spec FROM _collections WHERE name = ?", p));
      if (!rows.empty()) {
        MEMGPT_ASSIGN_OR_RETURN(CollectionSpec existing, spec_from_json(Json::parse(rows[0].text(0))));
        if (same_schema(existing, spec)) return {};
        return milvus_error(ErrorCode::kAlreadyExists, kInvalidParameter,
                            fmt::format("collection {} already exists with a different schema",
                                        spec.name));
      }
      std::string table = quote_ident("c_" + spec.name);
      const FieldSchema* pk = spec.primary_field();
      std::string ddl = fmt::format(
          "CREATE TABLE {} (rid INTEGER PRIMARY KEY AUTOINCREMENT, pk {} NOT NULL UNIQUE",
          table, pk->type == DataType::kInt64 ? "INTEGER" : "TEXT");
      const FieldSchema* text = nullptr;
      for (const auto& f : spec.fields) {
        if (f.is_primary || f.type == DataType::kFloatVector) continue;
        const char* type = f.type == DataType::kVarChar || f.type == DataType::kJson ? "TEXT"
                           : f.type == DataType::kFloat || f.type == DataType::kDouble ? "REAL"
                                                                                         : "INTEGER";
        ddl += fmt::format(", {} {}", col(f.name), type);
        if (f.type == DataType::kVarChar && f.name == "text") text = &f;
      }
      ddl += ", dyn TEXT NOT NULL DEFAULT '{}', vec BLOB NOT NULL);";
      for (const auto& f : spec.fields) {
        if (f.is_partition_key) {
          ddl += fmt::format("CREATE INDEX {} ON {} ({});", quote_ident("i_" + spec.name + "_" + f.name),
                             table, col(f.name));
        }
      }
      if (text) {
        std::string fts = quote_ident("t_" + spec.name);
        std::string tc = col(text->name);
        ddl += fmt::format(
            "CREATE VIRTUAL TABLE {0} USING fts5({1}, content='c_{2}', content_rowid='rid', "
            "tokenize='porter unicode61 remove_diacritics 2');"
            "CREATE TRIGGER {3} AFTER INSERT ON {4} BEGIN INSERT INTO {0} (rowid, {1}) VALUES "
            "(new.rid, new.{1}); END;"
            "CREATE TRIGGER {5} AFTER DELETE ON {4} BEGIN INSERT INTO {0} ({0}, rowid, {1}) "
            "VALUES ('delete', old.rid, old.{1}); END;",
            fts, tc, spec.name, quote_ident("ti_" + spec.name), table, quote_ident("td_" + spec.name));
      }
      MEMGPT_RETURN_IF_ERROR(db_->exec_script(ddl));
      std::vector<SqlValue> ins{spec.name, new_uuid(), spec_to_json(spec).dump(),
                                SystemClock::instance().now_ms()};
      return db_->exec("INSERT INTO _collections (name, uid, spec, created_at) VALUES (?, ?, ?, ?)", ins)
          .status();
    });
  }

  Result<bool> has_collection(const std::string& name) override {
    std::vector<SqlValue> p{name};
    MEMGPT_ASSIGN_OR_RETURN(auto rows, db_->query("SELECT 1 FROM _collections WHERE name = ?", p));
    return !rows.empty();
  }

  Result<CollectionSpec> describe_collection(const std::string& name) override {
    MEMGPT_ASSIGN_OR_RETURN(Collection * c, collection(name, false));
    return c->spec;
  }

  Result<std::vector<std::string>> list_collections() override {
    MEMGPT_ASSIGN_OR_RETURN(auto rows, db_->query("SELECT name FROM _collections ORDER BY name"));
    std::vector<std::string> out;
    for (const auto& r : rows) out.push_back(r.text(0));
    return out;
  }

  Status drop_collection(const std::string& name) override {
    WriteMark mark(local_writes_);
    MEMGPT_ASSIGN_OR_RETURN(bool has, has_collection(name));
    if (!has) return collection_not_found(name);
    {
      std::lock_guard lock(collections_mu_);
      collections_.erase(name);
    }
    Status s = db_->transaction([&]() -> Status {
      MEMGPT_RETURN_IF_ERROR(db_->exec_script(
          fmt::format("DROP TABLE IF EXISTS {}; DROP TABLE IF EXISTS {};",
                      quote_ident("t_" + name), quote_ident("c_" + name))));
      std::vector<SqlValue> p{name};
      MEMGPT_RETURN_IF_ERROR(db_->exec("DELETE FROM _tombstones WHERE collection = ?", p).status());
      return db_->exec("DELETE FROM _collections WHERE name = ?", p).status();
    });
    std::error_code ec;
    std::filesystem::remove(index_path(name), ec);
    std::filesystem::remove(index_path(name) + ".meta", ec);
    std::filesystem::remove(index_path(name) + ".keys", ec);
    return s;
  }

  // ---- writes ----

  Result<int64_t> insert(const std::string& collection_name, const std::vector<Json>& rows) override {
    WriteMark mark(local_writes_);
    return write(collection_name, rows, false);
  }

  Result<int64_t> upsert(const std::string& collection_name, const std::vector<Json>& rows) override {
    WriteMark mark(local_writes_);
    return write(collection_name, rows, true);
  }

  Result<int64_t> remove(const std::string& name, const std::string& filter) override {
    WriteMark mark(local_writes_);
    MEMGPT_ASSIGN_OR_RETURN(Collection * c, collection(name, true));
    MEMGPT_ASSIGN_OR_RETURN(SqlFilter f, compile_filter(c->spec, filter));
    int64_t removed = 0;
    Status s = db_->transaction([&]() -> Status {
      MEMGPT_ASSIGN_OR_RETURN(
          auto rids, db_->query(fmt::format("SELECT rid FROM {} WHERE {}", c->table, f.where), f.params));
      for (const auto& r : rids) {
        std::vector<SqlValue> p{r.integer(0)};
        MEMGPT_RETURN_IF_ERROR(db_->exec(fmt::format("DELETE FROM {} WHERE rid = ?", c->table), p).status());
        std::vector<SqlValue> t{name, r.integer(0)};
        MEMGPT_RETURN_IF_ERROR(db_->exec("INSERT INTO _tombstones (collection, rid) VALUES (?, ?)", t).status());
      }
      removed = static_cast<int64_t>(rids.size());
      return {};
    });
    MEMGPT_RETURN_IF_ERROR(s);
    MEMGPT_RETURN_IF_ERROR(catch_up(*c, true));
    return removed;
  }

  Result<int64_t> remove_ids(const std::string& name, const std::vector<Json>& ids) override {
    if (ids.empty()) return int64_t{0};
    MEMGPT_ASSIGN_OR_RETURN(Collection * c, collection(name, false));
    return remove(name, ids_filter(c->spec.primary_field()->name, ids));
  }

  // ---- reads ----

  Result<std::vector<Json>> query(const std::string& name, const QueryRequest& req) override {
    MEMGPT_ASSIGN_OR_RETURN(Collection * c, collection(name, false));
    MEMGPT_ASSIGN_OR_RETURN(SqlFilter f, compile_filter(c->spec, req.filter));
    if (req.output_fields.size() == 1 && req.output_fields[0] == "count(*)") {
      MEMGPT_ASSIGN_OR_RETURN(int64_t n, count_where(*c, f));
      return std::vector<Json>{Json{{"count(*)", n}}};
    }
    if (req.offset < 0) return invalid_parameter("offset must be non-negative");
    std::vector<SqlValue> params = f.params;
    params.push_back(req.limit < 0 ? std::numeric_limits<int64_t>::max() : req.limit);
    params.push_back(req.offset);
    MEMGPT_ASSIGN_OR_RETURN(
        auto rows, db_->query(fmt::format("SELECT {} FROM {} WHERE {} ORDER BY rid LIMIT ? OFFSET ?",
                                          select_list(*c), c->table, f.where),
                              params));
    std::vector<Json> out;
    for (const auto& r : rows) {
      MEMGPT_ASSIGN_OR_RETURN(Json j, row_json(*c, r, req.output_fields));
      out.push_back(std::move(j));
    }
    return out;
  }

  Result<std::vector<Json>> get(const std::string& name, const std::vector<Json>& ids,
                                const std::vector<std::string>& output_fields) override {
    if (ids.empty()) return std::vector<Json>{};
    MEMGPT_ASSIGN_OR_RETURN(Collection * c, collection(name, false));
    QueryRequest q;
    q.filter = ids_filter(c->spec.primary_field()->name, ids);
    q.output_fields = output_fields;
    return query(name, q);
  }

  Result<int64_t> count(const std::string& name, const std::string& filter) override {
    MEMGPT_ASSIGN_OR_RETURN(Collection * c, collection(name, false));
    MEMGPT_ASSIGN_OR_RETURN(SqlFilter f, compile_filter(c->spec, filter));
    // The agent shows its archival size in every prompt: a repeated count is answered from a
    // cache while neither this process (write marks) nor another (SQLite's data_version) has
    // written since. Counting 100k rows of one agent costs ~10 ms per step otherwise.
    std::string key = c->uid + '\x1e' + filter_key(f);
    int64_t writes = local_writes_.load();
    MEMGPT_ASSIGN_OR_RETURN(auto dv, db_->query("PRAGMA data_version"));
    int64_t version = dv[0].integer(0);
    {
      std::lock_guard lock(filter_cache_mu_);
      auto it = count_cache_.find(key);
      if (it != count_cache_.end() && it->second.writes == writes && it->second.data_version == version) {
        return it->second.n;
      }
    }
    MEMGPT_ASSIGN_OR_RETURN(int64_t n, count_where(*c, f));
    std::lock_guard lock(filter_cache_mu_);
    if (count_cache_.size() >= 64) count_cache_.clear();
    count_cache_[key] = {writes, version, n};
    return n;
  }

  Result<std::vector<SearchHit>> search(const std::string& name, const SearchRequest& req) override {
    MEMGPT_ASSIGN_OR_RETURN(Collection * c, collection(name, true));
    if (req.limit <= 0) return invalid_parameter("limit must be positive");
    if (req.offset < 0) return invalid_parameter("offset must be non-negative");
    if (req.limit + req.offset >= kMaxTopK) {
      return invalid_parameter(fmt::format("topk [{}] is invalid, it should be in range [1, {}]",
                                           req.limit + req.offset, kMaxTopK - 1));
    }
    int dim = c->spec.dim();
    bool keyword_only = req.vector.empty() && req.text_query && !req.text_query->empty();
    if (!keyword_only && static_cast<int>(req.vector.size()) != dim) {
      return milvus_error(ErrorCode::kInvalidArgument, kInvalidJson,
                          fmt::format("the dim ({}) of field data({}) is not equal to schema dim ({})",
                                      req.vector.size(), c->spec.vector_field()->name, dim));
    }
    SqlFilter f;  // no filter: nothing to parse on the hot path
    if (!req.filter.empty()) {
      MEMGPT_ASSIGN_OR_RETURN(f, compile_filter(c->spec, req.filter));
    }
    std::vector<float> normalized;  // a copy only when the metric needs one
    if (c->spec.index.metric == MetricType::kCosine) {
      normalized = req.vector;
      normalize(normalized);
    }
    const std::vector<float>& q = normalized.empty() ? req.vector : normalized;
    size_t k = static_cast<size_t>(req.limit + req.offset);

    std::vector<std::pair<double, int64_t>> ranked;  // (score, rid), best first
    if (keyword_only) {
      if (c->fts.empty()) {
        return invalid_parameter(fmt::format("collection {} has no text field for keyword search",
                                             name));
      }
      MEMGPT_ASSIGN_OR_RETURN(auto text_hits, text_search(*c, *req.text_query, k, f));
      for (const auto& [rid, score] : text_hits) ranked.emplace_back(score, rid);
    } else if (req.text_query && !req.text_query->empty()) {
      if (c->fts.empty()) {
        return invalid_parameter(fmt::format("collection {} has no text field for keyword search",
                                             name));
      }
      size_t depth = std::max<size_t>(k * 4, 50);
      MEMGPT_ASSIGN_OR_RETURN(auto vec_hits, vector_search(*c, q, depth, req.ef, f));
      MEMGPT_ASSIGN_OR_RETURN(auto text_hits, text_search(*c, *req.text_query, depth, f));
      std::unordered_map<int64_t, double> fused;
      for (size_t i = 0; i < vec_hits.size(); ++i) {
        fused[vec_hits[i].second] += req.vector_weight / (req.rrf_k + i + 1);
      }
      for (size_t i = 0; i < text_hits.size(); ++i) {
        fused[text_hits[i].first] += req.text_weight / (req.rrf_k + i + 1);
      }
      for (const auto& [rid, score] : fused) ranked.emplace_back(score, rid);
      std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
      });
    } else {
      MEMGPT_ASSIGN_OR_RETURN(auto hits, vector_search(*c, q, k, req.ef, f));
      for (const auto& [d, rid] : hits) {
        double score = c->spec.index.metric == MetricType::kL2 ? d : 1.0 - d;
        ranked.emplace_back(score, rid);
      }
    }
    if (ranked.size() <= static_cast<size_t>(req.offset)) return std::vector<SearchHit>{};
    ranked.erase(ranked.begin(), ranked.begin() + req.offset);
    if (ranked.size() > static_cast<size_t>(req.limit)) ranked.resize(static_cast<size_t>(req.limit));

    std::vector<SearchHit> out;
    if (req.output_fields.empty()) {
      // Ids only: answered from memory.
      std::shared_lock lock(c->mu);
      out.reserve(ranked.size());
      Json id;
      for (const auto& [score, rid] : ranked) {
        if (!c->keys.find(rid, id)) continue;
        out.push_back({std::move(id), score, Json::object()});
      }
      return out;
    }
    // Fetch the rows of the hits.
    std::string marks;
    std::vector<SqlValue> p;
    for (const auto& [score, rid] : ranked) {
      marks += marks.empty() ? "?" : ", ?";
      p.emplace_back(rid);
    }
    MEMGPT_ASSIGN_OR_RETURN(
        auto rows, db_->query(fmt::format("SELECT {} FROM {} WHERE rid IN ({})", select_list(*c),
                                          c->table, marks),
                              p));
    std::unordered_map<int64_t, size_t> by_rid;
    for (size_t i = 0; i < rows.size(); ++i) by_rid[rows[i].integer(0)] = i;
    for (const auto& [score, rid] : ranked) {
      auto it = by_rid.find(rid);
      if (it == by_rid.end()) continue;  // deleted meanwhile
      const SqlRow& r = rows[it->second];
      SearchHit hit;
      hit.id = pk_json(*c, r);
      hit.distance = score;
      MEMGPT_ASSIGN_OR_RETURN(hit.fields, row_json(*c, r, req.output_fields));
      hit.fields.erase(c->spec.primary_field()->name);
      out.push_back(std::move(hit));
    }
    return out;
  }

 private:
  std::string index_path(const std::string& name) const { return path_ + "." + name + ".hnsw"; }

  Status validate_spec(CollectionSpec& spec) {
    if (!valid_name(spec.name)) {
      return invalid_parameter(fmt::format(
          "collection name '{}' is invalid: use letters, digits and '_', starting with a letter "
          "or '_', at most 255 characters",
          spec.name));
    }
    int primaries = 0, vectors = 0;
    std::unordered_set<std::string> names;
    for (auto& f : spec.fields) {
      if (!valid_name(f.name)) return invalid_parameter(fmt::format("field name '{}' is invalid", f.name));
      if (!names.insert(f.name).second) return invalid_parameter(fmt::format("duplicate field {}", f.name));
      if (f.is_primary) {
        ++primaries;
        if (f.type != DataType::kInt64 && f.type != DataType::kVarChar) {
          return milvus_error(ErrorCode::kInvalidArgument, kBadPrimaryKeyType,
                              "the primary key must be Int64 or VarChar");
        }
      }
      if (f.type == DataType::kFloatVector) {
        ++vectors;
        if (f.dim <= 0 || f.dim > 32768) {
          return invalid_parameter(fmt::format("invalid dimension {} of vector field {}", f.dim, f.name));
        }
      }
      if (f.type == DataType::kVarChar && (f.max_length <= 0 || f.max_length > 65535)) {
        return invalid_parameter(fmt::format("max_length of {} must be in [1, 65535]", f.name));
      }
    }
    if (primaries != 1) return invalid_parameter("a collection needs exactly one primary key field");
    if (vectors != 1) return invalid_parameter("a collection needs exactly one FloatVector field");
    if (spec.index.field_name.empty()) spec.index.field_name = spec.vector_field()->name;
    if (spec.index.field_name != spec.vector_field()->name) {
      return invalid_parameter(fmt::format("index field {} is not the vector field", spec.index.field_name));
    }
    if (spec.index.m < 2 || spec.index.m > 2048 || spec.index.ef_construction < 1) {
      return invalid_parameter("HNSW parameters out of range (M in [2, 2048], efConstruction >= 1)");
    }
    return {};
  }

  // Loads a collection's state (and, with `index`, its graph caught up with the file).
  Result<Collection*> collection(const std::string& name, bool index) {
    Collection* c = nullptr;
    {
      std::lock_guard lock(collections_mu_);
      auto it = collections_.find(name);
      if (it != collections_.end()) c = it->second.get();
    }
    if (c && index) {
      // Nothing committed by another connection since the last catch-up: the cached state and
      // graph are current (this process's own writes catch up as they commit).
      MEMGPT_ASSIGN_OR_RETURN(auto dv, db_->query("PRAGMA data_version"));
      std::shared_lock read(c->mu);
      if (c->hnsw && dv[0].integer(0) == c->seen_data_version) return c;
    }
    std::vector<SqlValue> p{name};
    MEMGPT_ASSIGN_OR_RETURN(auto rows, db_->query("SELECT uid, spec FROM _collections WHERE name = ?", p));
    if (rows.empty()) {
      std::lock_guard lock(collections_mu_);
      collections_.erase(name);
      return collection_not_found(name);
    }
    if (!c || c->uid != rows[0].text(0)) {
      // New to this process, or dropped and re-created by another one.
      auto fresh = std::make_unique<Collection>();
      MEMGPT_ASSIGN_OR_RETURN(fresh->spec, spec_from_json(Json::parse(rows[0].text(1))));
      fresh->uid = rows[0].text(0);
      fresh->table = quote_ident("c_" + name);
      fresh->keys.reset(fresh->spec.primary_field()->type == DataType::kInt64);
      for (const auto& f : fresh->spec.fields) {
        if (f.is_primary || f.type == DataType::kFloatVector) continue;
        if (f.type == DataType::kVarChar && f.name == "text") fresh->fts = quote_ident("t_" + name);
      }
      std::lock_guard lock(collections_mu_);
      auto& slot = collections_[name];
      if (!slot || slot->uid != fresh->uid) slot = std::move(fresh);
      c = slot.get();
      c->scalars.clear();
      for (const auto& f : c->spec.fields) {
        if (!f.is_primary && f.type != DataType::kFloatVector) c->scalars.push_back(&f);
      }
    }
    if (index) MEMGPT_RETURN_IF_ERROR(catch_up(*c));
    return c;
  }

  std::string select_list(const Collection& c) const {
    std::string s = "rid, pk";
    for (const FieldSchema* f : c.scalars) s += ", " + col(f->name);
    return s + ", dyn";
  }

  Json pk_json(const Collection& c, const SqlRow& r) const {
    if (c.spec.primary_field()->type == DataType::kInt64) return r.integer(1);
    return r.text(1);
  }

  Result<Json> row_json(const Collection& c, const SqlRow& r, const std::vector<std::string>& wanted) {
    Json out = Json::object();
    out[c.spec.primary_field()->name] = pk_json(c, r);
    bool all = std::find(wanted.begin(), wanted.end(), "*") != wanted.end();
    Json dyn = parse_json_or_discarded(r.text(2 + c.scalars.size()));
    if (!dyn.is_object()) dyn = Json::object();
    auto scalar_value = [&](size_t i) -> Json {
      const FieldSchema* f = c.scalars[i];
      size_t idx = 2 + i;
      if (r.is_null(idx)) return nullptr;
      switch (f->type) {
        case DataType::kInt64: return r.integer(idx);
        case DataType::kFloat:
        case DataType::kDouble: return r.real(idx);
        case DataType::kBool: return r.integer(idx) != 0;
        case DataType::kJson: {
          Json j = parse_json_or_discarded(r.text(idx));
          return j.is_discarded() ? Json(nullptr) : j;
        }
        default: return r.text(idx);
      }
    };
    for (size_t i = 0; i < c.scalars.size(); ++i) {
      const std::string& n = c.scalars[i]->name;
      if (all || std::find(wanted.begin(), wanted.end(), n) != wanted.end()) out[n] = scalar_value(i);
    }
    for (const auto& w : wanted) {
      if (w == "*" || w == c.spec.primary_field()->name) continue;
      if (w == c.spec.vector_field()->name) {
        MEMGPT_ASSIGN_OR_RETURN(out[w], vector_of(c, r.integer(0)));
        continue;
      }
      if (c.spec.field(w)) continue;
      if (!c.spec.enable_dynamic_field) {
        return invalid_parameter(fmt::format("field {} not exist", w));
      }
      if (dyn.contains(w)) out[w] = dyn[w];
    }
    if (all) {
      for (const auto& [k, v] : dyn.items()) out[k] = v;
    }
    return out;
  }

  Result<Json> vector_of(const Collection& c, int64_t rid) {
    std::vector<SqlValue> p{rid};
    MEMGPT_ASSIGN_OR_RETURN(auto rows, db_->query(fmt::format("SELECT vec FROM {} WHERE rid = ?", c.table), p));
    if (rows.empty()) return Json(nullptr);
    const std::string& b = rows[0].blob(0);
    std::vector<float> v(b.size() / sizeof(float));
    std::memcpy(v.data(), b.data(), v.size() * sizeof(float));
    return Json(v);
  }

  Result<int64_t> count_where(const Collection& c, const SqlFilter& f) {
    MEMGPT_ASSIGN_OR_RETURN(
        auto rows, db_->query(fmt::format("SELECT COUNT(*) FROM {} WHERE {}", c.table, f.where), f.params));
    return rows[0].integer(0);
  }

  // Converts and checks one row; fills the column values and the vector.
  Status convert_row(const Collection& c, const Json& row, size_t index, SqlValue& pk,
                     std::vector<SqlValue>& scalars, std::string& dyn, std::vector<float>& vec) {
    if (!row.is_object()) return invalid_parameter(fmt::format("row {} is not a JSON object", index));
    const FieldSchema* pkf = c.spec.primary_field();
    const FieldSchema* vf = c.spec.vector_field();
    auto it = row.find(pkf->name);
    if (it == row.end() || it->is_null()) {
      return milvus_error(ErrorCode::kInvalidArgument, kMissingParameter,
                          fmt::format("the primary key {} is missing in row {}", pkf->name, index));
    }
    if (pkf->type == DataType::kInt64) {
      if (it->is_number_integer()) pk = it->get<int64_t>();
      else if (it->is_string() && !it->get<std::string>().empty() &&
               it->get<std::string>().find_first_not_of("-0123456789") == std::string::npos)
        pk = static_cast<int64_t>(std::stoll(it->get<std::string>()));
      else
        return milvus_error(ErrorCode::kInvalidArgument, kBadPrimaryKeyType,
                            fmt::format("the primary key {} must be an Int64 (row {})", pkf->name, index));
    } else {
      if (!it->is_string()) {
        return milvus_error(ErrorCode::kInvalidArgument, kBadPrimaryKeyType,
                            fmt::format("the primary key {} must be a VarChar (row {})", pkf->name, index));
      }
      const std::string& s = it->get_ref<const std::string&>();
      if (s.empty() || static_cast<int>(s.size()) > pkf->max_length || !valid_utf8(s)) {
        return invalid_parameter(fmt::format(
            "the primary key of row {} is empty, longer than {} bytes or not UTF-8", index, pkf->max_length));
      }
      pk = s;
    }
    auto vit = row.find(vf->name);
    if (vit == row.end() || !vit->is_array()) {
      return milvus_error(ErrorCode::kInvalidArgument, kMissingParameter,
                          fmt::format("the vector field {} is missing in row {}", vf->name, index));
    }
    if (static_cast<int>(vit->size()) != vf->dim) {
      return milvus_error(ErrorCode::kInvalidArgument, kInvalidJson,
                          fmt::format("the dim ({}) of field data({}) is not equal to schema dim ({})",
                                      vit->size(), vf->name, vf->dim));
    }
    vec.resize(static_cast<size_t>(vf->dim));
    for (size_t i = 0; i < vec.size(); ++i) {
      const Json& x = (*vit)[i];
      if (!x.is_number()) return invalid_parameter(fmt::format("vector of row {} holds a non-number", index));
      double d = x.get<double>();
      if (!std::isfinite(d)) return invalid_parameter(fmt::format("vector of row {} holds NaN or infinity", index));
      vec[i] = static_cast<float>(d);
    }
    if (c.spec.index.metric == MetricType::kCosine) normalize(vec);
    scalars.clear();
    for (const FieldSchema* f : c.scalars) {
      auto fit = row.find(f->name);
      if (fit == row.end() || fit->is_null()) {
        scalars.emplace_back(nullptr);
        continue;
      }
      const Json& v = *fit;
      switch (f->type) {
        case DataType::kVarChar: {
          if (!v.is_string()) return invalid_parameter(fmt::format("field {} of row {} must be a string", f->name, index));
          const std::string& s = v.get_ref<const std::string&>();
          if (static_cast<int>(s.size()) > f->max_length) {
            return invalid_parameter(fmt::format(
                "length of varchar field {} exceeds max length, row number: {}, length: {}, max length: {}",
                f->name, index, s.size(), f->max_length));
          }
          if (!valid_utf8(s)) {
            return invalid_parameter(fmt::format("field {} of row {} is not valid UTF-8", f->name, index));
          }
          scalars.emplace_back(s);
          break;
        }
        case DataType::kInt64:
          if (!v.is_number_integer()) return invalid_parameter(fmt::format("field {} of row {} must be an Int64", f->name, index));
          scalars.emplace_back(v.get<int64_t>());
          break;
        case DataType::kFloat:
        case DataType::kDouble:
          if (!v.is_number()) return invalid_parameter(fmt::format("field {} of row {} must be a number", f->name, index));
          scalars.emplace_back(v.get<double>());
          break;
        case DataType::kBool:
          if (!v.is_boolean()) return invalid_parameter(fmt::format("field {} of row {} must be a Bool", f->name, index));
          scalars.emplace_back(int64_t{v.get<bool>() ? 1 : 0});
          break;
        case DataType::kJson:
          scalars.emplace_back(v.dump(-1, ' ', false, Json::error_handler_t::replace));
          break;
        default:
          break;
      }
    }
    Json d = Json::object();
    for (const auto& [k, v] : row.items()) {
      if (c.spec.field(k)) continue;
      if (!c.spec.enable_dynamic_field) {
        return invalid_parameter(fmt::format("field {} of row {} is not in the schema", k, index));
      }
      d[k] = v;
    }
    dyn = d.dump(-1, ' ', false, Json::error_handler_t::replace);
    return {};
  }

  Result<int64_t> write(const std::string& name, const std::vector<Json>& rows, bool upsert) {
    MEMGPT_ASSIGN_OR_RETURN(Collection * c, collection(name, false));
    if (rows.empty()) return int64_t{0};
    // Check every row before writing any: a bad row rejects the whole batch.
    struct Prepared {
      SqlValue pk;
      std::vector<SqlValue> scalars;
      std::string dyn;
      std::vector<float> vec;
    };
    std::vector<Prepared> prepared(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      MEMGPT_RETURN_IF_ERROR(convert_row(*c, rows[i], i, prepared[i].pk, prepared[i].scalars,
                                         prepared[i].dyn, prepared[i].vec));
    }
    std::string cols = "pk";
    std::string marks = "?";
    for (const FieldSchema* f : c->scalars) {
      cols += ", " + col(f->name);
      marks += ", ?";
    }
    cols += ", dyn, vec";
    marks += ", ?, ?";
    std::string insert_sql = fmt::format("INSERT INTO {} ({}) VALUES ({})", c->table, cols, marks);
    std::string find_sql = fmt::format("SELECT rid FROM {} WHERE pk = ?", c->table);
    std::string delete_sql = fmt::format("DELETE FROM {} WHERE rid = ?", c->table);
    Status s = db_->transaction([&]() -> Status {
      for (size_t i = 0; i < prepared.size(); ++i) {
        auto& pr = prepared[i];
        std::vector<SqlValue> key{pr.pk};
        MEMGPT_ASSIGN_OR_RETURN(auto existing, db_->query(find_sql, key));
        if (!existing.empty()) {
          if (!upsert) {
            std::string shown = std::holds_alternative<std::string>(pr.pk)
                                    ? std::get<std::string>(pr.pk)
                                    : std::to_string(std::get<int64_t>(pr.pk));
            return milvus_error(ErrorCode::kAlreadyExists, kInsertFailed,
                                fmt::format("duplicate primary key {} (row {}); use upsert to replace rows",
                                            shown, i));
          }
          std::vector<SqlValue> d{existing[0].integer(0)};
          MEMGPT_RETURN_IF_ERROR(db_->exec(delete_sql, d).status());
          std::vector<SqlValue> t{name, existing[0].integer(0)};
          MEMGPT_RETURN_IF_ERROR(db_->exec("INSERT INTO _tombstones (collection, rid) VALUES (?, ?)", t).status());
        }
        std::vector<SqlValue> values{pr.pk};
        values.insert(values.end(), pr.scalars.begin(), pr.scalars.end());
        values.emplace_back(pr.dyn);
        values.emplace_back(SqlBlob{vec_blob(pr.vec)});
        MEMGPT_RETURN_IF_ERROR(db_->exec(insert_sql, values).status());
      }
      return {};
    });
    MEMGPT_RETURN_IF_ERROR(s);
    MEMGPT_RETURN_IF_ERROR(catch_up(*c, true));
    return static_cast<int64_t>(rows.size());
  }

  // ---- the index ----

  void make_space(Collection& c) {
    int dim = c.spec.dim();
    if (c.spec.index.metric == MetricType::kL2) c.space = std::make_unique<hnswlib::L2Space>(dim);
    else c.space = std::make_unique<hnswlib::InnerProductSpace>(dim);
  }

  void make_index(Collection& c, size_t capacity) {
    make_space(c);
    c.hnsw = std::make_unique<hnswlib::HierarchicalNSW<float>>(
        c.space.get(), std::max<size_t>(capacity, 1024), static_cast<size_t>(c.spec.index.m),
        static_cast<size_t>(c.spec.index.ef_construction));
    c.applied_rowid = 0;
    c.applied_tomb = 0;
  }

  // Names one saved state of the graph; the keys file carries it so a keys file from another
  // save (a crash between the two writes) is never used with this graph.
  static std::string save_stamp(const std::string& uid, int64_t rowid, int64_t tomb, size_t count) {
    return fmt::format("{}:{}:{}:{}", uid, rowid, tomb, count);
  }

  // Loads the saved graph when it matches this collection (false: it must be rebuilt), and the
  // saved keys when they belong to that graph (`keys_loaded`).
  bool load_index(Collection& c, bool& keys_loaded) {
    keys_loaded = false;
    auto meta_file = read_file(index_path(c.spec.name) + ".meta");
    if (!meta_file.ok()) return false;
    Json meta = parse_json_or_discarded(*meta_file);
    if (!meta.is_object() || meta.value("uid", "") != c.uid || meta.value("dim", 0) != c.spec.dim()) {
      return false;
    }
    try {
      make_space(c);
      c.hnsw = load_graph(index_path(c.spec.name), c.space.get(), c.spec.index.m, c.spec.index.ef_construction);
    } catch (const std::exception&) {  // out of memory for a huge (damaged) count
      c.hnsw.reset();
    }
    if (!c.hnsw) return false;
    c.applied_rowid = meta.value("applied_rowid", int64_t{0});
    c.applied_tomb = meta.value("applied_tomb", int64_t{0});
    if (meta.value("count", size_t{0}) != c.hnsw->cur_element_count) {
      c.hnsw.reset();
      return false;
    }
    auto keys_file = read_file(index_path(c.spec.name) + ".keys");
    if (keys_file.ok()) {
      keys_loaded = c.keys.parse(*keys_file,
                                 save_stamp(c.uid, c.applied_rowid, c.applied_tomb, c.hnsw->cur_element_count),
                                 c.spec.primary_field()->type == DataType::kInt64);
    }
    return true;
  }

  Status save_index(Collection& c) {
    std::unique_lock lock(c.mu);
    if (!c.hnsw) return {};
    // Savers in other processes take the same lock: index, keys and meta are replaced together;
    // the meta goes last, so a crash part-way leaves files that load_index refuses or
    // catch_up repairs.
    int fd = ::open((path_ + ".lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (fd < 0) return io_error("cannot lock " + path_ + ".lock");
    ::flock(fd, LOCK_EX);
    std::string tmp = fmt::format("{}.tmp{}", index_path(c.spec.name), ::getpid());
    Status s;
    try {
      c.hnsw->saveIndex(tmp);
      std::filesystem::rename(tmp, index_path(c.spec.name));
      size_t count = c.hnsw->cur_element_count;
      s = write_file_atomic(index_path(c.spec.name) + ".keys",
                            c.keys.serialize(save_stamp(c.uid, c.applied_rowid, c.applied_tomb, count)));
      Json meta = {{"uid", c.uid},
                   {"dim", c.spec.dim()},
                   {"applied_rowid", c.applied_rowid},
                   {"applied_tomb", c.applied_tomb},
                   {"count", count}};
      if (s.ok()) s = write_file_atomic(index_path(c.spec.name) + ".meta", meta.dump());
    } catch (const std::exception& e) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      s = io_error(fmt::format("cannot save the index of {}: {}", c.spec.name, e.what()));
    }
    ::flock(fd, LOCK_UN);
    ::close(fd);
    return s;
  }

  // Adds new points to the graph; a large batch on several threads (hnswlib supports
  // concurrent addPoint on distinct labels; the caller holds the collection exclusively and has
  // made room, since resizing is not concurrent).
  Status add_points(Collection& c, const std::vector<std::pair<hnswlib::labeltype, const char*>>& points) {
    auto* h = c.hnsw.get();
    constexpr size_t kParallelMin = 256;  // below this, starting threads costs more than it saves
    size_t threads = points.size() >= kParallelMin ? static_cast<size_t>(std::max(1, options_.index_threads)) : 1;
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    std::mutex error_mu;
    std::string error;
    auto work = [&] {
      for (size_t i = next++; i < points.size() && !failed; i = next++) {
        try {
          h->addPoint(points[i].second, points[i].first);
        } catch (const std::exception& e) {
          std::lock_guard g(error_mu);
          error = e.what();
          failed = true;
        }
      }
    };
    std::vector<std::thread> pool;
    for (size_t t = 1; t < threads; ++t) {
      try {
        pool.emplace_back(work);
      } catch (const std::system_error&) {
        break;  // no more threads: the ones running finish the batch
      }
    }
    work();
    for (auto& t : pool) t.join();
    if (failed) return internal_error(fmt::format("cannot index {}: {}", c.spec.name, error));
    return {};
  }

  // Brings the in-memory graph up to date with the file (rows added or deleted by anyone).
  Status catch_up(Collection& c, bool force = false) {
    // PRAGMA data_version changes only when another connection commits: when it has not
    // moved and this process made no write since, the graph is current without a query.
    MEMGPT_ASSIGN_OR_RETURN(auto dv, db_->query("PRAGMA data_version"));
    int64_t data_version = dv[0].integer(0);
    {
      std::shared_lock read(c.mu);
      if (!force && c.hnsw && data_version == c.seen_data_version) return {};
    }
    std::vector<SqlValue> p{"c_" + c.spec.name, c.spec.name};
    MEMGPT_ASSIGN_OR_RETURN(
        auto marks,
        db_->query("SELECT (SELECT seq FROM sqlite_sequence WHERE name = ?), "
                   "(SELECT MAX(seq) FROM _tombstones WHERE collection = ?)",
                   p));
    int64_t max_rid = marks[0].integer(0), max_tomb = marks[0].integer(1);
    {
      std::unique_lock write(c.mu);
      if (c.hnsw && max_rid <= c.applied_rowid && max_tomb <= c.applied_tomb) {
        c.seen_data_version = data_version;
        return {};
      }
    }
    std::unique_lock lock(c.mu);
    bool int_pk = c.spec.primary_field()->type == DataType::kInt64;
    if (!c.hnsw) {
      int fd = ::open((path_ + ".lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
      if (fd >= 0) ::flock(fd, LOCK_SH);
      bool keys_loaded = false;
      bool loaded = load_index(c, keys_loaded);
      if (fd >= 0) {
        ::flock(fd, LOCK_UN);
        ::close(fd);
      }
      if (!loaded) {
        c.keys.reset(int_pk);
        MEMGPT_ASSIGN_OR_RETURN(auto n, db_->query(fmt::format("SELECT COUNT(*) FROM {}", c.table)));
        make_index(c, static_cast<size_t>(n[0].integer(0)) + 1024);
      } else if (!keys_loaded) {
        // The saved graph covers rows up to applied_rowid but its keys file is missing or from
        // another save: read the keys from the table. No WHERE on rid, so SQLite scans the
        // small pk index instead of every row with its vector.
        MEMGPT_ASSIGN_OR_RETURN(auto keys, db_->query(fmt::format("SELECT rid, pk FROM {}", c.table)));
        for (const auto& k : keys) {
          if (k.integer(0) <= c.applied_rowid) c.keys.set(k.integer(0), k, 1);
        }
      }
    }
    // New rows, in batches.
    std::vector<std::pair<hnswlib::labeltype, const char*>> points;
    for (;;) {
      std::vector<SqlValue> q{c.applied_rowid};
      MEMGPT_ASSIGN_OR_RETURN(
          auto rows, db_->query(fmt::format("SELECT rid, vec, pk FROM {} WHERE rid > ? ORDER BY rid LIMIT 4096",
                                            c.table),
                                q));
      if (rows.empty()) break;
      size_t need = c.hnsw->cur_element_count + rows.size();
      if (need > c.hnsw->max_elements_) c.hnsw.resize(std::max(need, c.hnsw->max_elements_ * 2));
      points.clear();
      int64_t last = c.applied_rowid;
      for (const auto& r : rows) {
        auto label = static_cast<hnswlib::labeltype>(r.integer(0));
        const std::string& b = r.blob(1);
        if (b.size() != static_cast<size_t>(c.spec.dim()) * sizeof(float)) {
          return corrupt(fmt::format("{}: row {} of {} has a damaged vector", path_, label, c.spec.name));
        }
        if (c.hnsw->label_lookup_.count(label) == 0) points.emplace_back(label, b.data());
        c.keys.set(r.integer(0), r, 2);
        last = std::max<int64_t>(last, r.integer(0));
      }
      MEMGPT_RETURN_IF_ERROR(add_points(c, points));
      c.applied_rowid = last;
    }
    c.applied_rowid = std::max(c.applied_rowid, max_rid);
    // Deletions.
    std::vector<SqlValue> t{c.spec.name, c.applied_tomb};
    MEMGPT_ASSIGN_OR_RETURN(
        auto tombs, db_->query("SELECT seq, rid FROM _tombstones WHERE collection = ? AND seq > ? ORDER BY seq", t));
    for (const auto& r : tombs) {
      auto label = static_cast<hnswlib::labeltype>(r.integer(1));
      auto it = c.hnsw->label_lookup_.find(label);
      if (it != c.hnsw->label_lookup_.end() && !c.hnsw->isMarkedDeleted(it->second)) {
        c.hnsw->markDelete(label);
      }
      c.keys.erase(r.integer(1));
      c.applied_tomb = r.integer(0);
    }
    c.seen_data_version = data_version;
    ++c.generation;
    c.filter_cache.clear();
    return {};
  }

  // ---- search plans ----

  // (hnswlib distance, rid) best first; `f` restricts to matching rows.
  Result<std::vector<std::pair<float, int64_t>>> vector_search(Collection& c, const std::vector<float>& q,
                                                               size_t k, int ef, const SqlFilter& f) {
    std::shared_lock lock(c.mu);
    auto* h = c.hnsw.get();
    size_t alive = h->cur_element_count - h->num_deleted_;
    if (alive == 0) return std::vector<std::pair<float, int64_t>>{};
    if (f.where == "1") return graph_search(c, q.data(), k, ef, nullptr);
    // How many rows match decides the plan; the count and the matching rows are cached per
    // filter until the collection changes.
    std::string key = filter_key(f);
    std::shared_ptr<const FilterRows> rows;
    {
      std::lock_guard cache_lock(filter_cache_mu_);
      auto it = c.filter_cache.find(key);
      if (it != c.filter_cache.end() && it->second.generation == c.generation) rows = it->second.rows;
    }
    auto mostly = [&](int64_t matching) {
      return static_cast<double>(matching) / static_cast<double>(alive) >= 0.5 &&
             matching > options_.exact_search_max_rows;
    };
    if (!rows) {
      MEMGPT_ASSIGN_OR_RETURN(
          auto counted, db_->query(fmt::format("SELECT COUNT(*) FROM {} WHERE {}", c.table, f.where), f.params));
      auto built = std::make_shared<FilterRows>();
      built->matching = counted[0].integer(0);
      if (built->matching > 0 && !mostly(built->matching)) {
        MEMGPT_ASSIGN_OR_RETURN(
            auto found, db_->query(fmt::format("SELECT rid FROM {} WHERE {}", c.table, f.where), f.params));
        built->ids.reserve(found.size());
        built->allowed.assign(static_cast<size_t>(c.applied_rowid) + 1, false);
        for (const auto& r : found) {
          auto rid = r.integer(0);
          auto it = h->label_lookup_.find(static_cast<hnswlib::labeltype>(rid));
          if (it == h->label_lookup_.end() || h->isMarkedDeleted(it->second)) continue;
          built->ids.push_back(it->second);
          if (static_cast<size_t>(rid) < built->allowed.size()) built->allowed[static_cast<size_t>(rid)] = true;
        }
      }
      rows = built;
      std::lock_guard cache_lock(filter_cache_mu_);
      if (c.filter_cache.size() >= 16) c.filter_cache.clear();
      c.filter_cache[key] = {c.generation, rows};
    }
    int64_t matching = rows->matching;
    if (matching == 0) return std::vector<std::pair<float, int64_t>>{};
    if (mostly(matching)) {
      double share = static_cast<double>(matching) / static_cast<double>(alive);
      // Most rows match: search the whole graph a little deeper and drop the few that do not.
      for (size_t want = static_cast<size_t>(static_cast<double>(k) / share * 1.5) + 8;; want *= 2) {
        auto hits = graph_search(c, q.data(), want, std::max<int>(ef, static_cast<int>(want)), nullptr);
        std::string marks;
        std::vector<SqlValue> p;
        for (const auto& [d, rid] : hits) {
          marks += marks.empty() ? "?" : ", ?";
          p.emplace_back(rid);
        }
        p.insert(p.end(), f.params.begin(), f.params.end());
        MEMGPT_ASSIGN_OR_RETURN(
            auto kept, db_->query(fmt::format("SELECT rid FROM {} WHERE rid IN ({}) AND ({})", c.table, marks, f.where), p));
        std::unordered_set<int64_t> keep;
        for (const auto& r : kept) keep.insert(r.integer(0));
        std::vector<std::pair<float, int64_t>> out;
        for (const auto& h : hits) {
          if (keep.count(h.second)) out.push_back(h);
        }
        if (out.size() >= k || hits.size() < want || want > alive) {
          if (out.size() > k) out.resize(k);
          return out;
        }
      }
    }
    if (rows->ids.empty()) return std::vector<std::pair<float, int64_t>>{};
    // A selective filter needs a wider beam to find k matching rows.
    double selectivity = static_cast<double>(rows->ids.size()) / static_cast<double>(alive);
    int wide = static_cast<int>(std::max<double>(ef > 0 ? ef : 0, std::min(4096.0, 128.0 / std::sqrt(selectivity))));
    // Exact scoring costs one distance per matching row; the filtered graph walk expands about
    // wide / selectivity nodes to collect `wide` matching ones, scoring up to 2M neighbours each.
    double graph_cost = 2.0 * c.spec.index.m * wide / selectivity;
    bool exact = static_cast<int64_t>(rows->ids.size()) <= options_.exact_search_max_rows ||
                 selectivity < options_.exact_search_max_fraction ||
                 static_cast<double>(rows->ids.size()) <= graph_cost;
    if (exact) {
      std::vector<std::pair<float, int64_t>> scored;
      scored.reserve(rows->ids.size());
      for (hnswlib::tableint id : rows->ids) {
        float d = h->fstdistfunc_(q.data(), h->getDataByInternalId(id), h->dist_func_param_);
        scored.emplace_back(d, static_cast<int64_t>(h->getExternalLabel(id)));
      }
      size_t top = std::min(k, scored.size());
      std::partial_sort(scored.begin(), scored.begin() + static_cast<ptrdiff_t>(top), scored.end());
      scored.resize(top);
      return scored;
    }
    return graph_search(c, q.data(), k, wide, &rows->allowed);
  }

  // HNSW search with the filter applied inside the base-layer search: nodes that do not match
  // are still walked through, but never returned. Without a filter it is hnswlib's own
  // base-layer search, so it runs at the library's speed.
  std::vector<std::pair<float, int64_t>> graph_search(Collection& c, const float* q, size_t k, int ef_req,
                                                      const std::vector<bool>* allowed) {
    auto* h = c.hnsw.get();
    using hnswlib::tableint;
    using Queue = std::priority_queue<std::pair<float, tableint>, std::vector<std::pair<float, tableint>>,
                                      hnswlib::HierarchicalNSW<float>::CompareByFirst>;
    size_t ef = std::max<size_t>(k, ef_req > 0 ? static_cast<size_t>(ef_req) : std::max<size_t>(k, 100));
    tableint cur = h->enterpoint_node_;
    float curdist = h->fstdistfunc_(q, h->getDataByInternalId(cur), h->dist_func_param_);
    for (int level = h->maxlevel_; level > 0; level--) {
      bool changed = true;
      while (changed) {
        changed = false;
        unsigned int* data = h->get_linklist(cur, level);
        int size = h->getListCount(data);
        auto* datal = reinterpret_cast<tableint*>(data + 1);
        for (int i = 0; i < size; i++) {
          float d = h->fstdistfunc_(q, h->getDataByInternalId(datal[i]), h->dist_func_param_);
          if (d < curdist) {
            curdist = d;
            cur = datal[i];
            changed = true;
          }
        }
      }
    }
    Queue top;  // worst on top
    if (!allowed) {
      top = h->num_deleted_ ? h->searchBaseLayerST<true>(cur, q, ef) : h->searchBaseLayerST<false>(cur, q, ef);
    } else {
      auto ok = [&](tableint id) {
        if (h->isMarkedDeleted(id)) return false;
        size_t label = h->getExternalLabel(id);
        return label < allowed->size() && (*allowed)[label];
      };
      hnswlib::VisitedList* vl = h->visited_list_pool_->getFreeVisitedList();
      hnswlib::vl_type* visited = vl->mass;
      hnswlib::vl_type tag = vl->curV;
      Queue candidates;  // -distance: best on top
      float lower_bound = std::numeric_limits<float>::max();
      if (ok(cur)) {
        top.emplace(curdist, cur);
        lower_bound = curdist;
      }
      candidates.emplace(-curdist, cur);
      visited[cur] = tag;
      while (!candidates.empty()) {
        auto [neg, node] = candidates.top();
        if (-neg > lower_bound && top.size() >= ef) break;
        candidates.pop();
        unsigned int* data = h->get_linklist0(node);
        size_t size = h->getListCount(data);
        auto* datal = reinterpret_cast<tableint*>(data + 1);
#ifdef USE_SSE
        if (size) {
          _mm_prefetch(reinterpret_cast<const char*>(visited + datal[0]), _MM_HINT_T0);
          _mm_prefetch(h->getDataByInternalId(datal[0]), _MM_HINT_T0);
        }
#endif
        for (size_t j = 0; j < size; j++) {
          tableint n = datal[j];
#ifdef USE_SSE
          // Fetch the next neighbour while this one is scored, as hnswlib does.
          if (j + 1 < size) {
            _mm_prefetch(reinterpret_cast<const char*>(visited + datal[j + 1]), _MM_HINT_T0);
            _mm_prefetch(h->getDataByInternalId(datal[j + 1]), _MM_HINT_T0);
          }
#endif
          if (visited[n] == tag) continue;
          visited[n] = tag;
          float d = h->fstdistfunc_(q, h->getDataByInternalId(n), h->dist_func_param_);
          if (top.size() < ef || d < lower_bound) {
            candidates.emplace(-d, n);
            if (ok(n)) {
              top.emplace(d, n);
              if (top.size() > ef) top.pop();
              lower_bound = top.top().first;
            }
          }
        }
      }
      h->visited_list_pool_->releaseVisitedList(vl);
    }
    while (top.size() > k) top.pop();
    std::vector<std::pair<float, int64_t>> out(top.size());
    for (size_t i = out.size(); i-- > 0; top.pop()) {
      out[i] = {top.top().first, static_cast<int64_t>(h->getExternalLabel(top.top().second))};
    }
    return out;
  }

  // BM25 over the text field: (rid, score) best first; score = -bm25 (higher is better).
  Result<std::vector<std::pair<int64_t, double>>> text_search(Collection& c, const std::string& text, size_t k,
                                           const SqlFilter& f) {
    // Every word of the query as a quoted FTS5 term, OR-ed: BM25 ranks by how many and how rare.
    std::string match;
    std::string word;
    auto flush = [&] {
      if (word.empty()) return;
      match += (match.empty() ? "\"" : " OR \"") + word + "\"";
      word.clear();
    };
    for (unsigned char ch : text) {
      if (std::isalnum(ch) || ch >= 0x80) word += static_cast<char>(ch);
      else flush();
    }
    flush();
    if (match.empty()) return std::vector<std::pair<int64_t, double>>{};
    std::vector<SqlValue> p{match};
    p.insert(p.end(), f.params.begin(), f.params.end());
    p.emplace_back(static_cast<int64_t>(k));
    MEMGPT_ASSIGN_OR_RETURN(
        auto rows,
        db_->query(fmt::format("SELECT {0}.rid, bm25({1}) FROM {1} JOIN {0} ON {0}.rid = {1}.rowid WHERE {1} "
                               "MATCH ? AND ({2}) ORDER BY bm25({1}) LIMIT ?",
                               c.table, c.fts, f.where),
                   p));
    std::vector<std::pair<int64_t, double>> out;
    for (const auto& r : rows) out.emplace_back(r.integer(0), -r.real(1));
    return out;
  }

  std::string path_;
  std::unique_ptr<SqlDatabase> db_;
  EmbeddedOptions options_;
  std::mutex collections_mu_;
  std::mutex filter_cache_mu_;
  std::map<std::string, std::unique_ptr<Collection>> collections_;
  // Writes by this process, marked before and after each (a count that overlaps a write is
  // never cached as current).
  struct WriteMark {
    explicit WriteMark(std::atomic<int64_t>& n) : n_(n) { ++n_; }
    ~WriteMark() { ++n_; }
    std::atomic<int64_t>& n_;
  };
  std::atomic<int64_t> local_writes_{0};
  struct CachedCount {
    int64_t writes;
    int64_t data_version;
    int64_t n;
  };
  std::unordered_map<std::string, CachedCount> count_cache_;
};

Result<std::unique_ptr<VectorStore>> open_embedded_store(const std::string& raw_path,
                                                         const EmbeddedOptions& options) {
  std::string path = expand_user(raw_path);
  std::filesystem::path p(path);
  std::string folder = p.has_parent_path() ? p.parent_path().string() : ".";
  if (!std::filesystem::is_directory(folder)) {
    return unavailable(fmt::format("cannot open the Milvus store {}: folder {} does not exist",
                                   path, folder));
  }
  auto db = open_sqlite(path);
  if (!db.ok()) {
    return Status(db.status().code(),
                  fmt::format("cannot open the Milvus store {}: {}", path, db.status().message()));
  }
  auto store = std::make_unique<EmbeddedStore>(path, std::move(*db), options);
  Status s = store->init();
  if (!s.ok()) {
    return Status(s.code(), fmt::format("{} is not a memgpt Milvus store: {}", path, s.message()));
  }
  return std::unique_ptr<VectorStore>(std::move(store));
}

}  // namespace memgpt::vector
