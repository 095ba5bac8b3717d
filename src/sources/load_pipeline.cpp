#include "sources/load_pipeline.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "sources/ingest_parts.h"
#include "util/clock.h"

namespace memgpt::sources {
namespace {

// Passages per write to the vector store. At 256 and more the embedded engine builds the graph
// on several threads (vector/index_catch_up.cpp); a write is also one transaction, so fewer,
// larger writes commit less often. Batches span files: a file skipped later is taken out by id.
constexpr size_t kStoreBatch = 512;
// Passages per embed call: a stop waits for one such call at most.
constexpr size_t kEmbedSlice = 128;
// What may be in flight between the reader and the store: the bytes of the documents' text and
// a number of units (documents and events). One document larger than this still passes, alone.
// The window must hold several store writes' worth of documents: while the calling thread
// writes one batch (SQLite, then the graph), the workers chunk and embed the next ones. A window
// of a few dozen units (a small file is three: start, document, end) made the workers wait for
// every write and the calling thread wait for the workers after it.
constexpr size_t kMaxBytesInFlight = size_t{16} << 20;
constexpr size_t kMaxUnitsInFlight = 16 * kStoreBatch;
// How often the calling thread looks at the cancel flag while it waits (a signal handler sets
// it without waking anyone).
constexpr auto kCancelPoll = std::chrono::milliseconds(50);

// One step of the load, in input order.
struct Unit {
  enum class Kind { kFileStart, kWarning, kDocument, kFileEnd };
  Kind kind = Kind::kDocument;
  size_t file = 0;
  std::string warning;  // kWarning
  // kFileEnd: how reading the file ended. kDocument: why it could not be embedded.
  Status status;
  Document doc;   // kDocument, until a worker has chunked it
  size_t bytes = 0;
  std::vector<Passage> passages;  // kDocument, once done: chunked and embedded
  FitReport fit;
  bool done = false;
};

class Pipeline {
 public:
  Pipeline(PassageStore& passages, const store::SourceRecord& source, const std::vector<std::string>& files,
           const LoadRequest& request, const LoadProgress& progress, int workers)
      : passages_(passages),
        source_(source),
        files_(files),
        request_(request),
        progress_(progress),
        chunking_{request.chunk_tokens, request.overlap_tokens},
        limit_(model_limit(passages.embedder())),
        now_(SystemClock::instance().now_ms()),
        workers_(workers) {}
  ~Pipeline() { stop(); }
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  Result<LoadReport> run();

 private:
  bool cancelled() const { return progress_.cancel && progress_.cancel->load(); }

  // A bug in a stage thread (an exception) stops the load and is thrown again on the calling
  // thread, where the application's boundary catches it.
  void guarded(const std::function<void()>& body) {
    try {
      body();
    } catch (...) {
      std::lock_guard lock(mu_);
      if (!failure_) failure_ = std::current_exception();
      stopping_ = true;
      notify_all();
    }
  }
  void notify_all() {
    space_cv_.notify_all();
    work_cv_.notify_all();
    done_cv_.notify_all();
  }
  void stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      notify_all();
    }
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

  // The reader: files in order, their documents and events into the window.
  void read_all();
  // Appends a unit in order, waiting while the window is full; false when the load stops.
  bool push(std::unique_ptr<Unit> unit);
  // A worker: chunks and embeds documents until there are no more.
  void work();
  void process(Unit& unit);
  // The next unit in order once it is done; nullptr at the end of the input.
  Result<std::unique_ptr<Unit>> next();

  // The calling thread's side: what a unit does to the report and the store.
  Status consume(Unit& unit);
  Status flush();
  Status end_file(const Status& read_status);

  PassageStore& passages_;
  const store::SourceRecord& source_;
  const std::vector<std::string>& files_;
  const LoadRequest& request_;
  const LoadProgress& progress_;
  const ChunkOptions chunking_;
  const ModelLimit limit_;
  const int64_t now_;
  const int workers_;

  std::mutex mu_;
  std::condition_variable space_cv_, work_cv_, done_cv_;
  std::deque<std::unique_ptr<Unit>> window_;  // every unit not yet consumed, in order
  std::deque<Unit*> todo_;                    // documents no worker has taken yet
  size_t bytes_in_flight_ = 0;
  bool reading_done_ = false;
  std::atomic<bool> stopping_{false};
  std::exception_ptr failure_;
  std::vector<std::thread> threads_;

