// bench_keyword --n 100000 [--queries 1000] [--k 10] [--data ../shared/data/nq-open-oracle.jsonl.gz]
// Keyword search from the engine's inverted index (top-k pruning) against the full BM25 ranking
// by FTS5, on one store file in one run: NaturalQuestions-Open passages (the gold contexts and
// long answers, cut into overlapping 48-word windows until there are --n passages) in the
// archival collection memgpt uses, embedded with the built-in embedder; the NQ questions are
// the queries. Reports, for both plans:
//  - identical top k (ids, order and scores) on every query, keyword only, with and without the
//    agent filter memgpt sends;
//  - keyword search latency p50/p99 (agent filter, k), and the postings the index read against
//    the postings a full ranking scores;
//  - the archival_memory_search step's search (PassageStore::search_archival: count, embed the
//    query, hybrid search, fetch the rows) p50/p99.
// The two plans run alternately on each query. The data is read from the shared folder, never
// copied into the repository.
//
// bench/scale (the realistic 1M corpus): --passages FILE (one passage a line, the first --n used)
// and --questions FILE (one query a line) instead of --data; --vectors F.fvecs: the passages'
// vectors from bench_embed_corpus (the same built-in embedder, computed once); --store PATH: the
// store is kept there and reused (a fill resumes where it stopped); --compare N: only the first
// N queries are also run through FTS5's full ranking (slow at 1M), the index's latencies cover
// all of them. Also reports the step's vector-only search (SearchMode::kVector) p50/p99.
// Creating the file PATH.stop ends a fill early (whole batches; the store is closed and its graph
// saved) and the run measures the rows held.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "embed/embedder.h"
#include "sources/passage_store.h"
#include "util/json.h"
#include "vector/embedded_store.h"

using namespace memgpt;
using Steady = std::chrono::steady_clock;

