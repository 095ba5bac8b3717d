#include "vector/index_catch_up.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <charconv>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include "util/files.h"

namespace memgpt::vector::embedded {
namespace {

constexpr int kMetaFormat = 1;

// Names one saved state of the graph; the keys file carries it so a keys file from another
// save (a crash between the two writes) is never used with this graph.
std::string save_stamp(const std::string& uid, int64_t rowid, int64_t tomb, size_t count) {
  return fmt::format("{}:{}:{}:{}", uid, rowid, tomb, count);
}

// An flock on `<store>.lock`, released on scope exit (no lock when the file cannot be opened:
// loading then relies on the hash and stamps alone).
class FileLock {
 public:
  FileLock(const std::string& path, int mode) : fd_(::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644)) {
    if (fd_ >= 0) ::flock(fd_, mode);
  }
  ~FileLock() {
    if (fd_ < 0) return;
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  bool held() const { return fd_ >= 0; }

 private:
  int fd_;
};

// What the meta file says, when it is readable and of a known format.
struct Meta {
  std::string uid;
  int dim = 0;
  int64_t applied_rowid = 0, applied_tomb = 0;
  size_t count = 0;
  std::optional<uint64_t> graph_hash;  // none: format 0 (before the hash)
  std::string vectors = "FP32";        // what the graph holds: FP32 or SQ8 (absent: FP32)
};

std::optional<Meta> read_meta(const std::string& path) {
  auto text = read_file(path);
  if (!text.ok()) return std::nullopt;
  Json j = parse_json_or_discarded(*text);
  if (!j.is_object()) return std::nullopt;
  Meta m;
  try {  // a value of the wrong type is damage
    int format = j.value("format", 0);
    if (format != 0 && format != kMetaFormat) return std::nullopt;
    m.uid = j.at("uid").get<std::string>();
    m.dim = j.at("dim").get<int>();
    m.applied_rowid = j.at("applied_rowid").get<int64_t>();
    m.applied_tomb = j.at("applied_tomb").get<int64_t>();
    m.count = j.at("count").get<size_t>();
    m.vectors = j.value("vectors", "FP32");
    if (format == kMetaFormat) {
      const std::string hex = j.at("graph_xxh3").get<std::string>();
      uint64_t hash = 0;
      auto [end, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), hash, 16);
      if (hex.size() != 16 || ec != std::errc() || end != hex.data() + hex.size()) return std::nullopt;
      m.graph_hash = hash;
    }
  } catch (const Json::exception&) {
    return std::nullopt;
  }
  if (m.applied_rowid < 0 || m.applied_tomb < 0) return std::nullopt;
  return m;
}

std::string vectors_of(const Collection& c) { return c.spec.index.index_type == "HNSW_SQ" ? "SQ8" : "FP32"; }

}  // namespace

void IndexKeeper::make_space(Collection& c) const {
  int dim = c.spec.dim();
  c.space = std::make_unique<FloatSpace>(dim, c.spec.index.metric);  // this CPU's widest kernels
  if (c.spec.index.index_type == "HNSW_SQ") c.sq8 = std::make_unique<Sq8Space>(dim, c.spec.index.metric);
  else c.sq8.reset();
}

void IndexKeeper::make_index(Collection& c, size_t capacity) const {
  make_space(c);
  c.hnsw = std::make_unique<Graph>(c.graph_space(), std::max<size_t>(capacity, 1024), static_cast<size_t>(c.spec.index.m),
                                   static_cast<size_t>(c.spec.index.ef_construction));
  c.applied_rowid = 0;
  c.applied_tomb = 0;
}

void IndexKeeper::remove_files(const std::string& collection) const {
  std::error_code ec;
  for (const char* suffix : {"", ".meta", ".keys"}) std::filesystem::remove(graph_path(collection) + suffix, ec);
}