  // The calling thread's state.
  LoadReport report_;
  std::vector<Passage> pending_;  // chunked and embedded, not yet stored
  // The file being consumed: where its passages start in pending_, the ids of those already
  // stored, its counts (a skipped file is taken out again) and its first failure.
  size_t file_pending_from_ = 0;
  std::vector<Json> file_ids_;
  int64_t file_documents_ = 0;
  Status file_status_;
};

void Pipeline::read_all() {
  auto stopped = [this] { return stopping_.load() || cancelled(); };
  for (size_t i = 0; i < files_.size() && !stopped(); ++i) {
    auto start = std::make_unique<Unit>();
    start->kind = Unit::Kind::kFileStart;
    start->file = i;
    if (!push(std::move(start))) return;
    ReadOptions options;
    options.strict = request_.strict;
    options.warn = [&](const std::string& w) {
      auto warning = std::make_unique<Unit>();
      warning->kind = Unit::Kind::kWarning;
      warning->file = i;
      warning->warning = w;
      push(std::move(warning));
    };
    Status s = read_documents(files_[i], [&](Document doc) -> Status {
      if (stopped()) return Status(ErrorCode::kCancelled, "cancelled");
      auto unit = std::make_unique<Unit>();
      unit->file = i;
      unit->bytes = doc.text.size();
      unit->doc = std::move(doc);
      if (!push(std::move(unit))) return Status(ErrorCode::kCancelled, "cancelled");
      return {};
    }, options);
    auto end = std::make_unique<Unit>();
    end->kind = Unit::Kind::kFileEnd;
    end->file = i;
    end->status = std::move(s);
    if (!push(std::move(end))) return;
  }
  std::lock_guard lock(mu_);
  reading_done_ = true;
  notify_all();
}

bool Pipeline::push(std::unique_ptr<Unit> unit) {
  std::unique_lock lock(mu_);
  space_cv_.wait(lock, [&] {
    return stopping_ || window_.empty() ||
           (window_.size() < kMaxUnitsInFlight && bytes_in_flight_ + unit->bytes <= kMaxBytesInFlight);
  });
  if (stopping_) return false;
  bytes_in_flight_ += unit->bytes;
  Unit* raw = unit.get();
  window_.push_back(std::move(unit));
  if (raw->kind == Unit::Kind::kDocument) {
    todo_.push_back(raw);
    work_cv_.notify_one();
  } else {
    raw->done = true;
    done_cv_.notify_all();
  }
  return true;
}

void Pipeline::work() {
  for (;;) {
    Unit* unit = nullptr;
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock, [&] { return stopping_ || !todo_.empty() || reading_done_; });
      if (stopping_ || todo_.empty()) return;
      unit = todo_.front();
      todo_.pop_front();
    }
    process(*unit);
    std::lock_guard lock(mu_);
    unit->done = true;
    done_cv_.notify_all();
  }
}

void Pipeline::process(Unit& unit) {
  unit.passages = document_passages(source_, unit.doc, chunking_, limit_, unit.fit, now_, "");
  unit.doc.text = std::string();  // the passages hold the text now
  embed::Embedder& embedder = passages_.embedder();
  for (size_t at = 0; at < unit.passages.size(); at += kEmbedSlice) {
    if (stopping_) return;  // nobody will store it
    size_t end = std::min(unit.passages.size(), at + kEmbedSlice);
    std::vector<std::string> texts;
    texts.reserve(end - at);
    for (size_t i = at; i < end; ++i) texts.push_back(unit.passages[i].text);
    auto vectors = embedder.embed(texts);
    if (!vectors.ok()) {
      unit.status = vectors.status();
      return;
    }
    for (size_t i = at; i < end; ++i) unit.passages[i].embedding = std::move((*vectors)[i - at]);
  }
}

Result<std::unique_ptr<Unit>> Pipeline::next() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (failure_) std::rethrow_exception(failure_);
    if (!window_.empty() && window_.front()->done) break;
    if (window_.empty() && reading_done_) return std::unique_ptr<Unit>();
    if (cancelled()) return Status(ErrorCode::kCancelled, "cancelled");
    done_cv_.wait_for(lock, kCancelPoll);
  }
  std::unique_ptr<Unit> unit = std::move(window_.front());
  window_.pop_front();
  bytes_in_flight_ -= unit->bytes;
  space_cv_.notify_all();
  return unit;
}

