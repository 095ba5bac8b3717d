// The built-in offline embedder, "memgpt-builtin-384":
//   dense part (100 dims): GloVe word vectors averaged with smooth-inverse-frequency weights
//     a / (a + p(w)), p(w) from the word's frequency rank (Zipf), so rare words dominate;
//   lexical part (284 dims): signed feature hashing of word unigrams and bigrams, weighted by
//     sublinear term frequency (1 + ln tf) and an idf estimated from the frequency rank.
// Both parts are L2-normalised, weighted and concatenated, then normalised again. Deterministic,
// no network, a few microseconds per passage. See docs/embeddings.md for what it can't do.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <algorithm>
#include <mutex>
#include <unordered_map>

#include "embed/embedder.h"
#include "util/files.h"

namespace memgpt::embed {
namespace {

constexpr int kDenseDim = 100;
constexpr int kLexicalDim = 284;
constexpr int kDim = kDenseDim + kLexicalDim;
constexpr const char* kModel = "memgpt-builtin-384";
constexpr const char* kDataFile = "glove-100d.bin";

uint64_t fnv1a(const char* p, size_t n, uint64_t seed = 1469598103934665603ULL) {
  uint64_t h = seed;
  for (size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(p[i]);
    h *= 1099511628211ULL;
  }
  return h;
}

uint32_t rd(const unsigned char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// The memory-mapped GloVe table (see gen/gen_glove_table.cpp).
class GloveTable {
 public:
  static Result<std::shared_ptr<GloveTable>> open(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return not_found(path);
    struct stat st{};
    ::fstat(fd, &st);
    void* m = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (m == MAP_FAILED) return io_error("cannot map " + path);
    auto t = std::shared_ptr<GloveTable>(new GloveTable());
    t->base_ = static_cast<const unsigned char*>(m);
    t->size_ = static_cast<size_t>(st.st_size);
    if (t->size_ < 20 || std::memcmp(t->base_, "MGLV", 4) != 0) {
      return corrupt(fmt::format("{} is not a memgpt word-vector table (rebuild with make)", path));
    }
    t->n_ = rd(t->base_ + 8);
    t->dim_ = rd(t->base_ + 12);
    t->capacity_ = rd(t->base_ + 16);
    size_t off = 20;
    t->offsets_ = t->base_ + off;
    off += 4ull * (t->n_ + 1);
    t->scales_ = t->base_ + off;
    off += 4ull * t->n_;
    t->vectors_ = reinterpret_cast<const int8_t*>(t->base_ + off);
    off += static_cast<size_t>(t->n_) * t->dim_;
    while (off % 4) ++off;
    t->table_ = t->base_ + off;
    off += 4ull * t->capacity_;
    t->pool_ = reinterpret_cast<const char*>(t->base_ + off);
    if (t->dim_ != kDenseDim || off > t->size_) return corrupt(path + " is damaged (rebuild with make)");
    return t;
  }
  ~GloveTable() {
    if (base_) ::munmap(const_cast<unsigned char*>(base_), size_);
  }
  uint32_t size() const { return n_; }
  // Frequency rank of a word, or -1.
  int64_t rank(std::string_view w) const {
    uint32_t mask = capacity_ - 1;
    for (uint32_t slot = static_cast<uint32_t>(fnv1a(w.data(), w.size())) & mask;; slot = (slot + 1) & mask) {
      uint32_t v = rd(table_ + 4ull * slot);
      if (!v) return -1;
      uint32_t r = v - 1;
      uint32_t a = rd(offsets_ + 4ull * r), b = rd(offsets_ + 4ull * (r + 1));
      if (b - a == w.size() && std::memcmp(pool_ + a, w.data(), w.size()) == 0) return r;
    }
  }
  void add(uint32_t r, float weight, float* out) const {
    float scale;
    std::memcpy(&scale, scales_ + 4ull * r, 4);
    const int8_t* v = vectors_ + static_cast<size_t>(r) * dim_;
    float f = weight * scale;
    for (uint32_t k = 0; k < dim_; ++k) out[k] += f * static_cast<float>(v[k]);
  }

 private:
  GloveTable() = default;
  const unsigned char* base_ = nullptr;
  size_t size_ = 0;
  uint32_t n_ = 0, dim_ = 0, capacity_ = 0;
  const unsigned char* offsets_ = nullptr;
  const unsigned char* scales_ = nullptr;
  const int8_t* vectors_ = nullptr;
  const unsigned char* table_ = nullptr;
  const char* pool_ = nullptr;
};

// Lower-cased word tokens: runs of letters/digits (any non-ASCII byte counts as a letter, so
// accented and non-Latin words stay whole).
std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> out;
  std::string w;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c >= 0x80) {
      w += static_cast<char>(std::tolower(c));
    } else if (!w.empty()) {
      out.push_back(std::move(w));
      w.clear();
    }
  }
  if (!w.empty()) out.push_back(std::move(w));
  return out;
}

