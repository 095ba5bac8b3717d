#include "vector/key_table.h"

#include <xxhash.h>

#include <cstring>

namespace memgpt::vector::embedded {
namespace {

constexpr std::string_view kMagic("MGKEYS2", 8);  // with its NUL: 8 bytes
constexpr int64_t kMaxRid = int64_t{1} << 40;

template <typename T>
void put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

template <typename T>
bool get(std::string_view in, size_t& pos, T& v) {
  if (in.size() - pos < sizeof v) return false;
  std::memcpy(&v, in.data() + pos, sizeof v);
  pos += sizeof v;
  return true;
}

}  // namespace

void KeyTable::reset(bool int_keys) {
  int_keys_ = int_keys;
  ints_.clear();
  strs_.clear();
  present_.clear();
  size_ = 0;
}

void KeyTable::set(int64_t rid, const SqlRow& r, size_t col) {
  if (rid <= 0 || rid > kMaxRid) return;
  auto i = static_cast<size_t>(rid);
  if (i >= present_.size()) grow(i + 1);
  if (int_keys_) ints_[i] = r.integer(col);
  else strs_[i] = r.text(col);
  if (!present_[i]) ++size_;
  present_[i] = 1;
}

void KeyTable::erase(int64_t rid) {
  auto i = static_cast<size_t>(rid);
  if (rid <= 0 || i >= present_.size() || !present_[i]) return;
  present_[i] = 0;
  --size_;
  if (!int_keys_) std::string().swap(strs_[i]);
}

bool KeyTable::find(int64_t rid, Json& out) const {
  auto i = static_cast<size_t>(rid);
  if (rid <= 0 || i >= present_.size() || !present_[i]) return false;
  if (int_keys_) out = ints_[i];
  else out = strs_[i];
  return true;
}

std::string KeyTable::serialize(const std::string& stamp) const {
  std::string out(kMagic);
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
  put<uint64_t>(out, XXH3_64bits(out.data(), out.size()));
  return out;
}

bool KeyTable::parse(std::string_view in, const std::string& stamp, bool int_keys) {
  reset(int_keys);
  bool ok = [&] {
    if (in.size() < kMagic.size() + sizeof(uint64_t) || in.substr(0, kMagic.size()) != kMagic) return false;
    // The checksum first: nothing below is read from a damaged image.
    uint64_t sum = 0;
    std::memcpy(&sum, in.data() + in.size() - sizeof sum, sizeof sum);
    in.remove_suffix(sizeof sum);
    if (XXH3_64bits(in.data(), in.size()) != sum) return false;
    size_t pos = kMagic.size();
    uint64_t n = 0, len = 0;
    uint8_t flag = 0;
    if (!get(in, pos, len) || len != stamp.size() || in.size() - pos < len || in.substr(pos, len) != stamp) {
      return false;
    }
    pos += len;
    if (!get(in, pos, flag) || flag > 1 || (flag != 0) != int_keys || !get(in, pos, n)) return false;
    int64_t previous = 0;
    for (uint64_t e = 0; e < n; ++e) {
      int64_t rid = 0;
      if (!get(in, pos, rid) || rid <= previous || rid > kMaxRid) return false;
      previous = rid;
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
      present_[i] = 1;
      ++size_;
    }
    return pos == in.size();
  }();
  if (!ok) reset(int_keys);
  return ok;
}

void KeyTable::grow(size_t n) {
  present_.resize(n, 0);
  if (int_keys_) ints_.resize(n, 0);
  else strs_.resize(n);
}

}  // namespace memgpt::vector::embedded