// Loads the saved graph when it matches this collection and this state of the file (false: it
// must be rebuilt), and the saved keys when they belong to that graph (`keys_loaded`).
bool IndexKeeper::load_saved(Collection& c, int64_t max_rid, int64_t max_tomb, bool& keys_loaded) {
  keys_loaded = false;
  std::optional<Meta> meta = read_meta(graph_path(c.spec.name) + ".meta");
  if (!meta || meta->uid != c.uid || meta->dim != c.spec.dim() || meta->vectors != vectors_of(c)) return false;
  if (meta->applied_rowid > max_rid || meta->applied_tomb > max_tomb) return false;  // ahead of the file
  make_space(c);
  c.hnsw = load_graph(graph_path(c.spec.name), c.graph_space(), c.spec.index.m, c.spec.index.ef_construction,
                      meta->graph_hash);
  if (!c.hnsw) return false;
  if (meta->count != c.hnsw->cur_element_count) {
    c.hnsw.reset();
    return false;
  }
  c.applied_rowid = meta->applied_rowid;
  c.applied_tomb = meta->applied_tomb;
  auto keys_file = read_file(graph_path(c.spec.name) + ".keys");
  if (keys_file.ok()) {
    keys_loaded = c.keys.parse(*keys_file, save_stamp(c.uid, c.applied_rowid, c.applied_tomb, c.hnsw->cur_element_count),
                               c.spec.primary_field()->type == DataType::kInt64);
  }
  // The files hold this state (a meta of the format before the hash is saved again, with it).
  if (keys_loaded && meta->graph_hash) c.saved_stamp = save_stamp(c.uid, c.applied_rowid, c.applied_tomb, c.hnsw->cur_element_count);
  return true;
}

Status IndexKeeper::save(Collection& c) {
  std::unique_lock lock(c.mu);
  if (!c.hnsw) return {};
  // Unchanged since it was loaded or saved: rewriting it (1.7 GB at a million rows) gains nothing.
  if (c.saved_stamp == save_stamp(c.uid, c.applied_rowid, c.applied_tomb, c.hnsw->cur_element_count)) return {};
  // Savers in other processes take the same lock: graph, keys and meta are replaced together;
  // the meta goes last.
  FileLock files(ctx_.path + ".lock", LOCK_EX);
  if (!files.held()) return io_error("cannot lock the Milvus store's index files");
  const std::string graph = graph_path(c.spec.name);
  MEMGPT_ASSIGN_OR_RETURN(uint64_t hash, save_graph(*c.hnsw.get(), graph));
  size_t count = c.hnsw->cur_element_count;
  Status s = write_file_atomic(graph + ".keys", c.keys.serialize(save_stamp(c.uid, c.applied_rowid, c.applied_tomb, count)));
  Json meta = {{"format", kMetaFormat},
               {"uid", c.uid},
               {"dim", c.spec.dim()},
               {"applied_rowid", c.applied_rowid},
               {"applied_tomb", c.applied_tomb},
               {"count", count},
               {"graph_xxh3", fmt::format("{:016x}", hash)},
               {"vectors", vectors_of(c)}};
  if (s.ok()) s = write_file_atomic(graph + ".meta", meta.dump());
  if (!s.ok()) return io_error(fmt::format("cannot save the index of {} (disk full or not writable?)", c.spec.name));
  c.saved_stamp = save_stamp(c.uid, c.applied_rowid, c.applied_tomb, count);
  return {};
}