Status Pipeline::flush() {
  if (pending_.empty()) return {};
  // An error storing passages stops the load whatever its code: it is the store's, not a file's.
  MEMGPT_RETURN_IF_ERROR(passages_.upsert_source_passages(pending_));
  for (size_t i = file_pending_from_; i < pending_.size(); ++i) file_ids_.push_back(pending_[i].id);
  report_.passages += static_cast<int64_t>(pending_.size());
  pending_.clear();
  file_pending_from_ = 0;
  if (progress_.on_passages) progress_.on_passages(report_.passages);
  return {};
}

Status Pipeline::end_file(const Status& read_status) {
  // The first failure of the file counts (reading it in one thread would have stopped there).
  Status s = file_status_.ok() ? read_status : file_status_;
  if (s.ok()) return {};
  if (!is_per_file(s) || request_.strict) return s;
  // The file is skipped whole: its passages not stored yet are dropped, those stored come out
  // again (after the earlier files' passages are stored, as they would have been by now).
  const int64_t stored_here = static_cast<int64_t>(file_ids_.size());
  pending_.resize(file_pending_from_);
  MEMGPT_RETURN_IF_ERROR(flush());
  MEMGPT_RETURN_IF_ERROR(remove_ids(passages_, file_ids_));
  report_.documents -= file_documents_;
  report_.passages -= stored_here;
  report_.skipped.push_back(s.message());
  if (progress_.on_warning) progress_.on_warning("skipped " + s.message());
  return {};
}

Status Pipeline::consume(Unit& unit) {
  switch (unit.kind) {
    case Unit::Kind::kFileStart:
      if (progress_.on_file) progress_.on_file(unit.file, files_.size(), files_[unit.file]);
      file_pending_from_ = pending_.size();
      file_ids_.clear();
      file_documents_ = 0;
      file_status_ = Status();
      return {};
    case Unit::Kind::kWarning:
      if (!file_status_.ok()) return {};  // after the file failed: one thread would not have read on
      report_.warnings.push_back(unit.warning);
      if (progress_.on_warning) progress_.on_warning(unit.warning);
      return {};
    case Unit::Kind::kDocument:
      if (!file_status_.ok()) return {};
      ++report_.documents;
      ++file_documents_;
      add_fit(report_.fit, unit.fit);
      if (!unit.status.ok()) {
        file_status_ = unit.status;
        return {};
      }
      for (auto& p : unit.passages) pending_.push_back(std::move(p));
      if (pending_.size() >= kStoreBatch) return flush();
      return {};
    case Unit::Kind::kFileEnd:
      return end_file(unit.status);
  }
  return {};
}

Result<LoadReport> Pipeline::run() {
  report_.files = files_.size();
  threads_.emplace_back([this] { guarded([this] { read_all(); }); });
  for (int i = 0; i < workers_; ++i) threads_.emplace_back([this] { guarded([this] { work(); }); });
  for (;;) {
    if (cancelled()) return Status(ErrorCode::kCancelled, "cancelled");
    MEMGPT_ASSIGN_OR_RETURN(std::unique_ptr<Unit> unit, next());
    if (!unit) break;
    MEMGPT_RETURN_IF_ERROR(consume(*unit));
  }
  MEMGPT_RETURN_IF_ERROR(flush());
  // A stop during the last write still stops the load (its caller removes what was stored).
  if (cancelled()) return Status(ErrorCode::kCancelled, "cancelled");
  if (progress_.on_file) progress_.on_file(files_.size(), files_.size(), "");
  return std::move(report_);
}

}  // namespace

Result<LoadReport> ingest_files_pipelined(PassageStore& passages, const store::SourceRecord& source,
                                          const std::vector<std::string>& files, const LoadRequest& request,
                                          const LoadProgress& progress, int workers) {
  Result<LoadReport> report = [&] {
    Pipeline pipeline(passages, source, files, request, progress, std::max(1, workers));
    return pipeline.run();
  }();
  if (report.ok()) report->source = source;
  return report;
}

}  // namespace memgpt::sources