// A crude stem for the lexical features ("passages" ~ "passage"), so plural and singular
// share a bucket. The GloVe lookup uses the word as written.
std::string stem(const std::string& w) {
  if (w.size() > 4 && w.compare(w.size() - 3, 3, "ies") == 0) return w.substr(0, w.size() - 3) + "y";
  if (w.size() > 3 && w.back() == 's' && w[w.size() - 2] != 's') return w.substr(0, w.size() - 1);
  return w;
}

class BuiltinEmbedder final : public Embedder {
 public:
  explicit BuiltinEmbedder(std::shared_ptr<GloveTable> glove) : glove_(std::move(glove)) {
    const char* w = std::getenv("MEMGPT_BUILTIN_DENSE_WEIGHT");  // for tuning experiments
    if (w && *w) dense_weight_ = std::clamp(std::strtof(w, nullptr), 0.0f, 1.0f);
    const char* b = std::getenv("MEMGPT_BUILTIN_BIGRAMS");
    if (b && *b) bigrams_ = std::string(b) != "0";
  }
  int dim() const override { return kDim; }
  std::string model() const override { return kModel; }
  std::string endpoint_type() const override { return "local"; }

  Result<std::vector<std::vector<float>>> embed(std::span<const std::string> texts) override {
    std::vector<std::vector<float>> out;
    out.reserve(texts.size());
    for (const auto& t : texts) out.push_back(embed_one(t));
    return out;
  }

 private:
  // Probability of the word with this frequency rank under Zipf's law over the vocabulary.
  double word_probability(int64_t rank) const {
    static const double kHarmonic = std::log(static_cast<double>(glove_->size())) + 0.5772;
    return 1.0 / ((static_cast<double>(rank) + 2.7) * kHarmonic);
  }
  double idf(int64_t rank) const {
    double r = rank < 0 ? static_cast<double>(glove_->size()) : static_cast<double>(rank);
    return std::log1p(r / 40.0);
  }