// Adds new points (float vectors) to the graph, encoded for an SQ8 graph into `codes`; a large
// batch on several threads (hnswlib supports concurrent addPoint on distinct labels; the caller
// holds the collection exclusively, and room is made first since resizing is not concurrent).
Status IndexKeeper::add_points(Collection& c, std::vector<std::pair<hnswlib::labeltype, const char*>>& points,
                               std::string& codes, size_t parallel_min) const {
  if (c.sq8) {
    size_t code_size = c.sq8->get_data_size();
    codes.resize(points.size() * code_size);
    for (size_t i = 0; i < points.size(); ++i) {
      char* code = codes.data() + i * code_size;
      c.sq8->encode(reinterpret_cast<const float*>(points[i].second), code);
      points[i].second = code;
    }
  }
  size_t need = c.hnsw->cur_element_count + points.size();
  if (need > c.hnsw->max_elements_) c.hnsw.resize(std::max(need, c.hnsw->max_elements_ * 2));
  auto* h = c.hnsw.get();
  size_t threads = points.size() >= parallel_min ? static_cast<size_t>(std::max(1, ctx_.options.index_threads)) : 1;
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

// Starts the background builder unless it runs. The caller holds `c.mu` exclusively.
void IndexKeeper::start_builder(Collection& c) {
  if (c.builder_running) return;
  if (c.builder.joinable()) c.builder.join();  // a finished one
  c.builder_running = true;
  try {
    c.builder = std::thread([this, &c] { build_behind(c); });
  } catch (const std::system_error&) {
    c.builder_running = false;  // no thread: the rows stay growing, searched exactly
  }
}

// Moves growing rows into the graph a chunk at a time, oldest first, taking the collection's
// lock per chunk so that searches go on between chunks. A chunk is sized to hold the lock about
// kHold, whatever the graph's size: a search waits at most that (a fixed 512 rows held it
// ~75 ms at 93k rows and longer at a million). At a lower priority than the process's own work
// (an agent's turn, a server's requests): the graph is only an accelerator.
void IndexKeeper::build_behind(Collection& c) {
  ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 10);  // this thread and the ones it starts
  constexpr auto kHold = std::chrono::milliseconds(15);
  constexpr size_t kMinChunk = 16, kMaxChunk = 512;
  size_t chunk = 64;
  std::vector<std::pair<hnswlib::labeltype, const char*>> points;
  std::string codes;
  for (;;) {
    // Stopping is decided under the lock, so a catch-up that adds rows either sees the builder
    // running (and this loop takes them) or finished (and starts another).
    std::unique_lock lock(c.mu);
    if (c.stop_builder || c.growing.empty() || !c.hnsw) {
      c.builder_running = false;
      return;
    }
    size_t from = c.growing.first(), to = std::min(c.growing.end(), from + chunk);
    points.clear();
    for (size_t i = from; i < to; ++i) {
      auto label = static_cast<hnswlib::labeltype>(c.growing.rid(i));
      if (c.growing.alive(i) && c.hnsw->label_lookup_.count(label) == 0) {
        points.emplace_back(label, reinterpret_cast<const char*>(c.growing.vector(i)));
      }
    }
    auto started = std::chrono::steady_clock::now();
    if (!add_points(c, points, codes, /*parallel_min=*/kMinChunk).ok()) {  // out of memory: the rest stays growing
      c.builder_running = false;
      return;
    }
    std::chrono::duration<double> held = std::chrono::steady_clock::now() - started;
    if (points.size() >= kMinChunk && held.count() > 0) {
      double fit = static_cast<double>(points.size()) * std::chrono::duration<double>(kHold).count() / held.count();
      chunk = std::clamp(static_cast<size_t>(fit), kMinChunk, kMaxChunk);
    }
    c.applied_rowid = to == c.growing.end() ? c.read_rowid : c.growing.rid(to - 1);
    c.growing.indexed_up_to(to);
    ++c.generation;
    c.filter_cache.clear();
  }
}

