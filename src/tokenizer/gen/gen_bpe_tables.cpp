// Build-time tool: turns tiktoken's encoder JSON (npm tiktoken, encoders/<name>.json) into a
// binary table the tokenizer uses in place, with no parsing at run time:
//
//   header   : magic "MBPE", u32 version, u32 n_ranks, u32 capacity, u32 pool_size,
//              u32 n_special, u32 pattern_size
//   entries  : n_ranks x {u32 offset, u32 length}   token bytes by rank (length 0 = unused)
//   table    : capacity x u32                        open-addressing hash: rank + 1, 0 = empty
//   specials : n_special x {u32 rank, u32 offset, u32 length}
//   pool     : token bytes, then special-token strings, then the pre-tokeniser pattern
//
// Usage: gen_bpe_tables <encoder.json> <out.bin>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tokenizer/bpe_hash.h"

namespace {

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool b64_decode(const std::string& in, std::string& out) {
  out.clear();
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    int v = b64_value(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return true;
}

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: gen_bpe_tables <encoder.json> <out.bin>\n");
    return 2;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::fprintf(stderr, "gen_bpe_tables: cannot read %s (run scripts/setup.sh)\n", argv[1]);
    return 1;
  }
  nlohmann::json j = nlohmann::json::parse(in);
  std::string ranks_text = j.at("bpe_ranks").get<std::string>();
  std::vector<std::string> by_rank;
  std::istringstream lines(ranks_text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    std::istringstream parts(line);
    std::string prefix, offset_text, token_b64;
    parts >> prefix >> offset_text;
    size_t rank = std::stoul(offset_text);
    while (parts >> token_b64) {
      std::string bytes;
      if (!b64_decode(token_b64, bytes)) {
        std::fprintf(stderr, "gen_bpe_tables: bad base64 token at rank %zu\n", rank);
        return 1;
      }
      if (by_rank.size() <= rank) by_rank.resize(rank + 1);
      by_rank[rank++] = bytes;
    }
  }
  std::vector<std::pair<uint32_t, std::string>> specials;
  for (const auto& [text, rank] : j.at("special_tokens").items()) {
    specials.emplace_back(rank.get<uint32_t>(), text);
  }
  size_t n_ranks = by_rank.size();
  for (const auto& [rank, text] : specials) n_ranks = std::max<size_t>(n_ranks, rank + 1);
  std::string pattern = j.at("pat_str").get<std::string>();

  uint32_t capacity = 1;
  while (capacity < by_rank.size() * 2) capacity <<= 1;
  std::string pool;
  std::vector<uint32_t> offsets(n_ranks, 0), lengths(n_ranks, 0);
  std::vector<uint32_t> table(capacity, 0);
  for (size_t r = 0; r < by_rank.size(); ++r) {
    const std::string& t = by_rank[r];
    if (t.empty()) continue;
    offsets[r] = static_cast<uint32_t>(pool.size());
    lengths[r] = static_cast<uint32_t>(t.size());
    pool += t;
    uint64_t h = memgpt::tokenizer::bpe_hash(t.data(), t.size());
    for (uint32_t slot = static_cast<uint32_t>(h) & (capacity - 1);; slot = (slot + 1) & (capacity - 1)) {
      if (table[slot] == 0) {
        table[slot] = static_cast<uint32_t>(r + 1);
        break;
      }
    }
  }
  std::vector<uint32_t> special_offsets;
  for (const auto& [rank, text] : specials) {
    special_offsets.push_back(static_cast<uint32_t>(pool.size()));
    pool += text;
  }
  uint32_t pattern_offset = static_cast<uint32_t>(pool.size());
  pool += pattern;
  (void)pattern_offset;

  std::string out = "MBPE";
  put_u32(out, 1);
  put_u32(out, static_cast<uint32_t>(n_ranks));
  put_u32(out, capacity);
  put_u32(out, static_cast<uint32_t>(pool.size()));
  put_u32(out, static_cast<uint32_t>(specials.size()));
  put_u32(out, static_cast<uint32_t>(pattern.size()));
  for (size_t r = 0; r < n_ranks; ++r) {
    put_u32(out, offsets[r]);
    put_u32(out, lengths[r]);
  }
  for (uint32_t v : table) put_u32(out, v);
  for (size_t i = 0; i < specials.size(); ++i) {
    put_u32(out, specials[i].first);
    put_u32(out, special_offsets[i]);
    put_u32(out, static_cast<uint32_t>(specials[i].second.size()));
  }
  out += pool;
  std::ofstream o(argv[2], std::ios::binary);
  o.write(out.data(), static_cast<std::streamsize>(out.size()));
  return o ? 0 : 1;
}