  std::vector<float> embed_one(const std::string& text) const {
    std::vector<float> v(kDim, 0.0f);
    std::vector<std::string> words = words_of(text);
    if (words.empty()) {
      v[0] = 1.0f;  // every text gets a valid unit vector; empty texts all look alike
      return v;
    }
    std::vector<int64_t> ranks(words.size());
    for (size_t i = 0; i < words.size(); ++i) ranks[i] = glove_->rank(words[i]);

    // Dense: SIF-weighted mean of word vectors.
    float* dense = v.data();
    constexpr double kA = 1e-4;
    for (size_t i = 0; i < words.size(); ++i) {
      if (ranks[i] < 0) continue;
      double p = word_probability(ranks[i]);
      glove_->add(static_cast<uint32_t>(ranks[i]), static_cast<float>(kA / (kA + p)), dense);
    }
    // Lexical: hashed unigrams and bigrams, sublinear tf x idf.
    std::unordered_map<std::string, std::pair<int, double>> features;  // feature -> (tf, idf)
    for (size_t i = 0; i < words.size(); ++i) {
      double w_idf = idf(ranks[i]);
      auto& f = features[stem(words[i])];
      f.first += 1;
      f.second = w_idf;
      if (bigrams_ && i + 1 < words.size()) {
        double b_idf = 0.5 * (w_idf + idf(ranks[i + 1]));
        auto& g = features[stem(words[i]) + " " + stem(words[i + 1])];
        g.first += 1;
        g.second = 0.6 * b_idf;
      }
    }
    float* lexical = v.data() + kDenseDim;
    for (const auto& [feature, tf_idf] : features) {
      double weight = (1.0 + std::log(static_cast<double>(tf_idf.first))) * tf_idf.second;
      // Two hashed buckets per feature with independent signs halve collision noise.
      for (uint64_t seed : {0x9e3779b97f4a7c15ULL, 0xc2b2ae3d27d4eb4fULL}) {
        uint64_t h = fnv1a(feature.data(), feature.size(), seed);
        size_t bucket = static_cast<size_t>(h % kLexicalDim);
        float sign = (h >> 63) ? -1.0f : 1.0f;
        lexical[bucket] += sign * static_cast<float>(weight * M_SQRT1_2);
      }
    }
    auto norm = [](const float* p, int n) {
      double s = 0;
      for (int i = 0; i < n; ++i) s += static_cast<double>(p[i]) * p[i];
      return std::sqrt(s);
    };
    double dn = norm(dense, kDenseDim), ln = norm(lexical, kLexicalDim);
    float dw = dense_weight_, lw = std::sqrt(1.0f - dense_weight_ * dense_weight_);
    for (int i = 0; i < kDenseDim; ++i) dense[i] = dn > 0 ? static_cast<float>(dense[i] / dn) * dw : 0;
    for (int i = 0; i < kLexicalDim; ++i) lexical[i] = ln > 0 ? static_cast<float>(lexical[i] / ln) * lw : 0;
    double total = norm(v.data(), kDim);
    if (total <= 0) {
      v[0] = 1.0f;
      return v;
    }
    for (float& x : v) x = static_cast<float>(x / total);
    return v;
  }

  std::shared_ptr<GloveTable> glove_;
  float dense_weight_ = 0.8f;
  bool bigrams_ = false;  // measured: bigrams in 284 hashed dims add collisions, not recall
};

}  // namespace

std::vector<std::string> builtin_data_paths() {
  std::vector<std::string> out;
  const char* env = std::getenv("MEMGPT_DATA_DIR");
  if (env && *env) out.push_back(std::string(env) + "/" + kDataFile);
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) out.push_back((exe.parent_path() / "data" / kDataFile).string());
  out.push_back(memgpt_home() + "/data/" + kDataFile);
#ifdef MEMGPT_BUILD_DATA_DIR
  out.push_back(std::string(MEMGPT_BUILD_DATA_DIR) + "/" + kDataFile);
#endif
  return out;
}

Result<std::unique_ptr<Embedder>> make_builtin_embedder() {
  static std::mutex mu;
  static std::weak_ptr<GloveTable> cached;
  std::lock_guard lock(mu);
  std::shared_ptr<GloveTable> glove = cached.lock();
  if (!glove) {
    for (const auto& path : builtin_data_paths()) {
      auto t = GloveTable::open(path);
      if (t.ok()) {
        glove = *t;
        break;
      }
      if (t.status().code() != ErrorCode::kNotFound) return t.status();
    }
    if (!glove) {
      return not_found(fmt::format(
          "the built-in embedder's word vectors ({}) were not found (looked in {}); run "
          "scripts/setup.sh and rebuild (make), or set MEMGPT_DATA_DIR",
          kDataFile, builtin_data_paths().front()));
    }
    cached = glove;
  }
  return std::unique_ptr<Embedder>(new BuiltinEmbedder(glove));
}

}  // namespace memgpt::embed