namespace {

// The data file through gzip (always installed), quoted for the shell.
std::string gunzip(const std::string& path) {
  std::string quoted = "'";
  for (char c : path) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  quoted += "'";
  std::string out;
  FILE* f = ::popen(("gzip -dc " + quoted).c_str(), "r");
  if (!f) return out;
  char buf[1 << 16];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  ::pclose(f);
  return out;
}

struct Data {
  std::vector<std::string> passages;
  std::vector<std::string> questions;
};

// Overlapping windows of 48 words over each record's texts, the stride chosen so that there are
// at least n, then n of them evenly spread.
Data load(const std::string& path, size_t n) {
  Data d;
  std::vector<std::vector<std::string>> docs;
  std::istringstream lines(gunzip(path));
  std::string line;
  while (std::getline(lines, line)) {
    Json j = parse_json_or_discarded(line);
    if (!j.is_object()) continue;
    d.questions.push_back(j.value("question", ""));
    std::string text;
    for (const auto& c : j.value("ctxs", Json::array())) text += c.value("text", "") + " ";
    text += j.value("nq_annotated_gold", Json::object()).value("long_answer", "");
    std::istringstream words(text);
    std::vector<std::string> w;
    for (std::string x; words >> x;) w.push_back(x);
    docs.push_back(std::move(w));
  }
  constexpr size_t kWindow = 48;
  std::vector<std::string> all;
  for (size_t stride = kWindow; stride >= 1; stride = stride > 8 ? stride - 8 : stride - 1) {
    all.clear();
    for (const auto& w : docs) {
      for (size_t at = 0; at < w.size(); at += stride) {
        std::string p;
        for (size_t i = at; i < std::min(w.size(), at + kWindow); ++i) p += (i > at ? " " : "") + w[i];
        all.push_back(std::move(p));
        if (at + kWindow >= w.size()) break;
      }
    }
    if (all.size() >= n || stride == 1) break;
  }
  for (size_t i = 0; i < n && i < all.size(); ++i) d.passages.push_back(all[i * all.size() / n]);
  return d;
}

std::vector<std::string> read_lines(const std::string& path, size_t limit) {
  std::vector<std::string> out;
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return out;
  char* line = nullptr;
  size_t cap = 0;
  ssize_t len = 0;
  while (out.size() < limit && (len = ::getline(&line, &cap, f)) >= 0) {
    out.emplace_back(line, static_cast<size_t>(len) - (len > 0 && line[len - 1] == '\n' ? 1 : 0));
  }
  std::free(line);
  std::fclose(f);
  return out;
}

// Vectors from..from+count of an fvecs file (per vector: int32 dimension, then the floats).
std::vector<std::vector<float>> read_fvecs(const std::string& path, size_t from, size_t count, int dim) {
  std::vector<std::vector<float>> out;
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return out;
  const long record = 4 + 4L * dim;
  if (std::fseek(f, static_cast<long>(from) * record, SEEK_SET) == 0) {
    for (size_t i = 0; i < count; ++i) {
      int32_t d = 0;
      std::vector<float> v(static_cast<size_t>(dim));
      if (std::fread(&d, 4, 1, f) != 1 || d != dim || std::fread(v.data(), 4, v.size(), f) != v.size()) break;
      out.push_back(std::move(v));
    }
  }
  std::fclose(f);
  return out;
}

struct Latency {
  std::vector<double> ms;
  double p(double q) {
    std::sort(ms.begin(), ms.end());
    return ms.empty() ? 0 : ms[std::min(ms.size() - 1, static_cast<size_t>(q * static_cast<double>(ms.size())))];
  }
};

template <typename F>
double timed(F&& f) {
  auto t = Steady::now();
  f();
  return std::chrono::duration<double, std::milli>(Steady::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = 100000, queries = 1000;
  int k = 10;
  size_t compare = SIZE_MAX;
  std::string data = "../shared/data/nq-open-oracle.jsonl.gz", passages_file, questions_file, vectors_file, store_path;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--n") n = std::stoul(argv[i + 1]);
    if (a == "--queries") queries = std::stoul(argv[i + 1]);
    if (a == "--k") k = std::atoi(argv[i + 1]);
    if (a == "--data") data = argv[i + 1];
    if (a == "--passages") passages_file = argv[i + 1];
    if (a == "--questions") questions_file = argv[i + 1];
    if (a == "--vectors") vectors_file = argv[i + 1];
    if (a == "--store") store_path = argv[i + 1];
    if (a == "--compare") compare = std::stoul(argv[i + 1]);
  }
  Data d;
  if (!passages_file.empty()) {
    d.passages = read_lines(passages_file, n);
    d.questions = read_lines(questions_file, queries);
    data = passages_file;
  } else {
    d = load(data, n);
  }
  if (d.passages.size() < n || d.questions.empty()) {
    fmt::print(stderr, "cannot read {} passages from {}\n", n, data);
    return 1;
  }
  std::string dir = std::filesystem::temp_directory_path() / ("memgpt-keyword-bench-" + std::to_string(::getpid()));
  if (store_path.empty()) std::filesystem::create_directories(dir);
  const std::string path = store_path.empty() ? dir + "/milvus.db" : store_path;
  auto embedder = std::move(*embed::make_builtin_embedder());
  const std::string agent = "agent-a";
  {
    auto writer = std::move(*vector::open_embedded_store(path));
    sources::PassageStore passages(writer.get(), embedder.get());
    (void)passages.ensure_collections();
    // A kept store resumes its fill: upserts from the last whole batch it holds.
    auto held = writer->count(passages.archival_collection(), "");
    size_t start = held.ok() ? std::min(n, static_cast<size_t>(*held) / 1000 * 1000) : 0;
    if (start > 0) fmt::print("{}: {} rows held, filling from {}\n", path, held.ok() ? *held : 0, start);
    auto t = Steady::now();
    for (size_t done = start; done < n; done += 1000) {
      // PATH.stop ends the fill here (whole batches) and measures the rows held: a fill that
      // cannot finish in the time left still closes the store, which saves the graph.
      if (!store_path.empty() && std::filesystem::exists(store_path + ".stop")) {
        fmt::print("{}.stop: fill stopped at {} rows\n", store_path, done);
        n = done;
        d.passages.resize(n);
        break;
      }
      std::vector<std::string> texts(d.passages.begin() + static_cast<std::ptrdiff_t>(done),
                                     d.passages.begin() + static_cast<std::ptrdiff_t>(std::min(n, done + 1000)));
      Result<std::vector<std::vector<float>>> vecs = std::vector<std::vector<float>>{};
      if (vectors_file.empty()) vecs = embedder->embed(texts);
      else vecs = read_fvecs(vectors_file, done, texts.size(), embedder->dim());
      if (!vecs.ok() || vecs->size() != texts.size()) {
        fmt::print(stderr, "no vectors for rows {}..{}\n", done, done + texts.size());
        return 1;
      }
      std::vector<Json> rows;
      for (size_t i = 0; i < texts.size(); ++i) {
        // One passage in ten belongs to another agent: the agent filter is not a no-op.
        std::string owner = (done + i) % 10 == 9 ? "agent-b" : agent;
        rows.push_back({{"id", "p" + std::to_string(done + i)}, {"text", texts[i]}, {"embedding", (*vecs)[i]},
                        {"user_id", "u"}, {"agent_id", owner}, {"source_id", ""}, {"data_source", ""}, {"doc_id", ""},
                        {"created_at", int64_t{0}}, {"metadata", Json::object()}});
      }
      auto s = writer->upsert(passages.archival_collection(), rows);
      if (!s.ok()) {
        fmt::print(stderr, "insert failed: {}\n", s.status().message());
        return 1;
      }
      if ((done + 1000) % 50000 == 0) {
        double sec = std::chrono::duration<double>(Steady::now() - t).count();
        fmt::print("  {} rows, {:.0f} rows/s since {}\n", done + 1000, double(done + 1000 - start) / sec, start);
        std::fflush(stdout);
      }
    }
    double sec = std::chrono::duration<double>(Steady::now() - t).count();
    fmt::print("{} passages of {} inserted and indexed ({} in this run: {:.1f} s, {:.0f} rows/s)\n", n, data, n - start,
               sec, double(n - start) / std::max(sec, 1e-9));
  }
  uint64_t read = 0, total = 0;
  vector::EmbeddedOptions with_index;
  with_index.on_keyword_search = [&](uint64_t r, uint64_t t) {
    read += r;
    total += t;
  };
  vector::EmbeddedOptions full;
  full.keyword_index = false;
  auto indexed = std::move(*vector::open_embedded_store(path, with_index));
  auto fts5 = std::move(*vector::open_embedded_store(path, full));
  sources::PassageStore indexed_passages(indexed.get(), embedder.get());
  sources::PassageStore fts5_passages(fts5.get(), embedder.get());
  const std::string collection = indexed_passages.archival_collection();
  const std::string filter = "agent_id == \"" + agent + "\"";

  // First use builds the inverted index from the rows (a reopen loads it instead).
  vector::SearchRequest warm;
  warm.text_query = "warm up";
  double build_ms = timed([&] { (void)indexed->search(collection, warm); });

  size_t same = 0, same_unfiltered = 0, asked = std::min(queries, d.questions.size());
  size_t compared = std::min(asked, compare);
  Latency kw_index, kw_fts5, step_index, step_fts5, step_vector;
  auto ranking = [](const Result<std::vector<vector::SearchHit>>& r) {
    std::vector<std::pair<std::string, double>> out;
    if (r.ok()) {
      for (const auto& h : *r) out.emplace_back(h.id.dump(), h.distance);
    }
    return out;
  };
  for (size_t i = 0; i < asked; ++i) {
    const std::string& q = d.questions[i];
    vector::SearchRequest r;
    r.text_query = q;
    r.limit = k;
    r.filter = filter;
    Result<std::vector<vector::SearchHit>> a = std::vector<vector::SearchHit>{}, b = a;
    bool index_first = i % 2 == 0;  // alternate which plan runs first
    bool with_fts5 = i < compared;
    for (int turn = 0; turn < 2; ++turn) {
      if ((turn == 0) == index_first) kw_index.ms.push_back(timed([&] { a = indexed->search(collection, r); }));
      else if (with_fts5) kw_fts5.ms.push_back(timed([&] { b = fts5->search(collection, r); }));
    }
    if (with_fts5) {
      if (a.ok() && b.ok() && ranking(a) == ranking(b)) ++same;
      r.filter.clear();
      uint64_t r0 = read, t0 = total;
      bool unfiltered_same = ranking(indexed->search(collection, r)) == ranking(fts5->search(collection, r));
      read = r0;  // postings are reported for the filtered searches only
      total = t0;
      if (unfiltered_same) ++same_unfiltered;
    }
    for (int turn = 0; turn < 2; ++turn) {
      if ((turn == 0) == index_first) {
        step_index.ms.push_back(timed([&] { (void)indexed_passages.search_archival(agent, q, 0, k); }));
      } else if (with_fts5) {
        step_fts5.ms.push_back(timed([&] { (void)fts5_passages.search_archival(agent, q, 0, k); }));
      }
    }
    step_vector.ms.push_back(
        timed([&] { (void)indexed_passages.search_archival(agent, q, 0, k, sources::SearchMode::kVector); }));
  }
  fmt::print("{} passages, {} queries (NQ questions), k {}; first keyword search builds the index: {:.0f} ms\n", n, asked,
             k, build_ms);
  fmt::print("identical top {} (ids, order, scores): {}/{} with the agent filter, {}/{} without\n", k, same, compared,
             same_unfiltered, compared);
  fmt::print("postings read by the index: {} of {} a full ranking scores ({:.1f}%, {:.0f} per query of {:.0f})\n", read,
             total, 100.0 * static_cast<double>(read) / static_cast<double>(std::max<uint64_t>(total, 1)),
             static_cast<double>(read) / static_cast<double>(asked), static_cast<double>(total) / static_cast<double>(asked));
  auto row = [](const char* what, Latency& idx, Latency& full) {
    double a50 = idx.p(0.5), a99 = idx.p(0.99), b50 = full.p(0.5), b99 = full.p(0.99);
    fmt::print("{:<36} index p50 {:8.3f} ms p99 {:8.3f} ms | FTS5 p50 {:8.3f} ms p99 {:8.3f} ms | ratio p50 {:.1f}x p99 {:.1f}x\n",
               what, a50, a99, b50, b99, b50 / a50, b99 / a99);
  };
  row("keyword search (agent filter)", kw_index, kw_fts5);
  row("archival_memory_search (hybrid)", step_index, step_fts5);
  fmt::print("{:<36} p50 {:8.3f} ms p99 {:8.3f} ms ({} queries)\n", "archival_memory_search (vector only)",
             step_vector.p(0.5), step_vector.p(0.99), step_vector.ms.size());
  if (compared < asked) fmt::print("FTS5 columns and identical top {}: the first {} queries only\n", k, compared);
  indexed.reset();
  fts5.reset();
  if (store_path.empty()) std::filesystem::remove_all(dir);
  return same == compared && same_unfiltered == compared ? 0 : 2;
}