Status IndexKeeper::catch_up(Collection& c) {
  SqlDatabase& db = ctx_.db;
  // PRAGMA data_version changes only when another connection commits: when it has not moved
  // and this process made no write since, the graph is current without a query. The writes
  // are counted before the rows are read: one committed meanwhile is read again next time.
  const int64_t own_writes = c.own_writes.load();
  MEMGPT_ASSIGN_OR_RETURN(auto dv, db.query("PRAGMA data_version"));
  int64_t data_version = dv[0].integer(0);
  {
    std::shared_lock read(c.mu);
    if (c.hnsw && data_version == c.seen_data_version && own_writes == c.seen_own_writes) return {};
  }
  std::vector<SqlValue> p{"c_" + c.spec.name, c.spec.name};
  MEMGPT_ASSIGN_OR_RETURN(auto marks, db.query("SELECT (SELECT seq FROM sqlite_sequence WHERE name = ?), "
                                               "(SELECT MAX(seq) FROM _tombstones WHERE collection = ?)",
                                               p));
  int64_t max_rid = marks[0].integer(0), max_tomb = marks[0].integer(1);
  {
    std::unique_lock write(c.mu);
    if (c.hnsw && max_rid <= c.read_rowid && max_tomb <= c.applied_tomb) {
      c.seen_data_version = data_version;
      c.seen_own_writes = own_writes;
      return {};
    }
  }
  std::unique_lock lock(c.mu);
  bool int_pk = c.spec.primary_field()->type == DataType::kInt64;
  if (!c.hnsw) {
    bool keys_loaded = false;
    bool loaded = false;
    c.saved_stamp.clear();
    {
      FileLock files(ctx_.path + ".lock", LOCK_SH);
      loaded = load_saved(c, max_rid, max_tomb, keys_loaded);
    }
    if (!loaded) {
      c.keys.reset(int_pk);
      MEMGPT_ASSIGN_OR_RETURN(auto n, db.query(fmt::format("SELECT COUNT(*) FROM {}", c.table)));
      make_index(c, static_cast<size_t>(n[0].integer(0)) + 1024);
    } else if (!keys_loaded) {
      // The saved graph covers rows up to applied_rowid but its keys file is missing, damaged
      // or from another save: read the keys from the table. No WHERE on rid, so SQLite scans
      // the small pk index instead of every row with its vector.
      c.keys.reset(int_pk);
      MEMGPT_ASSIGN_OR_RETURN(auto keys, db.query(fmt::format("SELECT rid, pk FROM {}", c.table)));
      for (const auto& k : keys) {
        if (k.integer(0) <= c.applied_rowid) c.keys.set(k.integer(0), k, 1);
      }
    }
    c.read_rowid = c.applied_rowid;
    c.growing.clear();
  }
  // New rows, in batches: into the graph now when they are few, else growing (searched
  // exactly) for the background builder, which keeps them in rid order behind the graph.
  const EmbeddedOptions& o = ctx_.options;
  bool grow = !c.growing.empty() || o.defer_indexing || max_rid - c.read_rowid > o.background_index_min_rows;
  std::vector<std::pair<hnswlib::labeltype, const char*>> points;
  std::string codes;  // the batch's SQ8 codes (HNSW_SQ), which the graph copies in
  for (;;) {
    std::vector<SqlValue> q{c.read_rowid};
    MEMGPT_ASSIGN_OR_RETURN(
        auto rows,
        db.query(fmt::format("SELECT rid, vec, pk FROM {} WHERE rid > ? ORDER BY rid LIMIT 4096", c.table), q));
    if (rows.empty()) break;
    points.clear();
    for (const auto& r : rows) {
      const std::string& b = r.blob(1);
      if (b.size() != static_cast<size_t>(c.spec.dim()) * sizeof(float)) {
        return corrupt(fmt::format("row {} of collection {} has a damaged vector", r.integer(0), c.spec.name));
      }
    }
    int64_t last = c.read_rowid;
    for (const auto& r : rows) {
      auto label = static_cast<hnswlib::labeltype>(r.integer(0));
      if (grow) c.growing.add(r.integer(0), reinterpret_cast<const float*>(r.blob(1).data()), c.spec.dim());
      else if (c.hnsw->label_lookup_.count(label) == 0) points.emplace_back(label, r.blob(1).data());
      c.keys.set(r.integer(0), r, 2);
      last = std::max<int64_t>(last, r.integer(0));
    }
    if (!grow) MEMGPT_RETURN_IF_ERROR(add_points(c, points, codes));
    c.read_rowid = last;
    if (!grow) c.applied_rowid = last;
  }
  c.read_rowid = std::max(c.read_rowid, max_rid);
  if (c.growing.empty()) c.applied_rowid = c.read_rowid;
  // Deletions.
  std::vector<SqlValue> t{c.spec.name, c.applied_tomb};
  MEMGPT_ASSIGN_OR_RETURN(auto tombs,
                          db.query("SELECT seq, rid FROM _tombstones WHERE collection = ? AND seq > ? ORDER BY seq", t));
  for (const auto& r : tombs) {
    auto label = static_cast<hnswlib::labeltype>(r.integer(1));
    auto it = c.hnsw->label_lookup_.find(label);
    if (it != c.hnsw->label_lookup_.end()) {
      if (!c.hnsw->isMarkedDeleted(it->second)) c.hnsw->markDelete(label);
    } else {
      c.growing.erase(r.integer(1));
    }
    c.keys.erase(r.integer(1));
    c.applied_tomb = r.integer(0);
  }
  if (!c.growing.empty() && !o.defer_indexing) start_builder(c);
  c.seen_data_version = data_version;
  c.seen_own_writes = own_writes;
  ++c.generation;
  c.filter_cache.clear();
  return {};
}

}  // namespace memgpt::vector::embedded
